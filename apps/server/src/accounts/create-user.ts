import type { Role } from "@confrere/protocol";
import { ConfrereError, ErrorCode } from "@confrere/protocol";
import type { AppContext } from "../context.ts";
import { hashPassword } from "./password-hash.ts";
import { assertAcceptablePassword } from "./password-policy.ts";
import { newId } from "./tokens.ts";
import { normalizeEmail } from "./users.ts";

export interface NewUser {
  email: string;
  password: string;
  displayName: string;
  role: Role;
  emailVerified: boolean;
}

/** Inserts an account after the password policy; ACCOUNT_EMAIL_TAKEN if the address has one. */
export async function createUser(ctx: AppContext, input: NewUser, operation: string): Promise<string> {
  await assertAcceptablePassword(input.password, operation);
  const email = normalizeEmail(input.email);
  const passwordHash = await hashPassword(input.password);
  const now = ctx.clock.now();
  const id = newId();
  const taken = () =>
    new ConfrereError(
      ErrorCode.ACCOUNT_EMAIL_TAKEN,
      409,
      `${operation}: an account with this e-mail already exists`,
    );
  if (await ctx.db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirst())
    throw taken();
  try {
    await ctx.db
      .insertInto("users")
      .values({
        id,
        email,
        display_name: input.displayName.trim(),
        password_hash: passwordHash,
        role: input.role,
        email_verified_at: input.emailVerified ? now : null,
        identity_verified_at: null,
        suspended_at: null,
        suspended_reason: null,
        national_id: null,
        identity_method: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
  } catch {
    // The unique index on e-mail: another request created it between our check and our insert.
    throw taken();
  }
  return id;
}
