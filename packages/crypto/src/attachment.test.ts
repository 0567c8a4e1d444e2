import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { decryptAttachment, encryptAttachment, encryptAttachmentWithKey } from "./attachment.ts";
import { bytesToHex, hexToBytes } from "./encoding.ts";
import { isCryptoError } from "./errors.ts";

interface AttachmentVector {
  name: string;
  key: string;
  iv: string;
  plaintext: string;
  ciphertext: string;
  digest: string;
}

const { vectors } = JSON.parse(
  readFileSync(new URL("../test-vectors/attachment.json", import.meta.url), "utf8"),
) as { vectors: AttachmentVector[] };

function isCode(code: string) {
  return (err: unknown) => {
    assert.ok(isCryptoError(err), String(err));
    assert.equal(err.code, code, err.message);
    return true;
  };
}

describe("attachment encryption", () => {
  it("has known-answer vectors to check", () => {
    assert.ok(vectors.length >= 3);
  });

  for (const vector of vectors) {
    it(`matches the known-answer vector: ${vector.name}`, async () => {
      const ciphertext = await encryptAttachmentWithKey(
        hexToBytes(vector.plaintext),
        hexToBytes(vector.key),
        hexToBytes(vector.iv),
      );
      assert.equal(bytesToHex(ciphertext), vector.ciphertext);
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", ciphertext));
      assert.equal(bytesToHex(digest), vector.digest);
      const plaintext = await decryptAttachment(hexToBytes(vector.ciphertext), {
        key: hexToBytes(vector.key),
        iv: hexToBytes(vector.iv),
        digest: hexToBytes(vector.digest),
      });
      assert.equal(bytesToHex(plaintext), vector.plaintext);
    });
  }

  it("round-trips a file with a fresh key and IV each time", async () => {
    const file = new Uint8Array(100_000).map((_, i) => (i * 31) % 256); // getRandomValues caps at 64 KiB
    const first = await encryptAttachment(file);
    const second = await encryptAttachment(file);
    assert.equal(first.key.length, 32);
    assert.equal(first.iv.length, 12);
    assert.equal(first.digest.length, 32);
    assert.equal(first.ciphertext.length, file.length + 16);
    assert.notDeepEqual(first.key, second.key);
    assert.notDeepEqual(first.iv, second.iv);
    assert.notDeepEqual(first.ciphertext, second.ciphertext);
    assert.deepEqual(await decryptAttachment(first.ciphertext, first), file);
    assert.deepEqual(await decryptAttachment(second.ciphertext, second), file);
  });

  it("refuses a tampered file by its digest, before decrypting", async () => {
    const encrypted = await encryptAttachment(new TextEncoder().encode("ordonnance.pdf"));
    for (const index of [0, encrypted.ciphertext.length - 1]) {
      const tampered = encrypted.ciphertext.slice();
      tampered[index] = (tampered[index] ?? 0) ^ 0x80;
      await assert.rejects(
        decryptAttachment(tampered, encrypted),
        isCode("CRYPTO_ATTACHMENT_DIGEST_MISMATCH"),
      );
    }
    await assert.rejects(
      decryptAttachment(encrypted.ciphertext.subarray(0, 10), encrypted),
      isCode("CRYPTO_ATTACHMENT_DIGEST_MISMATCH"),
    );
  });

  it("refuses a tampered file even when the digest was changed with it", async () => {
    // An attacker who controls the digest too is stopped by the GCM tag.
    const encrypted = await encryptAttachment(new TextEncoder().encode("radio-thorax.jpg"));
    const tampered = encrypted.ciphertext.slice();
    tampered[3] = (tampered[3] ?? 0) ^ 0x01;
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", tampered));
    await assert.rejects(
      decryptAttachment(tampered, { ...encrypted, digest }),
      isCode("CRYPTO_DECRYPTION_FAILED"),
    );
  });

  it("refuses a wrong key or IV, and keys of the wrong length", async () => {
    const encrypted = await encryptAttachment(new TextEncoder().encode("compte-rendu.txt"));
    const wrongKey = encrypted.key.slice();
    wrongKey[0] = (wrongKey[0] ?? 0) ^ 1;
    await assert.rejects(
      decryptAttachment(encrypted.ciphertext, { ...encrypted, key: wrongKey }),
      isCode("CRYPTO_DECRYPTION_FAILED"),
    );
    const wrongIv = encrypted.iv.slice();
    wrongIv[0] = (wrongIv[0] ?? 0) ^ 1;
    await assert.rejects(
      decryptAttachment(encrypted.ciphertext, { ...encrypted, iv: wrongIv }),
      isCode("CRYPTO_DECRYPTION_FAILED"),
    );
    await assert.rejects(
      decryptAttachment(encrypted.ciphertext, { ...encrypted, key: encrypted.key.subarray(0, 16) }),
      isCode("CRYPTO_INVALID_INPUT"),
    );
    await assert.rejects(
      encryptAttachmentWithKey(new Uint8Array(1), encrypted.key, new Uint8Array(16)),
      isCode("CRYPTO_INVALID_INPUT"),
    );
  });
});
