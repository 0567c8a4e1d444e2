import { checkAdeli, checkNationalId, checkRpps } from "@confrere/protocol";

/**
 * The same reading of the number as the server's (`parseClaimIdentifier`): spaces ignored, the
 * register told by the length. Lets the form point at a mistyped digit before asking the server.
 * Returns the error code, or null when the number is well formed.
 */
export function identifierProblem(input: string): string | null {
  const value = input.replace(/\s+/g, "");
  if (!/^[0-9]+$/.test(value) || ![9, 10, 11, 12].includes(value.length)) return "CLAIM_IDENTIFIER_INVALID";
  const check =
    value.length === 11 ? checkRpps(value) : value.length === 9 ? checkAdeli(value) : checkNationalId(value);
  return check.ok ? null : check.code;
}

/** Codes that are about the number itself: shown under the field rather than above the button. */
export function isIdentifierCode(code: string): boolean {
  return /^(RPPS|ADELI|NATIONAL_ID)_INVALID_|^CLAIM_IDENTIFIER_INVALID$/.test(code);
}
