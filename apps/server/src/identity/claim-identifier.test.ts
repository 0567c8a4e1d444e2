import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { withLuhnKey } from "@confrere/protocol";
import fc from "fast-check";
import { parseClaimIdentifier } from "./claim-identifier.ts";

describe("parseClaimIdentifier", () => {
  test("an RPPS, an ADELI or a national id, spaces ignored", () => {
    assert.deepEqual(parseClaimIdentifier("10434640974"), {
      ok: true,
      nationalId: "810434640974",
      idType: "RPPS",
    });
    assert.deepEqual(parseClaimIdentifier(" 104 3464 0974 "), {
      ok: true,
      nationalId: "810434640974",
      idType: "RPPS",
    });
    assert.deepEqual(parseClaimIdentifier("810434640974"), {
      ok: true,
      nationalId: "810434640974",
      idType: "RPPS",
    });
    assert.deepEqual(parseClaimIdentifier("751234568"), {
      ok: true,
      nationalId: "0751234568",
      idType: "ADELI",
    });
    assert.deepEqual(parseClaimIdentifier("0751234568"), {
      ok: true,
      nationalId: "0751234568",
      idType: "ADELI",
    });
  });

  test("a wrong check digit has its register's code", () => {
    const code = (input: string) => {
      const result = parseClaimIdentifier(input);
      return result.ok ? "ok" : result.code;
    };
    assert.equal(code("10434640975"), "RPPS_INVALID_KEY");
    assert.equal(code("751234567"), "ADELI_INVALID_KEY");
    assert.equal(code("810434640975"), "NATIONAL_ID_INVALID_KEY");
    assert.equal(code("310434640974"), "NATIONAL_ID_INVALID_PREFIX");
    assert.equal(code("3751234568"), "NATIONAL_ID_INVALID_PREFIX");
  });

  test("anything else is CLAIM_IDENTIFIER_INVALID", () => {
    for (const input of [
      "",
      "abc",
      "1043464097A",
      "12345678",
      "1234567890123",
      "10.434.640.974",
      "Dr Plausible Value",
    ]) {
      const result = parseClaimIdentifier(input);
      assert.ok(!result.ok && result.code === "CLAIM_IDENTIFIER_INVALID", input);
    }
  });

  test("property: every valid RPPS is read as 8 + itself", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{10}$/), (payload) => {
        const rpps = withLuhnKey(payload);
        const result = parseClaimIdentifier(rpps);
        return result.ok && result.nationalId === `8${rpps}` && result.idType === "RPPS";
      }),
    );
  });
});
