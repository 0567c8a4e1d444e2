import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  base64UrlToBytes,
  bytesEqual,
  bytesToBase64Url,
  bytesToHex,
  compareBytes,
  decodeFields,
  encodeFields,
  hexToBytes,
} from "./encoding.ts";
import { isCryptoError } from "./errors.ts";

const isInvalidInput = (err: unknown) => isCryptoError(err) && err.code === "CRYPTO_INVALID_INPUT";

describe("encoding", () => {
  it("encodes base64url as RFC 4648 §10 does, without padding", () => {
    const cases: [string, string][] = [
      ["", ""],
      ["f", "Zg"],
      ["fo", "Zm8"],
      ["foo", "Zm9v"],
      ["foob", "Zm9vYg"],
      ["fooba", "Zm9vYmE"],
      ["foobar", "Zm9vYmFy"],
    ];
    for (const [plain, encoded] of cases) {
      assert.equal(bytesToBase64Url(new TextEncoder().encode(plain)), encoded);
      assert.equal(new TextDecoder().decode(base64UrlToBytes(encoded)), plain);
    }
    assert.equal(bytesToBase64Url(Uint8Array.of(0xfb, 0xff)), "-_8");
  });

  it("round-trips any bytes through base64url and hex", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        assert.deepEqual(base64UrlToBytes(bytesToBase64Url(bytes)), bytes);
        assert.deepEqual(hexToBytes(bytesToHex(bytes)), bytes);
      }),
    );
    const large = new Uint8Array(200_000).map((_, i) => i % 251);
    assert.deepEqual(base64UrlToBytes(bytesToBase64Url(large)), large);
  });

  it("refuses padding, the standard alphabet, impossible lengths and non-canonical text", () => {
    for (const bad of ["Zg==", "a+b/", "Z", "Zh", "ab cd"])
      assert.throws(() => base64UrlToBytes(bad), isInvalidInput, bad);
    assert.throws(() => hexToBytes("abc"), isInvalidInput);
    assert.throws(() => hexToBytes("zz"), isInvalidInput);
  });

  it("compares bytes", () => {
    assert.equal(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2)), true);
    assert.equal(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3)), false);
    assert.equal(bytesEqual(Uint8Array.of(1), Uint8Array.of(1, 0)), false);
    assert.ok(compareBytes(Uint8Array.of(1), Uint8Array.of(1, 0)) < 0);
    assert.ok(compareBytes(Uint8Array.of(2), Uint8Array.of(1, 9)) > 0);
  });

  it("frames records and refuses malformed ones", () => {
    const fields = [Uint8Array.of(1, 2, 3), new Uint8Array(), Uint8Array.of(9)];
    const encoded = encodeFields(7, fields);
    assert.deepEqual(decodeFields("test", 7, 3, encoded), fields);
    assert.throws(() => decodeFields("test", 8, 3, encoded), isInvalidInput);
    assert.throws(() => decodeFields("test", 7, 2, encoded), isInvalidInput);
    assert.throws(() => decodeFields("test", 7, 3, encoded.subarray(0, encoded.length - 1)), isInvalidInput);
  });
});
