import type { Account, AccountState } from "@confrere/protocol";
import { ConfrereError, ErrorCode } from "@confrere/protocol";
import type { Db } from "../db/database.ts";
import type { UsersTable } from "../db/schema.ts";

/** E-mail addresses are compared case-insensitively: store them once, lowercased and trimmed. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function hasSecondFactor(db: Db, userId: string): Promise<boolean> {
  const totp = await db
    .selectFrom("totp_credentials")
    .select("user_id")
    .where("user_id", "=", userId)
    .where("confirmed_at", "is not", null)
    .executeTakeFirst();
  if (totp) return true;
  const passkey = await db
    .selectFrom("webauthn_credentials")
    .select("id")
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return passkey !== undefined;
}

export function accountState(user: UsersTable, secondFactor: boolean): AccountState {
  if (user.suspended_at !== null) return "suspended";
  if (user.email_verified_at === null) return "email_unverified";
  if (!secondFactor) return "second_factor_required";
  if (user.identity_verified_at !== null) return "verified";
  return "active";
}

export function toAccount(user: UsersTable, secondFactor: boolean): Account {
  return {
    id: user.id,
    email: user.email,
    displayName: user.display_name,
    role: user.role,
    state: accountState(user, secondFactor),
    emailVerifiedAt: user.email_verified_at,
    identityVerifiedAt: user.identity_verified_at,
    nationalId: user.national_id,
    identityMethod: user.identity_method,
    createdAt: user.created_at,
  };
}

export async function loadAccount(db: Db, userId: string): Promise<Account> {
  const user = await db.selectFrom("users").selectAll().where("id", "=", userId).executeTakeFirst();
  if (!user) throw new ConfrereError(ErrorCode.NOT_FOUND, 404, "account: no such user");
  return toAccount(user, await hasSecondFactor(db, userId));
}
