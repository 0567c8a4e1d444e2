import type { IssuedSession, SecondFactorMethod } from "@confrere/protocol";
import { ConfrereError, ErrorCode } from "@confrere/protocol";
import { MINUTE } from "../clock.ts";
import type { AppContext } from "../context.ts";
import type { LoginChallengesTable } from "../db/schema.ts";
import { remainingRecoveryCodes } from "./recovery-codes.ts";
import { openSession } from "./sessions.ts";
import type { ThrottleKey } from "./throttle.ts";
import { hashToken, newId, newToken } from "./tokens.ts";

/** Time to type a TOTP code or touch a passkey after the password was accepted. */
export const LOGIN_CHALLENGE_TTL_MS = 5 * MINUTE;

export function loginThrottleKeys(email: string, ip: string | null): ThrottleKey[] {
  return [`account:${email}`, ...(ip ? [`ip:${ip}` as const] : [])];
}

export function secondFactorThrottleKeys(userId: string, ip: string | null): ThrottleKey[] {
  return [`totp:${userId}`, ...(ip ? [`ip:${ip}` as const] : [])];
}

export async function availableMethods(ctx: AppContext, userId: string): Promise<SecondFactorMethod[]> {
  const methods: SecondFactorMethod[] = [];
  const totp = await ctx.db
    .selectFrom("totp_credentials")
    .select("user_id")
    .where("user_id", "=", userId)
    .where("confirmed_at", "is not", null)
    .executeTakeFirst();
  if (totp) methods.push("totp");
  const passkey = await ctx.db
    .selectFrom("webauthn_credentials")
    .select("id")
    .where("user_id", "=", userId)
    .executeTakeFirst();
  if (passkey) methods.push("webauthn");
  if ((await remainingRecoveryCodes(ctx.db, userId)) > 0) methods.push("recovery_code");
  return methods;
}

export async function openLoginChallenge(
  ctx: AppContext,
  input: { userId: string; deviceName: string; ip: string | null },
): Promise<{ challengeToken: string; expiresAt: number }> {
  const now = ctx.clock.now();
  const challengeToken = newToken();
  const expiresAt = now + LOGIN_CHALLENGE_TTL_MS;
  await ctx.db
    .insertInto("login_challenges")
    .values({
      id: newId(),
      user_id: input.userId,
      token_hash: hashToken(challengeToken),
      device_name: input.deviceName,
      ip: input.ip,
      expires_at: expiresAt,
      used_at: null,
      created_at: now,
      webauthn_challenge: null,
    })
    .execute();
  return { challengeToken, expiresAt };
}

export async function findLoginChallenge(
  ctx: AppContext,
  token: string,
  operation: string,
): Promise<LoginChallengesTable> {
  const row = await ctx.db
    .selectFrom("login_challenges")
    .selectAll()
    .where("token_hash", "=", hashToken(token))
    .executeTakeFirst();
  if (!row || row.used_at !== null || row.expires_at <= ctx.clock.now()) {
    throw new ConfrereError(
      ErrorCode.AUTH_CHALLENGE_INVALID,
      401,
      `${operation}: the login step expired or was already used; enter your password again`,
    );
  }
  return row;
}

/** The second factor passed: use up the challenge and open a full session on a new device. */
export async function completeLogin(
  ctx: AppContext,
  challenge: LoginChallengesTable,
  method: SecondFactorMethod,
  ip: string | null,
): Promise<IssuedSession> {
  const now = ctx.clock.now();
  const used = await ctx.db
    .updateTable("login_challenges")
    .set({ used_at: now })
    .where("id", "=", challenge.id)
    .where("used_at", "is", null)
    .executeTakeFirst();
  if (Number(used.numUpdatedRows) !== 1) {
    throw new ConfrereError(ErrorCode.AUTH_CHALLENGE_INVALID, 401, "login: this login step was already used");
  }
  const session = await openSession(ctx, ctx.db, {
    userId: challenge.user_id,
    deviceName: challenge.device_name,
    scope: "full",
    ip,
  });
  await ctx.throttle.clear(secondFactorThrottleKeys(challenge.user_id, null));
  await ctx.audit.record({
    action: "auth.login_succeeded",
    actorId: challenge.user_id,
    targetType: "session",
    targetId: session.sessionId,
    ip,
    deviceId: session.deviceId,
    detail: { method },
  });
  return session;
}

/** Records a wrong second factor against the user and the address, then throws `error`. */
export async function failSecondFactor(
  ctx: AppContext,
  userId: string,
  ip: string | null,
  method: SecondFactorMethod,
  error: ConfrereError,
): Promise<never> {
  await ctx.throttle.recordFailure(secondFactorThrottleKeys(userId, ip));
  await ctx.audit.record({
    action: "auth.second_factor_failed",
    actorId: userId,
    targetType: "user",
    targetId: userId,
    ip,
    detail: { method },
  });
  throw error;
}
