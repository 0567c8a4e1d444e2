/**
 * Validation of the French identifiers a health professional or an establishment is known by:
 * RPPS, ADELI, the national id `idNat_PS`, FINESS, SIRET and SIREN.
 *
 * Every check returns `{ ok: true, value }` (the normalised value: surrounding spaces removed,
 * FINESS letters upper-cased) or `{ ok: false, code, message }` with a stable code from
 * {@link IdentifierErrorCode} and a message that starts with the operation and says what to fix.
 * Nothing here throws on bad input, and nothing touches `node:` or the DOM (isomorphic).
 */

/** The stable codes of identifier errors; clients branch on these, never on the message. */
export const IdentifierErrorCode = {
  RPPS_INVALID_LENGTH: "RPPS_INVALID_LENGTH",
  RPPS_INVALID_CHARACTERS: "RPPS_INVALID_CHARACTERS",
  RPPS_INVALID_KEY: "RPPS_INVALID_KEY",
  ADELI_INVALID_LENGTH: "ADELI_INVALID_LENGTH",
  ADELI_INVALID_CHARACTERS: "ADELI_INVALID_CHARACTERS",
  ADELI_INVALID_KEY: "ADELI_INVALID_KEY",
  NATIONAL_ID_INVALID_LENGTH: "NATIONAL_ID_INVALID_LENGTH",
  NATIONAL_ID_INVALID_CHARACTERS: "NATIONAL_ID_INVALID_CHARACTERS",
  NATIONAL_ID_INVALID_PREFIX: "NATIONAL_ID_INVALID_PREFIX",
  NATIONAL_ID_INVALID_KEY: "NATIONAL_ID_INVALID_KEY",
  FINESS_INVALID_LENGTH: "FINESS_INVALID_LENGTH",
  FINESS_INVALID_CHARACTERS: "FINESS_INVALID_CHARACTERS",
  FINESS_INVALID_DEPARTEMENT: "FINESS_INVALID_DEPARTEMENT",
  FINESS_INVALID_KEY: "FINESS_INVALID_KEY",
  SIRET_INVALID_LENGTH: "SIRET_INVALID_LENGTH",
  SIRET_INVALID_CHARACTERS: "SIRET_INVALID_CHARACTERS",
  SIRET_INVALID_KEY: "SIRET_INVALID_KEY",
  SIREN_INVALID_LENGTH: "SIREN_INVALID_LENGTH",
  SIREN_INVALID_CHARACTERS: "SIREN_INVALID_CHARACTERS",
  SIREN_INVALID_KEY: "SIREN_INVALID_KEY",
} as const;
export type IdentifierErrorCode = (typeof IdentifierErrorCode)[keyof typeof IdentifierErrorCode];

export type RppsErrorCode = Extract<IdentifierErrorCode, `RPPS_${string}`>;
export type AdeliErrorCode = Extract<IdentifierErrorCode, `ADELI_${string}`>;
export type NationalIdErrorCode = Extract<IdentifierErrorCode, `NATIONAL_ID_${string}`>;
export type FinessErrorCode = Extract<IdentifierErrorCode, `FINESS_${string}`>;
export type SiretErrorCode = Extract<IdentifierErrorCode, `SIRET_${string}`>;
export type SirenErrorCode = Extract<IdentifierErrorCode, `SIREN_${string}`>;

/** A failed check: a stable code and a message a person can act on. */
export interface IdentifierFailure<Code extends IdentifierErrorCode> {
  readonly ok: false;
  readonly code: Code;
  readonly message: string;
}

/** The outcome of a check: the normalised value (plus `Extra` facts), or a failure. */
export type IdentifierCheck<Code extends IdentifierErrorCode, Extra extends object = object> =
  | ({ readonly ok: true; readonly value: string } & Extra)
  | IdentifierFailure<Code>;

/** Which register a national id points into: `8` + RPPS or `0` + ADELI. */
export type NationalIdType = "RPPS" | "ADELI";

/**
 * ADELI numbers are believed to end with a Luhn key: every sample checked passes, but no ANS
 * document says so (DOMAIN.md: *unverified*). If real ADELI numbers get rejected with
 * `ADELI_INVALID_KEY`, set this to `false`: length and characters are still checked.
 */
export const ADELI_HAS_LUHN_KEY = true;

/**
 * FINESS numbers are believed to end with a Luhn key (samples pass; *unverified*). If real
 * FINESS numbers get rejected with `FINESS_INVALID_KEY`, set this to `false`.
 */
export const FINESS_HAS_LUHN_KEY = true;

/**
 * How the Corsican département letters take part in the FINESS Luhn key: `2A`/`2B` are read as
 * `20` (the département's number before its 1976 split). Unverified against an ANS document; it is
 * what the fictional Corsican samples in our fixtures satisfy, and the NIR's convention (`19`/`18`)
 * does not. Change it here if real `2A…`/`2B…` numbers fail.
 */
export const FINESS_CORSICA_LUHN_DIGITS = "20";

/**
 * Département prefixes a FINESS number may start with: `01`–`95` without `20`, Corsica's `2A` and
 * `2B`, and the overseas `971`–`978` (the third character then belongs to the département).
 * The overseas range beyond 976 (Mayotte) is a guess (977 Saint-Barthélemy, 978 Saint-Martin):
 * widen this table if a real number is refused with `FINESS_INVALID_DEPARTEMENT`.
 */
const FINESS_OVERSEAS_THIRD_DIGITS = "12345678";

/**
 * La Poste's establishments share SIREN 356000000 and are numbered without a Luhn key on the
 * SIRET; INSEE's rule for them is that the sum of the 14 digits is a multiple of 5.
 */
const LA_POSTE_SIREN = "356000000";

const CODE_0 = 48;
const CODE_9 = 57;

function isDigitCode(code: number): boolean {
  return code >= CODE_0 && code <= CODE_9;
}

/** Index of the first character that is not an ASCII digit, or -1. */
function firstNonDigit(s: string): number {
  for (let i = 0; i < s.length; i++) {
    if (!isDigitCode(s.charCodeAt(i))) return i;
  }
  return -1;
}

/** The Luhn sum of `digits` (ASCII digits only), doubling every second digit from the right. */
function luhnSum(digits: string, doubleRightmost: boolean): number {
  let sum = 0;
  let isDoubled = doubleRightmost;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - CODE_0;
    if (isDoubled) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    isDoubled = !isDoubled;
  }
  return sum;
}

/**
 * The Luhn check digit to append to `payload` (digits only).
 *
 * @throws RangeError if `payload` is empty or holds anything but ASCII digits: a programming
 *   error, not a user input error (use the `check*` functions for user input).
 * @example
 * computeLuhnKey("1043464097"); // 4, so "10434640974" is a valid RPPS number
 */
export function computeLuhnKey(payload: string): number {
  if (payload.length === 0 || firstNonDigit(payload) !== -1) {
    throw new RangeError("computeLuhnKey: the payload must be a non-empty string of digits 0-9");
  }
  return (10 - (luhnSum(payload, true) % 10)) % 10;
}

/**
 * `payload` followed by its Luhn check digit.
 *
 * @throws RangeError like {@link computeLuhnKey}.
 * @example
 * withLuhnKey("1043464097"); // "10434640974"
 */
export function withLuhnKey(payload: string): string {
  return payload + String(computeLuhnKey(payload));
}

/**
 * Whether `digits` (its last digit being the key) passes the Luhn check. `false` for an empty
 * string or any non-digit character.
 *
 * @example
 * isLuhnValid("10434640974"); // true
 * isLuhnValid("10434640975"); // false
 */
export function isLuhnValid(digits: string): boolean {
  if (digits.length === 0 || firstNonDigit(digits) !== -1) return false;
  return luhnSum(digits, false) % 10 === 0;
}

function fail<Code extends IdentifierErrorCode>(code: Code, message: string): IdentifierFailure<Code> {
  return { ok: false, code, message };
}

/** The checks common to every all-digit identifier: characters, then length, then the Luhn key. */
function checkDigits<Code extends IdentifierErrorCode>(
  operation: string,
  what: string,
  input: string,
  length: number,
  codes: { characters: Code; length: Code; key: Code },
  hasKey: boolean,
): IdentifierCheck<Code> {
  const value = input.trim();
  const bad = firstNonDigit(value);
  if (bad !== -1) {
    return fail(
      codes.characters,
      `${operation}: character ${bad + 1} is "${value.charAt(bad)}", but ${what} has digits only: remove spaces, dots and letters`,
    );
  }
  if (value.length !== length) {
    return fail(
      codes.length,
      `${operation}: ${what} has ${length} digits, this one has ${value.length}: check for a missing or extra digit`,
    );
  }
  if (hasKey && !isLuhnValid(value)) {
    return fail(
      codes.key,
      `${operation}: the check digit (the last one) does not match: one digit is probably mistyped or two are swapped`,
    );
  }
  return { ok: true, value };
}

/**
 * Checks an RPPS number: 11 digits, the last one a Luhn key.
 *
 * @example
 * checkRpps("10434640974"); // { ok: true, value: "10434640974" }
 * checkRpps("1043464097");  // { ok: false, code: "RPPS_INVALID_LENGTH", message: "checkRpps: …" }
 */
export function checkRpps(input: string): IdentifierCheck<RppsErrorCode> {
  return checkDigits(
    "checkRpps",
    "an RPPS number",
    input,
    11,
    {
      characters: IdentifierErrorCode.RPPS_INVALID_CHARACTERS,
      length: IdentifierErrorCode.RPPS_INVALID_LENGTH,
      key: IdentifierErrorCode.RPPS_INVALID_KEY,
    },
    true,
  );
}

/**
 * Checks an ADELI number: 9 digits, the last one a Luhn key while {@link ADELI_HAS_LUHN_KEY} holds.
 *
 * @example
 * checkAdeli("751234568"); // { ok: true, value: "751234568" }
 */
export function checkAdeli(input: string): IdentifierCheck<AdeliErrorCode> {
  return checkDigits(
    "checkAdeli",
    "an ADELI number",
    input,
    9,
    {
      characters: IdentifierErrorCode.ADELI_INVALID_CHARACTERS,
      length: IdentifierErrorCode.ADELI_INVALID_LENGTH,
      key: IdentifierErrorCode.ADELI_INVALID_KEY,
    },
    ADELI_HAS_LUHN_KEY,
  );
}

/**
 * Checks a national id (`idNat_PS`, "Identification nationale PP"): `8` + an RPPS number
 * (12 digits) or `0` + an ADELI number (10 digits). On success, says which register and returns
 * the number inside.
 *
 * @example
 * checkNationalId("810434640974");
 * // { ok: true, value: "810434640974", type: "RPPS", identifier: "10434640974" }
 * checkNationalId("310434640974"); // { ok: false, code: "NATIONAL_ID_INVALID_PREFIX", … }
 */
export function checkNationalId(
  input: string,
): IdentifierCheck<NationalIdErrorCode, { readonly type: NationalIdType; readonly identifier: string }> {
  const value = input.trim();
  if (value.length === 0) {
    return fail(
      IdentifierErrorCode.NATIONAL_ID_INVALID_LENGTH,
      "checkNationalId: the national id is empty: give 8 followed by the RPPS number, or 0 followed by the ADELI number",
    );
  }
  const bad = firstNonDigit(value);
  if (bad !== -1) {
    return fail(
      IdentifierErrorCode.NATIONAL_ID_INVALID_CHARACTERS,
      `checkNationalId: character ${bad + 1} is "${value.charAt(bad)}", but a national id has digits only: remove spaces, dots and letters`,
    );
  }
  const prefix = value.charAt(0);
  if (prefix !== "8" && prefix !== "0") {
    return fail(
      IdentifierErrorCode.NATIONAL_ID_INVALID_PREFIX,
      `checkNationalId: a professional's national id starts with 8 (RPPS) or 0 (ADELI), this one starts with ${prefix}`,
    );
  }
  const type: NationalIdType = prefix === "8" ? "RPPS" : "ADELI";
  const expectedLength = type === "RPPS" ? 12 : 10;
  if (value.length !== expectedLength) {
    return fail(
      IdentifierErrorCode.NATIONAL_ID_INVALID_LENGTH,
      `checkNationalId: a national id starting with ${prefix} (${type}) has ${expectedLength} digits, this one has ${value.length}: check for a missing or extra digit`,
    );
  }
  const identifier = value.slice(1);
  const inner = type === "RPPS" ? checkRpps(identifier) : checkAdeli(identifier);
  if (!inner.ok) {
    // Characters and length were checked above, so only the key can fail here.
    return fail(
      IdentifierErrorCode.NATIONAL_ID_INVALID_KEY,
      `checkNationalId: the ${type} number inside has a wrong check digit (its last digit): one digit is probably mistyped or two are swapped`,
    );
  }
  return { ok: true, value, type, identifier };
}

/** Whether the first three characters of a FINESS number start with a known département. */
function isFinessDepartement(first: string, second: string, third: string): boolean {
  if (first === "2" && (second === "A" || second === "B")) return true;
  if (first === "9" && second === "7") return FINESS_OVERSEAS_THIRD_DIGITS.includes(third);
  const n = Number(first + second);
  return n >= 1 && n <= 95 && n !== 20;
}

/**
 * Checks a FINESS number (ET = site, or EJ = legal entity): 9 characters, the first two a
 * département (`2A`/`2B` for Corsica, `97x` overseas), digits elsewhere, the last one a Luhn key
 * while {@link FINESS_HAS_LUHN_KEY} holds. For the key, `2A`/`2B` count as
 * {@link FINESS_CORSICA_LUHN_DIGITS}. Lower-case `2a`/`2b` are accepted and returned upper-cased.
 *
 * @example
 * checkFiness("753791466"); // { ok: true, value: "753791466" }
 * checkFiness("2a4132641"); // { ok: true, value: "2A4132641" }
 * checkFiness("204132641"); // { ok: false, code: "FINESS_INVALID_DEPARTEMENT", … } (20 is not a département since 1976)
 */
export function checkFiness(input: string): IdentifierCheck<FinessErrorCode> {
  const value = input.trim().toUpperCase();
  const isCorsican = value.charAt(0) === "2" && (value.charAt(1) === "A" || value.charAt(1) === "B");
  const digits = isCorsican ? FINESS_CORSICA_LUHN_DIGITS + value.slice(2) : value;
  const bad = firstNonDigit(digits);
  if (bad !== -1) {
    return fail(
      IdentifierErrorCode.FINESS_INVALID_CHARACTERS,
      `checkFiness: character ${bad + 1} is "${value.charAt(bad)}", but a FINESS number has digits only (besides 2A/2B for Corsica): remove spaces, dots and letters`,
    );
  }
  if (value.length !== 9) {
    return fail(
      IdentifierErrorCode.FINESS_INVALID_LENGTH,
      `checkFiness: a FINESS number has 9 characters, this one has ${value.length}: check for a missing or extra digit`,
    );
  }
  if (!isFinessDepartement(value.charAt(0), value.charAt(1), value.charAt(2))) {
    return fail(
      IdentifierErrorCode.FINESS_INVALID_DEPARTEMENT,
      `checkFiness: a FINESS number starts with its département (01-95, 2A, 2B or 971-978), this one starts with ${value.slice(0, value.startsWith("97") ? 3 : 2)}: check the first digits`,
    );
  }
  if (FINESS_HAS_LUHN_KEY && !isLuhnValid(digits)) {
    return fail(
      IdentifierErrorCode.FINESS_INVALID_KEY,
      "checkFiness: the check digit (the last one) does not match: one digit is probably mistyped or two are swapped",
    );
  }
  return { ok: true, value };
}

/**
 * Checks a SIREN number (a legal entity): 9 digits, Luhn key.
 *
 * @example
 * checkSiren("356000000"); // { ok: true, value: "356000000" } (La Poste)
 */
export function checkSiren(input: string): IdentifierCheck<SirenErrorCode> {
  return checkDigits(
    "checkSiren",
    "a SIREN number",
    input,
    9,
    {
      characters: IdentifierErrorCode.SIREN_INVALID_CHARACTERS,
      length: IdentifierErrorCode.SIREN_INVALID_LENGTH,
      key: IdentifierErrorCode.SIREN_INVALID_KEY,
    },
    true,
  );
}

/**
 * Checks a SIRET number (an establishment): 14 digits, the SIREN (first 9) then the NIC (last 5);
 * both the SIREN and the whole SIRET pass Luhn. Exception: La Poste's establishments (SIREN
 * 356000000) only need the sum of their 14 digits to be a multiple of 5.
 *
 * @example
 * checkSiret("35600000000048"); // { ok: true, value: "35600000000048" } (La Poste, head office)
 * checkSiret("35600000000049"); // { ok: false, code: "SIRET_INVALID_KEY", … }
 */
export function checkSiret(input: string): IdentifierCheck<SiretErrorCode> {
  const shape = checkDigits(
    "checkSiret",
    "a SIRET number",
    input,
    14,
    {
      characters: IdentifierErrorCode.SIRET_INVALID_CHARACTERS,
      length: IdentifierErrorCode.SIRET_INVALID_LENGTH,
      key: IdentifierErrorCode.SIRET_INVALID_KEY,
    },
    false,
  );
  if (!shape.ok) return shape;
  const value = shape.value;
  const siren = value.slice(0, 9);
  if (!isLuhnValid(siren)) {
    return fail(
      IdentifierErrorCode.SIRET_INVALID_KEY,
      "checkSiret: the SIREN part (the first 9 digits) has a wrong check digit: one digit is probably mistyped or two are swapped",
    );
  }
  if (isLuhnValid(value)) return { ok: true, value };
  if (siren === LA_POSTE_SIREN && digitSum(value) % 5 === 0) return { ok: true, value };
  return fail(
    IdentifierErrorCode.SIRET_INVALID_KEY,
    "checkSiret: the check digit (the last one) does not match: one digit is probably mistyped or two are swapped",
  );
}

function digitSum(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) sum += digits.charCodeAt(i) - CODE_0;
  return sum;
}
