import {
  checkAdeli,
  checkNationalId,
  checkRpps,
  type IdentifierErrorCode,
  type NationalIdType,
} from "@confrere/protocol";

/** An identifier the user typed, read as the directory's national id. */
export type ClaimIdentifier =
  | { ok: true; nationalId: string; idType: NationalIdType }
  | { ok: false; code: IdentifierErrorCode | "CLAIM_IDENTIFIER_INVALID"; message: string };

/**
 * Reads what a professional types as their number: an RPPS (11 digits), an ADELI (9 digits) or
 * the national id printed on some documents (`8` + RPPS, `0` + ADELI). Spaces are ignored (cards
 * print numbers in groups). The register is told by the length, so that a mistyped check digit
 * gets that register's own code (`RPPS_INVALID_KEY`, `ADELI_INVALID_KEY`, `NATIONAL_ID_INVALID_KEY`).
 *
 * @example
 * parseClaimIdentifier("10434640974");   // { ok: true, nationalId: "810434640974", idType: "RPPS" }
 * parseClaimIdentifier("10434640975");   // { ok: false, code: "RPPS_INVALID_KEY", … }
 */
export function parseClaimIdentifier(input: string): ClaimIdentifier {
  const value = input.replace(/\s+/g, "");
  if (!/^[0-9]+$/.test(value) || ![9, 10, 11, 12].includes(value.length)) {
    return {
      ok: false,
      code: "CLAIM_IDENTIFIER_INVALID",
      message:
        "createClaim: give your RPPS number (11 digits) or your ADELI number (9 digits), as printed on your CPS card or professional card",
    };
  }
  if (value.length === 11) {
    const rpps = checkRpps(value);
    return rpps.ok ? { ok: true, nationalId: `8${rpps.value}`, idType: "RPPS" } : rpps;
  }
  if (value.length === 9) {
    const adeli = checkAdeli(value);
    return adeli.ok ? { ok: true, nationalId: `0${adeli.value}`, idType: "ADELI" } : adeli;
  }
  const national = checkNationalId(value);
  return national.ok ? { ok: true, nationalId: national.value, idType: national.type } : national;
}
