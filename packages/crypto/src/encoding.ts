import { CryptoError, CryptoErrorCode } from "./errors.ts";

const BASE64URL_PATTERN = /^[A-Za-z0-9_-]*$/;

/**
 * Encodes bytes as base64url (RFC 4648 §5) without padding, in Node and in the browser alike.
 *
 * @example
 * bytesToBase64Url(new Uint8Array([251, 255])); // "-_8"
 */
export function bytesToBase64Url(bytes: Uint8Array): string {
  let binary = "";
  // Chunked so that String.fromCharCode never gets more arguments than the engine allows.
  for (let offset = 0; offset < bytes.length; offset += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(offset, offset + 0x8000));
  }
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/**
 * Decodes unpadded base64url. Refuses padding, the `+`/`/` alphabet and non-canonical input, so that
 * one byte string has exactly one text form.
 *
 * @example
 * base64UrlToBytes("-_8"); // Uint8Array [251, 255]
 */
export function base64UrlToBytes(text: string): Uint8Array {
  if (!BASE64URL_PATTERN.test(text) || text.length % 4 === 1) {
    throw new CryptoError(CryptoErrorCode.INVALID_INPUT, "base64UrlToBytes: not unpadded base64url");
  }
  const padded = text.replaceAll("-", "+").replaceAll("_", "/") + "=".repeat((4 - (text.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  if (bytesToBase64Url(bytes) !== text) {
    throw new CryptoError(CryptoErrorCode.INVALID_INPUT, "base64UrlToBytes: non-canonical base64url");
  }
  return bytes;
}

/**
 * Encodes bytes as lowercase hexadecimal.
 *
 * @example
 * bytesToHex(new Uint8Array([0, 171])); // "00ab"
 */
export function bytesToHex(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

/**
 * Decodes hexadecimal (either case, even length).
 *
 * @example
 * hexToBytes("00ab"); // Uint8Array [0, 171]
 */
export function hexToBytes(hex: string): Uint8Array {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) {
    throw new CryptoError(CryptoErrorCode.INVALID_INPUT, "hexToBytes: not an even-length hex string");
  }
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/**
 * Compares two byte strings in time that depends only on their lengths (STYLE.md: secrets and
 * digests are compared in constant time).
 *
 * @example
 * bytesEqual(receivedDigest, expectedDigest);
 */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}

/** Byte-wise lexicographic order, for sorting keys the same way on every platform. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}

/** Concatenates byte strings. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Frames byte strings as `version (1 byte)` then, for each, `length (4 bytes, big-endian) ‖ bytes`.
 * Used for the few small records we store ourselves (private KeyPackage keys).
 */
export function encodeFields(version: number, fields: Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.of(version)];
  for (const field of fields) {
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, field.length);
    parts.push(length, field);
  }
  return concatBytes(...parts);
}

/** Reverses {@link encodeFields}; refuses another version, another field count or trailing bytes. */
export function decodeFields(
  operation: string,
  version: number,
  count: number,
  bytes: Uint8Array,
): Uint8Array[] {
  const invalid = () => new CryptoError(CryptoErrorCode.INVALID_INPUT, `${operation}: malformed record`);
  if (bytes[0] !== version) throw invalid();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fields: Uint8Array[] = [];
  let offset = 1;
  for (let i = 0; i < count; i++) {
    if (offset + 4 > bytes.length) throw invalid();
    const length = view.getUint32(offset);
    offset += 4;
    if (offset + length > bytes.length) throw invalid();
    fields.push(bytes.slice(offset, offset + length));
    offset += length;
  }
  if (offset !== bytes.length) throw invalid();
  return fields;
}

/**
 * Hands WebCrypto a view it accepts under TypeScript 5.9's stricter `BufferSource` typing
 * (`Uint8Array<ArrayBufferLike>` may be backed by a SharedArrayBuffer, which WebCrypto refuses).
 */
export function toBufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}
