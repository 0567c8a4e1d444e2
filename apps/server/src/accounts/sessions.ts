import type { IssuedSession, SessionScope } from "@confrere/protocol";
import { ConfrereError, ErrorCode } from "@confrere/protocol";
import { DAY, MINUTE } from "../clock.ts";
import type { AppContext } from "../context.ts";
import type { Db } from "../db/database.ts";
import type { SessionsTable, UsersTable } from "../db/schema.ts";
import { hashToken, newId, newToken } from "./tokens.ts";

/** A session that may only enrol a second factor lives just long enough to do it. */
const ENROLMENT_SESSION_TTL_MS = 30 * MINUTE;
/** Writing last_used_at on every request would turn reads into writes; once a minute is enough. */
const TOUCH_INTERVAL_MS = MINUTE;

export interface Authenticated {
  user: UsersTable;
  session: SessionsTable;
}

function ttl(ctx: AppContext, scope: SessionScope): number {
  return scope === "enrolment" ? ENROLMENT_SESSION_TTL_MS : ctx.config.sessionTtlDays * DAY;
}

/** Opens a session on a new named device, or on an existing device of the same user. */
export async function openSession(
  ctx: AppContext,
  db: Db,
  input: { userId: string; deviceName?: string; deviceId?: string; scope: SessionScope; ip: string | null },
): Promise<IssuedSession> {
  const now = ctx.clock.now();
  let deviceId = input.deviceId;
  if (!deviceId) {
    deviceId = newId();
    await db
      .insertInto("devices")
      .values({
        id: deviceId,
        user_id: input.userId,
        name: input.deviceName ?? "Appareil",
        created_at: now,
        last_seen_at: now,
        revoked_at: null,
      })
      .execute();
    await ctx.audit.record({
      action: "device.added",
      actorId: input.userId,
      targetType: "device",
      targetId: deviceId,
      ip: input.ip,
      deviceId,
    });
  }
  const token = newToken();
  const session: SessionsTable = {
    id: newId(),
    user_id: input.userId,
    device_id: deviceId,
    token_hash: hashToken(token),
    scope: input.scope,
    ip: input.ip,
    created_at: now,
    last_used_at: now,
    expires_at: now + ttl(ctx, input.scope),
    revoked_at: null,
    webauthn_challenge: null,
  };
  await db.insertInto("sessions").values(session).execute();
  return { token, sessionId: session.id, deviceId, scope: session.scope, expiresAt: session.expires_at };
}

/** Resolves a bearer token to its live session and user, or throws AUTH_REQUIRED / AUTH_SESSION_EXPIRED. */
export async function authenticate(ctx: AppContext, token: string): Promise<Authenticated> {
  const now = ctx.clock.now();
  // The lookup is by SHA-256 of the token; equality of two 256-bit digests leaks nothing useful.
  const row = await ctx.db
    .selectFrom("sessions")
    .innerJoin("users", "users.id", "sessions.user_id")
    .selectAll("sessions")
    .select([
      "users.email",
      "users.display_name",
      "users.password_hash",
      "users.role",
      "users.email_verified_at",
      "users.identity_verified_at",
      "users.suspended_at",
      "users.suspended_reason",
      "users.national_id",
      "users.identity_method",
      "users.created_at as user_created_at",
      "users.updated_at as user_updated_at",
    ])
    .where("sessions.token_hash", "=", hashToken(token))
    .executeTakeFirst();
  if (!row || row.revoked_at !== null) {
    throw new ConfrereError(
      ErrorCode.AUTH_REQUIRED,
      401,
      "authenticate: the session is unknown or was closed; log in again",
    );
  }
  if (row.expires_at <= now) {
    throw new ConfrereError(
      ErrorCode.AUTH_SESSION_EXPIRED,
      401,
      "authenticate: the session has expired; log in again",
    );
  }
  if (row.suspended_at !== null) {
    throw new ConfrereError(ErrorCode.AUTH_ACCOUNT_SUSPENDED, 403, "authenticate: this account is suspended");
  }
  const session: SessionsTable = {
    id: row.id,
    user_id: row.user_id,
    device_id: row.device_id,
    token_hash: row.token_hash,
    scope: row.scope,
    ip: row.ip,
    created_at: row.created_at,
    last_used_at: row.last_used_at,
    expires_at: row.expires_at,
    revoked_at: row.revoked_at,
    webauthn_challenge: row.webauthn_challenge,
  };
  const user: UsersTable = {
    id: row.user_id,
    email: row.email,
    display_name: row.display_name,
    password_hash: row.password_hash,
    role: row.role,
    email_verified_at: row.email_verified_at,
    identity_verified_at: row.identity_verified_at,
    suspended_at: row.suspended_at,
    suspended_reason: row.suspended_reason,
    national_id: row.national_id,
    identity_method: row.identity_method,
    created_at: row.user_created_at,
    updated_at: row.user_updated_at,
  };
  if (now - row.last_used_at > TOUCH_INTERVAL_MS) {
    await ctx.db.updateTable("sessions").set({ last_used_at: now }).where("id", "=", row.id).execute();
    await ctx.db.updateTable("devices").set({ last_seen_at: now }).where("id", "=", row.device_id).execute();
  }
  return { user, session };
}

/**
 * Replaces the session's token by a new one (same device, fresh expiry); the old token stops working
 * at once. Clients rotate regularly so that a token copied from a device ages out.
 */
export async function rotateSession(ctx: AppContext, current: SessionsTable): Promise<IssuedSession> {
  const now = ctx.clock.now();
  const token = newToken();
  const expiresAt = now + ttl(ctx, current.scope);
  await ctx.db
    .updateTable("sessions")
    .set({ token_hash: hashToken(token), expires_at: expiresAt, last_used_at: now })
    .where("id", "=", current.id)
    .execute();
  return { token, sessionId: current.id, deviceId: current.device_id, scope: current.scope, expiresAt };
}

export async function revokeSessions(
  db: Db,
  now: number,
  where: { userId: string; sessionId?: string; deviceId?: string; exceptSessionId?: string },
): Promise<number> {
  let query = db
    .updateTable("sessions")
    .set({ revoked_at: now })
    .where("user_id", "=", where.userId)
    .where("revoked_at", "is", null);
  if (where.sessionId) query = query.where("id", "=", where.sessionId);
  if (where.deviceId) query = query.where("device_id", "=", where.deviceId);
  if (where.exceptSessionId) query = query.where("id", "!=", where.exceptSessionId);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}
