import { randomInt } from "node:crypto";
import type { AppContext } from "../context.ts";
import type { Db } from "../db/database.ts";
import { hashToken, newId } from "./tokens.ts";

export const RECOVERY_CODE_COUNT = 10;
/** No 0/O or 1/I/L: codes are read from paper. */
const ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

function newRecoveryCode(): string {
  let raw = "";
  for (let i = 0; i < 12; i++) raw += ALPHABET[randomInt(ALPHABET.length)];
  return `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8)}`;
}

/** Codes are typed in any case, with or without dashes. 60 bits each: a plain SHA-256 is enough. */
function canonical(code: string): string {
  return code.replace(/-/g, "").toUpperCase();
}

/** Replaces any previous codes by ten new ones, returned once in clear. */
export async function generateRecoveryCodes(db: Db, userId: string, now: number): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  await db.deleteFrom("recovery_codes").where("user_id", "=", userId).execute();
  await db
    .insertInto("recovery_codes")
    .values(
      codes.map((code) => ({
        id: newId(),
        user_id: userId,
        code_hash: hashToken(canonical(code)),
        used_at: null,
        created_at: now,
      })),
    )
    .execute();
  return codes;
}

/** Consumes one unused code; true when it matched. */
export async function useRecoveryCode(ctx: AppContext, userId: string, code: string): Promise<boolean> {
  const result = await ctx.db
    .updateTable("recovery_codes")
    .set({ used_at: ctx.clock.now() })
    .where("user_id", "=", userId)
    .where("code_hash", "=", hashToken(canonical(code)))
    .where("used_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function remainingRecoveryCodes(db: Db, userId: string): Promise<number> {
  const row = await db
    .selectFrom("recovery_codes")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("user_id", "=", userId)
    .where("used_at", "is", null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
