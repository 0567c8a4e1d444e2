import argon2 from "argon2";

/**
 * Argon2id with the OWASP-recommended floor (19 MiB, 2 passes) raised to 64 MiB / 3 passes, which
 * costs ~50 ms here: slow for an attacker with a stolen database, fast enough for a login.
 */
const OPTIONS = { type: argon2.argon2id, memoryCost: 65_536, timeCost: 3, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, OPTIONS);
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

/** Verifying against this when the account does not exist keeps timing from revealing which e-mails exist. */
let dummyHash: Promise<string> | null = null;
export async function burnPasswordCheck(password: string): Promise<void> {
  dummyHash ??= hashPassword("confrere-dummy-password-for-timing");
  await verifyPassword(await dummyHash, password);
}
