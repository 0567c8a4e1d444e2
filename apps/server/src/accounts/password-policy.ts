import { ConfrereError, ErrorCode } from "@confrere/protocol";

/** ANSSI recommends at least 12 characters for a password that guards sensitive data. */
export const MIN_PASSWORD_LENGTH = 12;
/** Argon2 would hash longer ones fine; the bound keeps a request from costing the server too much. */
export const MAX_PASSWORD_LENGTH = 256;

let commonPasswordList: Promise<Set<string>> | null = null;

/**
 * About 49,000 passwords seen most often in leaks (zxcvbn-ts's list), loaded on first use: the
 * list is 419 KB of script that every start would otherwise parse (bench/README.md, cold start).
 */
function loadCommonPasswords(): Promise<Set<string>> {
  commonPasswordList ??= import("@zxcvbn-ts/language-common").then((common) => {
    // A CommonJS package: its exports are `default` in the bundle (scripts/build-server.mjs), and
    // also named under Node.
    const { dictionary } = common.dictionary ? common : common.default;
    return new Set(dictionary["passwords-common"] as string[]);
  });
  return commonPasswordList;
}

async function isCommon(password: string): Promise<boolean> {
  const commonPasswords = await loadCommonPasswords();
  const lower = password.toLowerCase();
  if (commonPasswords.has(lower)) return true;
  // "password1234!" is as weak as "password": strip the usual trailing digits and symbols.
  const stem = lower.replace(/[0-9!?.*_#@$-]+$/, "");
  if (stem.length >= 6 && commonPasswords.has(stem)) return true;
  // One repeated character, or a short pattern repeated ("abcabcabcabc").
  if (/^(.{1,3})\1+$/.test(lower)) return true;
  // Walks along the keyboard or the alphabet ("azertyuiopqsdfghjklm", "0123456789ab").
  const compact = lower.replace(/\s+/g, "");
  return SEQUENCES.some((sequence) => sequence.includes(compact));
}

const SEQUENCES = [
  "azertyuiopqsdfghjklmwxcvbn",
  "qwertyuiopasdfghjklzxcvbnm",
  "qwertzuiopasdfghjklyxcvbnm",
  "abcdefghijklmnopqrstuvwxyz",
  "012345678901234567890",
].flatMap((s) => [s, [...s].reverse().join("")]);

/** Throws a ConfrereError with the rule the password breaks. */
export async function assertAcceptablePassword(password: string, context: string): Promise<void> {
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    throw new ConfrereError(
      ErrorCode.PASSWORD_TOO_SHORT,
      400,
      `${context}: the password must have at least ${MIN_PASSWORD_LENGTH} characters`,
    );
  }
  if ([...password].length > MAX_PASSWORD_LENGTH) {
    throw new ConfrereError(
      ErrorCode.PASSWORD_TOO_LONG,
      400,
      `${context}: the password must have at most ${MAX_PASSWORD_LENGTH} characters`,
    );
  }
  if (await isCommon(password)) {
    throw new ConfrereError(
      ErrorCode.PASSWORD_TOO_COMMON,
      400,
      `${context}: this password is among the most common ones; choose another (a phrase of several words works well)`,
    );
  }
}
