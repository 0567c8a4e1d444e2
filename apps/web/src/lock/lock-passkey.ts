/**
 * Unlocking with a passkey: the one the person already uses as a second factor to log in.
 *
 * Why a local assertion and not a server check: the server has no route that verifies a passkey for
 * a signed-in session (its assertions are tied to a login or a password reset in progress), and the
 * idle lock guards the screen against a person at the keyboard of a shared workstation, not against
 * the server or a script in the page (which, unlocked or not, already runs with the device's keys).
 * The authenticator's user verification (fingerprint, face, device PIN) is what matters here, and
 * the browser only returns an assertion after it. We also check that the credential is the one chosen
 * when the lock was set up and that its user handle is this account (the server registers passkeys
 * with the account id as the WebAuthn user id), so another person's passkey on the same machine does
 * not open the session.
 * @TODO a `POST /me/reauth/webauthn` route would let the server verify the signature too; safe to
 * leave because the guarantee above does not depend on it.
 */

function toBase64Url(buffer: ArrayBuffer): string {
  let text = "";
  for (const byte of new Uint8Array(buffer)) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const raw = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

export type PasskeyCheck =
  | { ok: true; credentialId: string }
  | { ok: false; reason: "cancelled" | "other-user" };

/**
 * Asks the authenticator for an assertion with user verification. Without `credentialId` (setting
 * the lock up) any passkey of this site may answer, then its id is kept; with it, only that one.
 */
export async function assertPasskey(accountId: string, credentialId?: string): Promise<PasskeyCheck> {
  let credential: Credential | null;
  try {
    credential = await navigator.credentials.get({
      publicKey: {
        challenge: crypto.getRandomValues(new Uint8Array(32)),
        rpId: window.location.hostname,
        userVerification: "required",
        allowCredentials: credentialId ? [{ type: "public-key", id: fromBase64Url(credentialId) }] : [],
        timeout: 120_000,
      },
    });
  } catch {
    // NotAllowedError: cancelled, timed out, or no passkey of this site on this device.
    return { ok: false, reason: "cancelled" };
  }
  if (!(credential instanceof PublicKeyCredential)) return { ok: false, reason: "cancelled" };
  const response = credential.response as AuthenticatorAssertionResponse;
  const handle = response.userHandle ? new TextDecoder().decode(response.userHandle) : null;
  // A non-discoverable credential may come back without a user handle; its id was checked above.
  if (handle !== null && handle !== accountId) return { ok: false, reason: "other-user" };
  if (handle === null && !credentialId) return { ok: false, reason: "other-user" };
  const id = toBase64Url(credential.rawId);
  if (credentialId && id !== credentialId) return { ok: false, reason: "other-user" };
  return { ok: true, credentialId: id };
}
