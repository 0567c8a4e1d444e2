import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from "@simplewebauthn/browser";

/**
 * Passkeys through @simplewebauthn/browser (the counterpart of the server's @simplewebauthn/server),
 * loaded only when a passkey is used so it stays out of the first load.
 */
export function passkeysSupported(): boolean {
  return typeof window.PublicKeyCredential === "function";
}

export async function createPasskey(options: Record<string, unknown>) {
  const { startRegistration } = await import("@simplewebauthn/browser");
  return startRegistration({ optionsJSON: options as unknown as PublicKeyCredentialCreationOptionsJSON });
}

export async function getPasskeyAssertion(options: Record<string, unknown>) {
  const { startAuthentication } = await import("@simplewebauthn/browser");
  return startAuthentication({ optionsJSON: options as unknown as PublicKeyCredentialRequestOptionsJSON });
}
