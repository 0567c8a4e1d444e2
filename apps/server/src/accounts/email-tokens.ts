import { ConfrereError, ErrorCode } from "@confrere/protocol";
import type { Db } from "../db/database.ts";
import type { EmailTokensTable } from "../db/schema.ts";
import { hashToken, newId, newToken } from "./tokens.ts";

type Purpose = EmailTokensTable["purpose"];

/** Issues a single-use link token; only its hash is stored. Earlier unused tokens of the same purpose die. */
export async function issueEmailToken(
  db: Db,
  input: { purpose: Purpose; userId: string | null; now: number; ttlMs: number },
): Promise<string> {
  const token = newToken();
  let expire = db
    .updateTable("email_tokens")
    .set({ used_at: input.now })
    .where("purpose", "=", input.purpose);
  expire =
    input.userId === null ? expire.where("user_id", "is", null) : expire.where("user_id", "=", input.userId);
  await expire.where("used_at", "is", null).execute();
  await db
    .insertInto("email_tokens")
    .values({
      id: newId(),
      user_id: input.userId,
      purpose: input.purpose,
      token_hash: hashToken(token),
      expires_at: input.now + input.ttlMs,
      used_at: null,
      created_at: input.now,
      webauthn_challenge: null,
    })
    .execute();
  return token;
}

/** The live (unused, unexpired) token row, or a TOKEN_INVALID error naming the operation. */
export async function findEmailToken(
  db: Db,
  token: string,
  purpose: Purpose,
  now: number,
  operation: string,
): Promise<EmailTokensTable> {
  const row = await db
    .selectFrom("email_tokens")
    .selectAll()
    .where("token_hash", "=", hashToken(token))
    .where("purpose", "=", purpose)
    .executeTakeFirst();
  if (!row || row.used_at !== null || row.expires_at <= now) {
    throw new ConfrereError(
      ErrorCode.TOKEN_INVALID,
      400,
      `${operation}: this link is invalid, already used or expired; ask for a new one`,
    );
  }
  return row;
}

/** Marks a token used; false if another request used it first. */
export async function consumeEmailToken(db: Db, id: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable("email_tokens")
    .set({ used_at: now })
    .where("id", "=", id)
    .where("used_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
