import { ConfrereError } from "@confrere/protocol";
import type { MessageKey } from "../i18n/fr.ts";
import { fr } from "../i18n/fr.ts";
import type { Translate } from "../i18n/i18n.tsx";

/**
 * What to tell a person about an error: the server's stable code mapped to the catalogue (its
 * English message is for developers and logs), a passkey prompt closed by the person, or else a
 * generic text with the code to quote to support.
 */
export function describeError(error: unknown, t: Translate): string {
  if (error instanceof ConfrereError) {
    const key = `error.${error.code}`;
    const seconds = Number(error.details?.retryAfterSeconds ?? 60);
    if (key in fr) return t(key as MessageKey, { seconds });
    return t("error.unknown", { code: error.code });
  }
  // WebAuthn: the person closed the prompt, or it timed out (both are NotAllowedError).
  if (error instanceof Error && (error.name === "NotAllowedError" || error.name === "AbortError")) {
    return t("error.passkeyCancelled");
  }
  return t("error.unknown", { code: error instanceof Error ? error.name : "?" });
}

export function hasCode(error: unknown, ...codes: string[]): boolean {
  return error instanceof ConfrereError && codes.includes(error.code);
}
