// Attachments are encrypted outside MLS (E2EE.md): the file with a fresh AES-256-GCM key, the key,
// IV and digest inside the MLS message. WebCrypto only, so it runs in Node and in the browser.
import { bytesEqual, toBufferSource } from "./encoding.ts";
import { CryptoError, CryptoErrorCode, withOperation } from "./errors.ts";

const KEY_BYTES = 32; // AES-256
const IV_BYTES = 12; // NIST SP 800-38D §8.2: 96-bit IVs; a fresh key per file makes a random IV safe
const DIGEST_BYTES = 32; // SHA-256

/** An encrypted file and what the recipient needs to check and decrypt it. */
export interface EncryptedAttachment {
  /** AES-256-GCM ciphertext followed by the 16-byte tag: what is uploaded. */
  ciphertext: Uint8Array;
  /** The 32-byte AES key. Secret: it travels only inside the MLS message. */
  key: Uint8Array;
  /** The 12-byte IV. */
  iv: Uint8Array;
  /** SHA-256 of `ciphertext`, checked before decrypting. */
  digest: Uint8Array;
}

/** What {@link decryptAttachment} needs besides the downloaded ciphertext. */
export interface AttachmentKeys {
  key: Uint8Array;
  iv: Uint8Array;
  digest: Uint8Array;
}

/**
 * Encrypts a file with AES-256-GCM under a fresh random key and IV, and hashes the ciphertext.
 *
 * @example
 * const { ciphertext, key, iv, digest } = await encryptAttachment(fileBytes);
 * const blobId = await api.uploadBlob(ciphertext);
 * await group.encrypt(encodeBody({ blobId, key: bytesToBase64Url(key), iv: bytesToBase64Url(iv),
 *   digest: bytesToBase64Url(digest), size: fileBytes.length, type: file.type }));
 */
export async function encryptAttachment(plaintext: Uint8Array): Promise<EncryptedAttachment> {
  return withOperation("encryptAttachment", async () => {
    const key = crypto.getRandomValues(new Uint8Array(KEY_BYTES));
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const ciphertext = await encryptAttachmentWithKey(plaintext, key, iv);
    return { ciphertext, key, iv, digest: await sha256(ciphertext) };
  });
}

/**
 * Checks the SHA-256 of a downloaded attachment, then decrypts it. A changed byte, a wrong key or IV
 * is refused (CRYPTO_ATTACHMENT_DIGEST_MISMATCH or CRYPTO_DECRYPTION_FAILED).
 *
 * @example
 * const file = await decryptAttachment(await api.downloadBlob(blobId), {
 *   key: base64UrlToBytes(body.key), iv: base64UrlToBytes(body.iv), digest: base64UrlToBytes(body.digest),
 * });
 */
export async function decryptAttachment(ciphertext: Uint8Array, keys: AttachmentKeys): Promise<Uint8Array> {
  return withOperation("decryptAttachment", async () => {
    checkLength("key", keys.key, KEY_BYTES);
    checkLength("iv", keys.iv, IV_BYTES);
    checkLength("digest", keys.digest, DIGEST_BYTES);
    // Check the digest first: it names the exact bytes the sender uploaded.
    if (!bytesEqual(await sha256(ciphertext), keys.digest)) {
      throw new CryptoError(
        CryptoErrorCode.ATTACHMENT_DIGEST_MISMATCH,
        "the downloaded file is not the one the sender uploaded",
      );
    }
    const aesKey = await crypto.subtle.importKey("raw", toBufferSource(keys.key), "AES-GCM", false, [
      "decrypt",
    ]);
    try {
      const plaintext = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: toBufferSource(keys.iv) },
        aesKey,
        toBufferSource(ciphertext),
      );
      return new Uint8Array(plaintext);
    } catch (err) {
      throw new CryptoError(CryptoErrorCode.DECRYPTION_FAILED, "wrong key or IV, or tampered file", {
        cause: err,
      });
    }
  });
}

/**
 * Encrypts with a given key and IV. Only for known-answer tests: a key and IV pair must never be
 * used twice, so real attachments go through {@link encryptAttachment}.
 *
 * @example
 * const ciphertext = await encryptAttachmentWithKey(vector.plaintext, vector.key, vector.iv);
 */
export async function encryptAttachmentWithKey(
  plaintext: Uint8Array,
  key: Uint8Array,
  iv: Uint8Array,
): Promise<Uint8Array> {
  return withOperation("encryptAttachmentWithKey", async () => {
    checkLength("key", key, KEY_BYTES);
    checkLength("iv", iv, IV_BYTES);
    const aesKey = await crypto.subtle.importKey("raw", toBufferSource(key), "AES-GCM", false, ["encrypt"]);
    const ciphertext = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv: toBufferSource(iv) },
      aesKey,
      toBufferSource(plaintext),
    );
    return new Uint8Array(ciphertext);
  });
}

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", toBufferSource(bytes)));
}

function checkLength(name: string, bytes: Uint8Array, length: number): void {
  if (bytes.length !== length) {
    throw new CryptoError(
      CryptoErrorCode.INVALID_INPUT,
      `${name} must be ${length} bytes, got ${bytes.length}`,
    );
  }
}
