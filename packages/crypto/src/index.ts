// @confrere/crypto: end-to-end encryption of Confrère behind a small interface of our own.
// MLS (RFC 9420) through ts-mls 1.6.4, attachments with AES-256-GCM, safety codes. Runs in Node and
// in the browser (WebCrypto, no node: imports). See /docs and E2EE.md for the design.

export {
  type AttachmentKeys,
  decryptAttachment,
  type EncryptedAttachment,
  encryptAttachment,
  encryptAttachmentWithKey,
} from "./attachment.ts";
export type { DeviceCredentialInfo, DeviceDirectory, DeviceRef } from "./credential.ts";
export { base64UrlToBytes, bytesEqual, bytesToBase64Url, bytesToHex, hexToBytes } from "./encoding.ts";
export { CryptoError, CryptoErrorCode, isCryptoError } from "./errors.ts";
export {
  type ApplicationMessageInspection,
  applyCommitToRoster,
  type CommitAdd,
  type CommitInspection,
  type InspectOptions,
  inspectApplicationMessage,
  inspectCommit,
  inspectKeyPackage,
  inspectWelcome,
  type KeyPackageInfo,
  type RosterUpdate,
} from "./inspect.ts";
export {
  type CommitChanges,
  createMlsClient,
  type DecryptedMessage,
  type DeviceIdentity,
  exportDeviceIdentity,
  importDeviceIdentity,
  type JoinedGroup,
  type KeyPackageBundle,
  type MlsClient,
  type MlsClientOptions,
  type MlsGroup,
  type PendingCommit,
  type ProcessedMessage,
} from "./mls.ts";
export { DEFAULT_CIPHER_SUITE, type GroupMember, type MlsCipherSuiteName } from "./mls-codec.ts";
export { frameOpaqueApplicationMessage } from "./opaque.ts";
export {
  computeSafetyCode,
  deviceFingerprint,
  type SafetyCode,
  type SafetyCodeParty,
} from "./safety-code.ts";
