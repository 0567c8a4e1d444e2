import { CryptoVerificationError, CryptoError as MlsCryptoError } from "ts-mls/mlsError.js";

/**
 * Stable codes of every error this package throws. Callers branch on `code`, never on the class
 * name (minified in browser bundles) nor on the message (for people, may be reworded).
 */
export const CryptoErrorCode = {
  /** A credential names a device that the directory does not know with this signature key. */
  UNKNOWN_DEVICE: "CRYPTO_UNKNOWN_DEVICE",
  /** A credential is not a Confrère device credential (wrong type or malformed identity). */
  INVALID_CREDENTIAL: "CRYPTO_INVALID_CREDENTIAL",
  /** Bytes that do not decode, a wrong wire format, a key or IV of the wrong length. */
  INVALID_INPUT: "CRYPTO_INVALID_INPUT",
  /** A message addressed to another MLS group. */
  WRONG_GROUP: "CRYPTO_WRONG_GROUP",
  /** A message for an epoch this state cannot handle (a lost commit race, a missed commit, too old). */
  WRONG_EPOCH: "CRYPTO_WRONG_EPOCH",
  /** An application message already decrypted once (or whose key was already deleted). */
  REPLAYED_MESSAGE: "CRYPTO_REPLAYED_MESSAGE",
  /** Authentication failed: tampered ciphertext, bad signature or tag, or keys we do not hold. */
  DECRYPTION_FAILED: "CRYPTO_DECRYPTION_FAILED",
  /** A valid MLS message our protocol does not use (standalone proposal, commit sent encrypted…). */
  UNSUPPORTED_MESSAGE: "CRYPTO_UNSUPPORTED_MESSAGE",
  /** This device was removed from the group, or has not joined it. */
  NOT_A_MEMBER: "CRYPTO_NOT_A_MEMBER",
  /** A KeyPackage outside its validity window: fetch a fresh one for that device. */
  KEY_PACKAGE_EXPIRED: "CRYPTO_KEY_PACKAGE_EXPIRED",
  /** A device asked to be removed is not in the group. */
  UNKNOWN_MEMBER: "CRYPTO_UNKNOWN_MEMBER",
  /** A Welcome that none of the given KeyPackages can open. */
  WELCOME_NOT_FOR_DEVICE: "CRYPTO_WELCOME_NOT_FOR_DEVICE",
  /** An operation refused while a commit of ours awaits the server's answer. */
  COMMIT_PENDING: "CRYPTO_COMMIT_PENDING",
  /** `mergePendingCommit` or `discardPendingCommit` without a pending commit. */
  NO_PENDING_COMMIT: "CRYPTO_NO_PENDING_COMMIT",
  /** The SHA-256 of a downloaded attachment is not the one sent in the message. */
  ATTACHMENT_DIGEST_MISMATCH: "CRYPTO_ATTACHMENT_DIGEST_MISMATCH",
  /** Any other refusal from the MLS library (the original error is kept as `cause`). */
  MLS_FAILED: "CRYPTO_MLS_FAILED",
} as const;
export type CryptoErrorCode = (typeof CryptoErrorCode)[keyof typeof CryptoErrorCode];

/**
 * The one error class of `@confrere/crypto`. Its `code` is stable; its message starts with the
 * operation (`processMessage: …`).
 *
 * @example
 * try {
 *   await group.processMessage(bytes);
 * } catch (err) {
 *   if (isCryptoError(err) && err.code === CryptoErrorCode.REPLAYED_MESSAGE) return; // drop it
 *   throw err;
 * }
 */
export class CryptoError extends Error {
  readonly code: CryptoErrorCode;

  constructor(code: CryptoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = "CryptoError";
  }
}

/**
 * Whether `err` is an error of this package. Checks the shape, not the class, so it also holds across
 * two copies of the package in one bundle.
 *
 * @example
 * if (isCryptoError(err) && err.code === "CRYPTO_UNKNOWN_DEVICE") warnUser();
 */
export function isCryptoError(err: unknown): err is CryptoError {
  if (!(err instanceof Error)) return false;
  const code: unknown = (err as Error & { code?: unknown }).code;
  return typeof code === "string" && code.startsWith("CRYPTO_");
}

// ts-mls 1.6.4 throws classes whose names are minified in bundles, so we map its errors by
// `instanceof` (survives minification) and, for the few cases that share a class, by message text
// (string literals survive minification too; the version is pinned, and a test covers each mapping).
function codeOfLibraryError(err: unknown): CryptoErrorCode {
  if (!(err instanceof Error)) return CryptoErrorCode.MLS_FAILED;
  const message = err.message;
  if (message.includes("Desired gen in the past")) return CryptoErrorCode.REPLAYED_MESSAGE;
  if (
    message.includes("Could not validate epoch") ||
    message.includes("epoch too old") ||
    message.includes("from former epoch")
  ) {
    return CryptoErrorCode.WRONG_EPOCH;
  }
  if (message.includes("after being removed from group")) return CryptoErrorCode.NOT_A_MEMBER;
  if (message.includes("Current time not within Lifetime")) return CryptoErrorCode.KEY_PACKAGE_EXPIRED;
  if (err instanceof MlsCryptoError || err instanceof CryptoVerificationError) {
    return CryptoErrorCode.DECRYPTION_FAILED;
  }
  if (message.includes("Could not decode senderdata") || message.includes("Could not decode group secrets")) {
    return CryptoErrorCode.DECRYPTION_FAILED;
  }
  return CryptoErrorCode.MLS_FAILED;
}

/**
 * Runs `fn` and turns whatever it throws into a {@link CryptoError} whose message starts with `operation`.
 * Errors of ours keep their code; library errors get one and are kept as `cause`.
 */
export async function withOperation<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw asCryptoError(operation, err);
  }
}

/** The synchronous twin of {@link withOperation}. */
export function withOperationSync<T>(operation: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw asCryptoError(operation, err);
  }
}

function asCryptoError(operation: string, err: unknown): CryptoError {
  if (isCryptoError(err)) {
    if (err.message.startsWith(`${operation}: `)) return err;
    return new CryptoError(err.code, `${operation}: ${err.message}`, { cause: err });
  }
  const detail = err instanceof Error ? err.message : String(err);
  return new CryptoError(codeOfLibraryError(err), `${operation}: ${detail}`, { cause: err });
}
