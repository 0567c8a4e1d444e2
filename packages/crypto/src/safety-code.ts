// Safety codes let two users check, face to face or by phone, that the server showed each of them the
// other's real devices (E2EE.md: detect a device added behind their back).
//
// The construction is Signal's numeric fingerprint (libsignal NumericFingerprintGenerator, version 0
// "displayable" part) with one change: where Signal hashes one identity key, we hash the user's sorted
// device signature keys, each length-prefixed. So codes are not comparable with Signal's.
//   per side: h = version ‖ keys ‖ userId; 5200 times h = SHA-512(h ‖ keys);
//             30 digits = 6 × (5 bytes of h, big-endian, mod 100000, 5 digits)
//   code:     the two 30-digit halves in ascending order, so both sides compute the same 60 digits.
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import { compareBytes, concatBytes } from "./encoding.ts";
import { CryptoError, CryptoErrorCode, withOperationSync } from "./errors.ts";

// Signal's iteration count: makes each guess of a colliding key set cost ~5200 hashes.
const ITERATIONS = 5200;
const VERSION = Uint8Array.of(0x00, 0x01);
const BASE32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"; // RFC 4648 §6

/** One side of a conversation: a user and the signature public keys of all their devices. */
export interface SafetyCodeParty {
  userId: string;
  deviceSignatureKeys: Uint8Array[];
}

/** A 60-digit safety code, and the same as 12 groups of 5 digits for display. */
export interface SafetyCode {
  digits: string;
  groups: string[];
}

/**
 * Computes the safety code of two users from their devices' signature public keys. Both users get the
 * same code whichever side computes it; it changes when either adds or removes a device.
 *
 * (The SHA-512 loop uses @noble/hashes, which is synchronous: 10 400 WebCrypto digests, each a
 * promise, took about half a second in Node 20.)
 *
 * @example
 * const code = computeSafetyCode(
 *   { userId: me.userId, deviceSignatureKeys: myDevices.map((d) => d.signaturePublicKey) },
 *   { userId: peer.userId, deviceSignatureKeys: peerDevices.map((d) => d.signaturePublicKey) },
 * );
 * render(code.groups.join(" ")); // "12345 67890 …" (12 groups)
 */
export function computeSafetyCode(a: SafetyCodeParty, b: SafetyCodeParty): SafetyCode {
  return withOperationSync("computeSafetyCode", () => {
    const halves = [partyDigits(a), partyDigits(b)].sort();
    const digits = halves.join("");
    const groups = digits.match(/\d{5}/g) ?? [];
    return { digits, groups };
  });
}

function partyDigits(party: SafetyCodeParty): string {
  if (party.userId.length === 0) throw new CryptoError(CryptoErrorCode.INVALID_INPUT, "userId is empty");
  if (party.deviceSignatureKeys.length === 0) {
    throw new CryptoError(
      CryptoErrorCode.INVALID_INPUT,
      `user ${JSON.stringify(party.userId)} has no device key`,
    );
  }
  const sorted = [...party.deviceSignatureKeys].sort(compareBytes);
  const unique = sorted.filter(
    (key, i) => i === 0 || compareBytes(key, sorted[i - 1] ?? new Uint8Array()) !== 0,
  );
  const keys = concatBytes(
    ...unique.map((key) => {
      if (key.length === 0 || key.length > 0xffff) {
        throw new CryptoError(CryptoErrorCode.INVALID_INPUT, "a device key has an invalid length");
      }
      return concatBytes(Uint8Array.of(key.length >> 8, key.length & 0xff), key);
    }),
  );
  let hash = concatBytes(VERSION, keys, new TextEncoder().encode(party.userId));
  for (let i = 0; i < ITERATIONS; i++) hash = sha512(concatBytes(hash, keys));
  let digits = "";
  for (let chunk = 0; chunk < 6; chunk++) {
    let value = 0;
    // 5 bytes = 40 bits, exact in a double (< 2^53).
    for (let i = 0; i < 5; i++) value = value * 256 + (hash[chunk * 5 + i] ?? 0);
    digits += String(value % 100000).padStart(5, "0");
  }
  return digits;
}

/**
 * A short fingerprint of one device's signature key, to tell devices apart on screen: the first 80
 * bits of its SHA-256 in base32 (RFC 4648), as 4 groups of 4 characters.
 *
 * @example
 * deviceFingerprint(member.signaturePublicKey); // "K3QZ 7XAB 2MFD OPLE"
 */
export function deviceFingerprint(signaturePublicKey: Uint8Array): string {
  return withOperationSync("deviceFingerprint", () => {
    if (signaturePublicKey.length === 0) throw new CryptoError(CryptoErrorCode.INVALID_INPUT, "empty key");
    const bytes = sha256(signaturePublicKey).subarray(0, 10);
    let bits = 0;
    let value = 0;
    let text = "";
    for (const byte of bytes) {
      value = (value << 8) | byte;
      bits += 8;
      while (bits >= 5) {
        text += BASE32_ALPHABET[(value >> (bits - 5)) & 31];
        bits -= 5;
      }
      value &= (1 << bits) - 1;
    }
    return text.match(/.{4}/g)?.join(" ") ?? text;
  });
}
