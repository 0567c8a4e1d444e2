import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  ADELI_HAS_LUHN_KEY,
  checkAdeli,
  checkFiness,
  checkNationalId,
  checkRpps,
  checkSiren,
  checkSiret,
  computeLuhnKey,
  FINESS_CORSICA_LUHN_DIGITS,
  FINESS_HAS_LUHN_KEY,
  IdentifierErrorCode,
  isLuhnValid,
  withLuhnKey,
} from "./identifiers.ts";

const repoRoot = path.resolve(import.meta.dirname, "../../..");
const fixturesDir = path.resolve(repoRoot, "../shared/fixtures/annuaire");

const digit = fc.constantFrom(..."0123456789");
const digits = (minLength: number, maxLength = minLength) => fc.string({ unit: digit, minLength, maxLength });

/** `s` with the digit at `index` replaced by another digit (shifted by `delta` in 1..9). */
function changeDigit(s: string, index: number, delta: number): string {
  const d = (Number(s.charAt(index)) + delta) % 10;
  return s.slice(0, index) + String(d) + s.slice(index + 1);
}

/** A single-digit change of a keyed number, at any position in `[from, s.length)`. */
const singleDigitChange = (valid: fc.Arbitrary<string>, from = 0) =>
  valid.chain((s) =>
    fc
      .tuple(fc.integer({ min: from, max: s.length - 1 }), fc.integer({ min: 1, max: 9 }))
      .map(([index, delta]) => ({ original: s, changed: changeDigit(s, index, delta) })),
  );

/** Non-empty strings with at least one character that is not an ASCII digit or a space. */
const withNonDigit = (length: number) =>
  fc
    .tuple(digits(length - 1), fc.integer({ min: 0, max: length - 1 }), fc.constantFrom(..."aZ.-/_éx+٣"))
    .map(([ds, at, c]) => ds.slice(0, at) + c + ds.slice(at));

const validRpps = digits(10).map(withLuhnKey);
const validAdeli = digits(8).map(withLuhnKey);
const validSiren = digits(8).map(withLuhnKey);

/** Reads a `|`-separated fixture and returns the values of one column, by header name. */
function fixtureColumn(file: string, header: string): string[] {
  const lines = readFileSync(file, "utf8").split(/\r?\n/).filter(Boolean);
  const index = lines[0]?.split("|").indexOf(header) ?? -1;
  assert.notEqual(index, -1, `${file} has a "${header}" column`);
  return lines
    .slice(1)
    .map((line) => line.split("|")[index] ?? "")
    .filter(Boolean);
}

const personneActiviteFiles = [
  path.join(fixturesDir, "PS_LibreAcces_Personne_activite_202611010000.txt"),
  ...readdirSync(path.join(fixturesDir, "split"))
    .filter((name) => name.includes("Personne_activite"))
    .map((name) => path.join(fixturesDir, "split", name)),
];

describe("Luhn helpers", () => {
  test("known keys", () => {
    assert.equal(computeLuhnKey("1043464097"), 4);
    assert.equal(computeLuhnKey("7992739871"), 3); // the classic example from Luhn's patent literature
    assert.equal(withLuhnKey("1043464097"), "10434640974");
    assert.equal(isLuhnValid("79927398713"), true);
    assert.equal(isLuhnValid("79927398710"), false);
  });

  test("a payload followed by its computed key always passes, with any other last digit it fails", () => {
    fc.assert(
      fc.property(digits(1, 30), fc.integer({ min: 1, max: 9 }), (payload, delta) => {
        const key = computeLuhnKey(payload);
        assert.ok(key >= 0 && key <= 9);
        assert.ok(isLuhnValid(payload + String(key)));
        assert.ok(!isLuhnValid(payload + String((key + delta) % 10)));
      }),
    );
  });

  test("refuses empty or non-digit input", () => {
    assert.throws(() => computeLuhnKey(""), RangeError);
    assert.throws(() => computeLuhnKey("12a4"), RangeError);
    assert.equal(isLuhnValid(""), false);
    assert.equal(isLuhnValid("0 0"), false);
    assert.equal(isLuhnValid("00"), true);
  });
});

describe("checkRpps", () => {
  test("any 10 digits followed by their computed key pass", () => {
    fc.assert(
      fc.property(validRpps, (rpps) => {
        assert.deepEqual(checkRpps(rpps), { ok: true, value: rpps });
      }),
    );
  });

  test("any single-digit change fails with RPPS_INVALID_KEY", () => {
    fc.assert(
      fc.property(singleDigitChange(validRpps), ({ changed }) => {
        const result = checkRpps(changed);
        assert.equal(result.ok, false);
        assert.equal(!result.ok && result.code, IdentifierErrorCode.RPPS_INVALID_KEY);
      }),
    );
  });

  test("swapping two different adjacent digits fails (except 0 and 9, which Luhn cannot see)", () => {
    const swap = validRpps.chain((s) => fc.integer({ min: 0, max: s.length - 2 }).map((i) => ({ s, i })));
    fc.assert(
      fc.property(swap, ({ s, i }) => {
        const a = s.charAt(i);
        const b = s.charAt(i + 1);
        fc.pre(a !== b && !(a + b === "09" || a + b === "90"));
        const swapped = s.slice(0, i) + b + a + s.slice(i + 2);
        assert.equal(checkRpps(swapped).ok, false);
      }),
    );
  });

  test("digit strings of any other length fail with RPPS_INVALID_LENGTH", () => {
    fc.assert(
      fc.property(digits(0, 30), (s) => {
        fc.pre(s.length !== 11);
        const result = checkRpps(s);
        assert.equal(!result.ok && result.code, IdentifierErrorCode.RPPS_INVALID_LENGTH);
      }),
    );
  });

  test("a non-digit character fails with RPPS_INVALID_CHARACTERS, whatever the length", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }).chain(withNonDigit), (s) => {
        const result = checkRpps(s);
        assert.equal(!result.ok && result.code, IdentifierErrorCode.RPPS_INVALID_CHARACTERS);
      }),
    );
    const result = checkRpps("104 346 409 74");
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.message : "", /^checkRpps: character 4 is " ".*remove spaces/);
  });

  test("surrounding spaces are trimmed from the value", () => {
    assert.deepEqual(checkRpps("  10434640974\t"), { ok: true, value: "10434640974" });
  });

  test("every RPPS number of the fixtures passes", () => {
    for (const file of personneActiviteFiles) {
      const numbers = fixtureColumn(file, "Identifiant PP");
      assert.ok(numbers.length >= 40, `${file} has RPPS numbers`);
      for (const rpps of numbers) assert.deepEqual(checkRpps(rpps), { ok: true, value: rpps }, rpps);
    }
  });

  test("messages start with the operation and say what to fix", () => {
    const cases = ["1043464097", "10434640975", "1043464097x"];
    for (const s of cases) {
      const result = checkRpps(s);
      assert.equal(result.ok, false);
      assert.match(!result.ok ? result.message : "", /^checkRpps: .+: .+/);
    }
  });
});

describe("checkAdeli", () => {
  test("any 8 digits followed by their computed key pass", () => {
    fc.assert(
      fc.property(validAdeli, (adeli) => assert.deepEqual(checkAdeli(adeli), { ok: true, value: adeli })),
    );
  });

  test("digit strings of any other length fail with ADELI_INVALID_LENGTH", () => {
    fc.assert(
      fc.property(digits(0, 20), (s) => {
        fc.pre(s.length !== 9);
        const result = checkAdeli(s);
        assert.equal(!result.ok && result.code, IdentifierErrorCode.ADELI_INVALID_LENGTH);
      }),
    );
  });

  test("non-digits fail with ADELI_INVALID_CHARACTERS", () => {
    fc.assert(
      fc.property(withNonDigit(9), (s) => {
        const result = checkAdeli(s);
        assert.equal(!result.ok && result.code, IdentifierErrorCode.ADELI_INVALID_CHARACTERS);
      }),
    );
  });

  test("any single-digit change fails with ADELI_INVALID_KEY", {
    skip: !ADELI_HAS_LUHN_KEY && "ADELI_HAS_LUHN_KEY is false: ADELI numbers are not keyed",
  }, () => {
    fc.assert(
      fc.property(singleDigitChange(validAdeli), ({ changed }) => {
        const result = checkAdeli(changed);
        assert.equal(!result.ok && result.code, IdentifierErrorCode.ADELI_INVALID_KEY);
      }),
    );
  });
});

describe("checkNationalId", () => {
  test("8 + a valid RPPS number is an RPPS national id", () => {
    fc.assert(
      fc.property(validRpps, (rpps) => {
        assert.deepEqual(checkNationalId(`8${rpps}`), {
          ok: true,
          value: `8${rpps}`,
          type: "RPPS",
          identifier: rpps,
        });
      }),
    );
  });

  test("0 + a valid ADELI number is an ADELI national id", () => {
    fc.assert(
      fc.property(validAdeli, (adeli) => {
        assert.deepEqual(checkNationalId(`0${adeli}`), {
          ok: true,
          value: `0${adeli}`,
          type: "ADELI",
          identifier: adeli,
        });
      }),
    );
  });

  test("any other first digit fails with NATIONAL_ID_INVALID_PREFIX", () => {
    fc.assert(
      fc.property(fc.constantFrom(..."12345679"), digits(9, 11), (prefix, rest) => {
        const result = checkNationalId(prefix + rest);
        assert.equal(!result.ok && result.code, IdentifierErrorCode.NATIONAL_ID_INVALID_PREFIX);
        assert.match(
          !result.ok ? result.message : "",
          /^checkNationalId: .*starts with 8 \(RPPS\) or 0 \(ADELI\)/,
        );
      }),
    );
  });

  test("a wrong length for the prefix fails with NATIONAL_ID_INVALID_LENGTH", () => {
    fc.assert(
      fc.property(fc.constantFrom("8", "0"), digits(0, 15), (prefix, rest) => {
        const s = prefix + rest;
        fc.pre(s.length !== (prefix === "8" ? 12 : 10));
        const result = checkNationalId(s);
        assert.equal(!result.ok && result.code, IdentifierErrorCode.NATIONAL_ID_INVALID_LENGTH);
      }),
    );
    const empty = checkNationalId("");
    assert.equal(!empty.ok && empty.code, IdentifierErrorCode.NATIONAL_ID_INVALID_LENGTH);
  });

  test("a single-digit change in the RPPS part fails with NATIONAL_ID_INVALID_KEY", () => {
    fc.assert(
      fc.property(
        singleDigitChange(
          validRpps.map((r) => `8${r}`),
          1,
        ),
        ({ changed }) => {
          const result = checkNationalId(changed);
          assert.equal(!result.ok && result.code, IdentifierErrorCode.NATIONAL_ID_INVALID_KEY);
        },
      ),
    );
  });

  test("non-digits fail with NATIONAL_ID_INVALID_CHARACTERS", () => {
    fc.assert(
      fc.property(withNonDigit(12), (s) => {
        const result = checkNationalId(s);
        assert.equal(!result.ok && result.code, IdentifierErrorCode.NATIONAL_ID_INVALID_CHARACTERS);
      }),
    );
  });

  test("every national id of the fixtures is 8 + its RPPS number", () => {
    for (const file of [
      ...personneActiviteFiles,
      path.join(fixturesDir, "split", "PS_LibreAcces_SavoirFaire_202611150000.txt"),
    ]) {
      const ids = fixtureColumn(file, "Identification nationale PP");
      const rpps = fixtureColumn(file, "Identifiant PP");
      assert.equal(ids.length, rpps.length);
      ids.forEach((nationalId, i) => {
        assert.deepEqual(checkNationalId(nationalId), {
          ok: true,
          value: nationalId,
          type: "RPPS",
          identifier: rpps[i],
        });
      });
    }
  });
});

describe("checkFiness", () => {
  const metropolitan = fc
    .integer({ min: 1, max: 95 })
    .filter((n) => n !== 20)
    .map((n) => String(n).padStart(2, "0"));
  const overseas = fc.constantFrom("971", "972", "973", "974", "975", "976");
  const corsica = fc.constantFrom("2A", "2B");
  /** A département prefix, the digits up to 8 characters, then the key computed the documented way. */
  const validFiness = fc.oneof(metropolitan, overseas, corsica).chain((dep) =>
    digits(8 - dep.length).map((rest) => {
      const payload = dep + rest;
      const luhnPayload = payload.replace(/^2[AB]/, FINESS_CORSICA_LUHN_DIGITS);
      return payload + String(computeLuhnKey(luhnPayload));
    }),
  );

  test("a known département, digits and the computed key pass (2A/2B counted as 20)", () => {
    fc.assert(
      fc.property(validFiness, (finess) =>
        assert.deepEqual(checkFiness(finess), { ok: true, value: finess }),
      ),
    );
  });

  test("lower-case Corsican letters are accepted and upper-cased", () => {
    assert.deepEqual(checkFiness(" 2a4132641 "), { ok: true, value: "2A4132641" });
  });

  test("any single-digit change after the département fails with FINESS_INVALID_KEY", {
    skip: !FINESS_HAS_LUHN_KEY && "FINESS_HAS_LUHN_KEY is false: FINESS numbers are not keyed",
  }, () => {
    fc.assert(
      fc.property(singleDigitChange(validFiness, 3), ({ changed }) => {
        const result = checkFiness(changed);
        assert.equal(!result.ok && result.code, IdentifierErrorCode.FINESS_INVALID_KEY);
      }),
    );
  });

  test("an unknown département fails with FINESS_INVALID_DEPARTEMENT", () => {
    for (const s of ["004132641", "204132641", "964132641", "984132641", "970132641", "979132641"]) {
      const result = checkFiness(s);
      assert.equal(!result.ok && result.code, IdentifierErrorCode.FINESS_INVALID_DEPARTEMENT, s);
      assert.match(!result.ok ? result.message : "", /^checkFiness: .*check the first digits$/);
    }
  });

  test("letters anywhere but a Corsican département fail with FINESS_INVALID_CHARACTERS", () => {
    for (const s of ["2C4132641", "A24132641", "75379146A", "2A41326B1", "7537 9146"]) {
      const result = checkFiness(s);
      assert.equal(!result.ok && result.code, IdentifierErrorCode.FINESS_INVALID_CHARACTERS, s);
    }
  });

  test("digit strings of any other length fail with FINESS_INVALID_LENGTH", () => {
    fc.assert(
      fc.property(digits(0, 20), (s) => {
        fc.pre(s.length !== 9);
        const result = checkFiness(s);
        assert.equal(!result.ok && result.code, IdentifierErrorCode.FINESS_INVALID_LENGTH);
      }),
    );
  });

  test("every FINESS number of the fixtures passes, Corsican ones included", () => {
    const numbers = personneActiviteFiles.flatMap((file) => fixtureColumn(file, "Numéro FINESS site"));
    assert.ok(numbers.some((n) => n.startsWith("2A")));
    for (const finess of numbers) assert.deepEqual(checkFiness(finess), { ok: true, value: finess }, finess);
  });
});

describe("checkSiren", () => {
  test("any 8 digits followed by their computed key pass; a single-digit change fails", () => {
    fc.assert(
      fc.property(validSiren, (siren) => assert.deepEqual(checkSiren(siren), { ok: true, value: siren })),
    );
    fc.assert(
      fc.property(singleDigitChange(validSiren), ({ changed }) => {
        const result = checkSiren(changed);
        assert.equal(!result.ok && result.code, IdentifierErrorCode.SIREN_INVALID_KEY);
      }),
    );
  });

  test("public SIREN numbers pass", () => {
    // La Poste, Google France, EDF, TotalEnergies (published in the Sirene register).
    for (const siren of ["356000000", "443061841", "552081317", "542051180"]) {
      assert.deepEqual(checkSiren(siren), { ok: true, value: siren });
    }
  });

  test("wrong lengths and non-digits fail with their own codes", () => {
    fc.assert(
      fc.property(digits(0, 20), (s) => {
        fc.pre(s.length !== 9);
        const result = checkSiren(s);
        assert.equal(!result.ok && result.code, IdentifierErrorCode.SIREN_INVALID_LENGTH);
      }),
    );
    const result = checkSiren("356 000 000");
    assert.equal(!result.ok && result.code, IdentifierErrorCode.SIREN_INVALID_CHARACTERS);
  });
});

describe("checkSiret", () => {
  const validSiret = fc.tuple(validSiren, digits(4)).map(([siren, nic]) => withLuhnKey(siren + nic));

  test("a valid SIREN, 4 digits and the computed key pass; a single-digit change fails", () => {
    fc.assert(
      fc.property(validSiret, (siret) => assert.deepEqual(checkSiret(siret), { ok: true, value: siret })),
    );
    fc.assert(
      fc.property(singleDigitChange(validSiret), ({ original, changed }) => {
        fc.pre(!original.startsWith("356000000") && !changed.startsWith("356000000"));
        const result = checkSiret(changed);
        assert.equal(!result.ok && result.code, IdentifierErrorCode.SIRET_INVALID_KEY);
      }),
    );
  });

  test("a SIRET whose SIREN part fails Luhn fails, even when the 14 digits pass", () => {
    const badSiren = digits(9).filter((s) => !isLuhnValid(s));
    fc.assert(
      fc.property(badSiren, digits(4), (siren, nic) => {
        const result = checkSiret(withLuhnKey(siren + nic));
        assert.equal(!result.ok && result.code, IdentifierErrorCode.SIRET_INVALID_KEY);
        assert.match(!result.ok ? result.message : "", /^checkSiret: the SIREN part/);
      }),
    );
  });

  test("La Poste (SIREN 356000000): a digit sum that is a multiple of 5 is enough", () => {
    const laPosteNic = digits(5).filter((nic) => {
      const sum = [...`356000000${nic}`].reduce((acc, d) => acc + Number(d), 0);
      return sum % 5 === 0;
    });
    fc.assert(
      fc.property(laPosteNic, (nic) => {
        assert.equal(checkSiret(`356000000${nic}`).ok, true);
      }),
    );
    // Anyone else must pass Luhn, whatever the digit sum.
    fc.assert(
      fc.property(validSiren, digits(5), (siren, nic) => {
        const siret = siren + nic;
        fc.pre(siren !== "356000000" && !isLuhnValid(siret));
        assert.equal(checkSiret(siret).ok, false);
      }),
    );
    assert.equal(isLuhnValid("35600000049837"), false); // a made-up La Poste establishment, digit sum 45
    assert.equal(checkSiret("35600000049837").ok, true);
    assert.equal(checkSiret("35600000000048").ok, true); // head office: passes Luhn as well
    assert.equal(checkSiret("35600000000049").ok, false);
  });

  test("public SIRET numbers pass", () => {
    for (const siret of ["44306184100047", "55208131766522", "54205118000066"]) {
      assert.deepEqual(checkSiret(siret), { ok: true, value: siret });
    }
  });

  test("wrong lengths and non-digits fail with their own codes", () => {
    fc.assert(
      fc.property(digits(0, 25), (s) => {
        fc.pre(s.length !== 14);
        const result = checkSiret(s);
        assert.equal(!result.ok && result.code, IdentifierErrorCode.SIRET_INVALID_LENGTH);
      }),
    );
    const result = checkSiret("443 061 841 00047");
    assert.equal(!result.ok && result.code, IdentifierErrorCode.SIRET_INVALID_CHARACTERS);
  });
});

test("every failure message starts with its operation", () => {
  const checks = { checkRpps, checkAdeli, checkNationalId, checkFiness, checkSiret, checkSiren };
  fc.assert(
    fc.property(fc.string({ maxLength: 20 }), (s) => {
      for (const [name, check] of Object.entries(checks)) {
        const result = check(s);
        if (!result.ok) assert.ok(result.message.startsWith(`${name}: `), `${name}(${JSON.stringify(s)})`);
      }
    }),
  );
});
