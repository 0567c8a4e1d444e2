import type { AuthenticationService, Credential } from "ts-mls";
import { CryptoError, CryptoErrorCode } from "./errors.ts";

/** A device of a user, as the server's directory names it. */
export interface DeviceRef {
  userId: string;
  deviceId: string;
}

/** A device and the Ed25519 (suite 1) public key it signs with. */
export interface DeviceCredentialInfo extends DeviceRef {
  signaturePublicKey: Uint8Array;
}

/**
 * The Authentication Service (RFC 9420 §5.3.1): answers whether the server's device directory lists
 * this device of this user with this signature public key. It is asked about every credential met in
 * a KeyPackage, a Welcome's ratchet tree, a commit and the sender of every message.
 * Return `false` for an unknown or revoked device; a thrown error propagates unchanged.
 */
export type DeviceDirectory = (
  userId: string,
  deviceId: string,
  signaturePublicKey: Uint8Array,
) => boolean | Promise<boolean>;

const PREFIX = "confrere:";
const MAX_ID_LENGTH = 256;

// The identity of our MLS "basic" credential (RFC 9420 §5.3) is the UTF-8 of
// `confrere:<userId>/<deviceId>`, each id percent-encoded so that "/" cannot be ambiguous.
// Decoding re-encodes and compares, so one device has exactly one identity byte string.
function identityText(device: DeviceRef): string {
  return `${PREFIX}${encodeURIComponent(device.userId)}/${encodeURIComponent(device.deviceId)}`;
}

function checkId(kind: string, id: string): void {
  if (id.length === 0 || id.length > MAX_ID_LENGTH) {
    throw new CryptoError(
      CryptoErrorCode.INVALID_CREDENTIAL,
      `${kind} must have between 1 and ${MAX_ID_LENGTH} characters`,
    );
  }
}

/** Builds the MLS credential naming `device`. */
export function deviceCredential(device: DeviceRef): Credential {
  checkId("userId", device.userId);
  checkId("deviceId", device.deviceId);
  return { credentialType: "basic", identity: new TextEncoder().encode(identityText(device)) };
}

/**
 * Reads the user and device named by an MLS credential; refuses anything that is not a Confrère
 * device credential.
 */
export function parseDeviceCredential(credential: Credential): DeviceRef {
  const invalid = (why: string) =>
    new CryptoError(
      CryptoErrorCode.INVALID_CREDENTIAL,
      `credential is not a Confrère device credential (${why})`,
    );
  if (credential.credentialType !== "basic") throw invalid(`type ${credential.credentialType}`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(credential.identity);
  } catch {
    throw invalid("identity is not UTF-8");
  }
  if (!text.startsWith(PREFIX)) throw invalid("wrong prefix");
  const parts = text.slice(PREFIX.length).split("/");
  if (parts.length !== 2) throw invalid("expected <userId>/<deviceId>");
  let device: DeviceRef;
  try {
    device = { userId: decodeURIComponent(parts[0] ?? ""), deviceId: decodeURIComponent(parts[1] ?? "") };
  } catch {
    throw invalid("bad percent-encoding");
  }
  if (identityText(device) !== text) throw invalid("non-canonical identity");
  if (device.userId.length === 0 || device.deviceId.length === 0) throw invalid("empty id");
  if (device.userId.length > MAX_ID_LENGTH || device.deviceId.length > MAX_ID_LENGTH)
    throw invalid("id too long");
  return device;
}

/** Short, log-safe description of a device and its key, for error messages. */
export function describeDevice(device: DeviceRef, signaturePublicKey?: Uint8Array): string {
  const key =
    signaturePublicKey === undefined
      ? ""
      : ` (signature key ${Array.from(signaturePublicKey.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join("")}…)`;
  return `device ${JSON.stringify(device.deviceId)} of user ${JSON.stringify(device.userId)}${key}`;
}

/**
 * Checks one credential against the directory; throws CRYPTO_INVALID_CREDENTIAL or
 * CRYPTO_UNKNOWN_DEVICE, returns the device otherwise.
 */
export async function authenticateCredential(
  directory: DeviceDirectory,
  credential: Credential,
  signaturePublicKey: Uint8Array,
): Promise<DeviceRef> {
  const device = parseDeviceCredential(credential);
  const isKnown = await directory(device.userId, device.deviceId, signaturePublicKey);
  if (isKnown !== true) {
    throw new CryptoError(
      CryptoErrorCode.UNKNOWN_DEVICE,
      `${describeDevice(device, signaturePublicKey)} is not in the device directory`,
    );
  }
  return device;
}

/**
 * Our Authentication Service for ts-mls. It throws our own error instead of answering `false`, so
 * that the caller gets CRYPTO_UNKNOWN_DEVICE rather than the library's generic "Could not validate
 * credential" (ts-mls 1.6.4 awaits this call without catching, so the error reaches our wrapper).
 */
export function directoryAuthenticationService(directory: DeviceDirectory): AuthenticationService {
  return {
    async validateCredential(credential, signaturePublicKey) {
      await authenticateCredential(directory, credential, signaturePublicKey);
      return true;
    },
  };
}
