import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { checkIns, computeInsKey, InsErrorCode } from "./care-cases.ts";

const digit = fc.constantFrom(..."0123456789");
const digits = (length: number) => fc.string({ unit: digit, minLength: length, maxLength: length });
/** A 13-character NIR: 5 digits, a department (digits, 2A or 2B), 6 digits. */
const nir = fc
  .tuple(digits(5), fc.oneof(digits(2), fc.constantFrom("2A", "2B")), digits(6))
  .map(([a, b, c]) => `${a}${b}${c}`);

describe("checkIns", () => {
  test("known numbers, including Corsica (2A counts as 19, 2B as 18)", () => {
    assert.deepEqual(checkIns("2 55 08 14 168 025 38"), { ok: true, value: "255081416802538" });
    assert.deepEqual(checkIns("185057800608491"), { ok: true, value: "185057800608491" });
    assert.deepEqual(checkIns("284122a00401284"), { ok: true, value: "284122A00401284" });
    assert.deepEqual(checkIns("190012B12345642"), { ok: true, value: "190012B12345642" });
  });

  test("stable codes for the length, the characters and the key", () => {
    assert.equal(checkIns("25508141680253").ok, false);
    assert.equal((checkIns("25508141680253") as { code: string }).code, InsErrorCode.INS_INVALID_LENGTH);
    assert.equal((checkIns("2550814X6802538") as { code: string }).code, InsErrorCode.INS_INVALID_CHARACTERS);
    assert.equal((checkIns("255081416802539") as { code: string }).code, InsErrorCode.INS_INVALID_KEY);
  });

  test("a NIR followed by its computed key always passes, a key between 01 and 97", () => {
    fc.assert(
      fc.property(nir, (n) => {
        const key = computeInsKey(n);
        assert.ok(Number(key) >= 1 && Number(key) <= 97);
        assert.deepEqual(checkIns(n + key), { ok: true, value: n + key });
      }),
    );
  });

  test("any other key is refused", () => {
    fc.assert(
      fc.property(nir, fc.integer({ min: 0, max: 99 }), (n, k) => {
        const key = String(k).padStart(2, "0");
        fc.pre(key !== computeInsKey(n));
        const result = checkIns(n + key);
        assert.equal(result.ok, false);
        assert.equal((result as { code: string }).code, InsErrorCode.INS_INVALID_KEY);
      }),
    );
  });

  test("changing one digit of the number changes the key (mod 97 catches single errors)", () => {
    fc.assert(
      fc.property(
        digits(13),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 1, max: 9 }),
        (n, i, delta) => {
          const changed = n.slice(0, i) + String((Number(n.charAt(i)) + delta) % 10) + n.slice(i + 1);
          assert.equal(checkIns(changed + computeInsKey(n)).ok, false);
        },
      ),
    );
  });
});
