import { ConfrereError, type ExpertiseState } from "@confrere/protocol";
import type { ExpertiseView } from "@confrere/sdk";
import type { MessageKey } from "../i18n/fr.ts";
import { fr } from "../i18n/fr.ts";
import type { Translate } from "../i18n/i18n.tsx";
import { describeError } from "../lib/errors.ts";

export const EXPERTISE_STATES: readonly ExpertiseState[] = [
  "sent",
  "accepted",
  "declined",
  "answered",
  "closed",
];

/** A request's role as the SDK gives it (the staff of a service asked, until one takes it on). */
export type ExpertiseSide = ExpertiseView["role"];

/**
 * The télé-expertise errors have their own sentences (`expertise.error.CODE`); any other error is
 * described as everywhere else in the app.
 */
export function describeExpertiseError(error: unknown, t: Translate): string {
  if (error instanceof ConfrereError) {
    const key = `expertise.error.${error.code}`;
    if (key in fr) return t(key as MessageKey);
  }
  return describeError(error, t);
}

/** Whether the error has its own télé-expertise sentence (for useAction's `onError`). */
export function isExpertiseError(error: unknown): boolean {
  return error instanceof ConfrereError && `expertise.error.${error.code}` in fr;
}

/** Euros as billed: "20,00 €" in French. */
export function formatEuros(euros: number, locale: string): string {
  return new Intl.NumberFormat(locale, { style: "currency", currency: "EUR" }).format(euros);
}
