import {
  AccountResponse,
  ConfrereError,
  DeviceListResponse,
  ErrorCode,
  IdParams,
  Ok,
  RotateSessionResponse,
} from "@confrere/protocol";
import { revokeSessions, rotateSession } from "../accounts/sessions.ts";
import { hasSecondFactor, toAccount } from "../accounts/users.ts";
import type { AppContext } from "../context.ts";
import type { App } from "../http/app.ts";
import { authorize } from "../http/auth-guard.ts";
import { API, errorResponses } from "./index.ts";

const security = [{ session: [] }];

export function sessionRoutes(app: App, ctx: AppContext): void {
  app.get(
    `${API}/me`,
    {
      schema: {
        summary: "The signed-in account",
        tags: ["accounts"],
        security,
        response: { 200: AccountResponse, ...errorResponses },
      },
    },
    async (request) => {
      const auth = (await authorize(ctx, request, "enrolment"))!;
      return { account: toAccount(auth.user, await hasSecondFactor(ctx.db, auth.user.id)) };
    },
  );

  app.get(
    `${API}/me/devices`,
    {
      schema: {
        summary: "My devices and their open sessions",
        tags: ["sessions"],
        security,
        response: { 200: DeviceListResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user, session } = (await authorize(ctx, request, "user"))!;
      const now = ctx.clock.now();
      const devices = await ctx.db
        .selectFrom("devices")
        .selectAll()
        .where("user_id", "=", user.id)
        .where("revoked_at", "is", null)
        .orderBy("last_seen_at", "desc")
        .execute();
      const sessions = await ctx.db
        .selectFrom("sessions")
        .selectAll()
        .where("user_id", "=", user.id)
        .where("revoked_at", "is", null)
        .where("expires_at", ">", now)
        .execute();
      return {
        devices: devices.map((device) => ({
          id: device.id,
          name: device.name,
          createdAt: device.created_at,
          lastSeenAt: device.last_seen_at,
          isCurrent: device.id === session.device_id,
          sessions: sessions
            .filter((s) => s.device_id === device.id)
            .map((s) => ({
              id: s.id,
              createdAt: s.created_at,
              lastUsedAt: s.last_used_at,
              expiresAt: s.expires_at,
              scope: s.scope,
              ip: s.ip,
              isCurrent: s.id === session.id,
            })),
        })),
      };
    },
  );

  app.delete(
    `${API}/me/sessions/:id`,
    {
      schema: {
        summary: "Close one of my sessions",
        tags: ["sessions"],
        security,
        params: IdParams,
        response: { 200: Ok, ...errorResponses },
      },
    },
    async (request) => {
      const { user, session } = (await authorize(ctx, request, "user"))!;
      const count = await revokeSessions(ctx.db, ctx.clock.now(), {
        userId: user.id,
        sessionId: request.params.id,
      });
      if (count === 0)
        throw new ConfrereError(ErrorCode.NOT_FOUND, 404, "revokeSession: no such open session");
      await ctx.audit.record({
        action: "auth.session_revoked",
        actorId: user.id,
        targetType: "session",
        targetId: request.params.id,
        ip: request.ip,
        deviceId: session.device_id,
      });
      return { ok: true as const };
    },
  );

  app.delete(
    `${API}/me/devices/:id`,
    {
      schema: {
        summary: "Revoke one of my devices and close all its sessions",
        tags: ["sessions"],
        security,
        params: IdParams,
        response: { 200: Ok, ...errorResponses },
      },
    },
    async (request) => {
      const { user, session } = (await authorize(ctx, request, "user"))!;
      const now = ctx.clock.now();
      const result = await ctx.db
        .updateTable("devices")
        .set({ revoked_at: now })
        .where("id", "=", request.params.id)
        .where("user_id", "=", user.id)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) {
        throw new ConfrereError(ErrorCode.NOT_FOUND, 404, "revokeDevice: no such device");
      }
      await revokeSessions(ctx.db, now, { userId: user.id, deviceId: request.params.id });
      await ctx.audit.record({
        action: "device.revoked",
        actorId: user.id,
        targetType: "device",
        targetId: request.params.id,
        ip: request.ip,
        deviceId: session.device_id,
      });
      return { ok: true as const };
    },
  );

  app.post(
    `${API}/auth/session/rotate`,
    {
      schema: {
        summary: "Swap my session token for a new one (the old one stops working)",
        tags: ["sessions"],
        security,
        response: { 200: RotateSessionResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user, session } = (await authorize(ctx, request, "enrolment"))!;
      const issued = await rotateSession(ctx, session);
      await ctx.audit.record({
        action: "auth.session_rotated",
        actorId: user.id,
        targetType: "session",
        targetId: session.id,
        ip: request.ip,
        deviceId: session.device_id,
      });
      return { session: issued };
    },
  );

  app.post(
    `${API}/auth/logout`,
    {
      schema: {
        summary: "Close this session",
        tags: ["sessions"],
        security,
        response: { 200: Ok, ...errorResponses },
      },
    },
    async (request) => {
      const { user, session } = (await authorize(ctx, request, "enrolment"))!;
      await revokeSessions(ctx.db, ctx.clock.now(), { userId: user.id, sessionId: session.id });
      await ctx.audit.record({
        action: "auth.logout",
        actorId: user.id,
        targetType: "session",
        targetId: session.id,
        ip: request.ip,
        deviceId: session.device_id,
      });
      return { ok: true as const };
    },
  );

  app.post(
    `${API}/auth/logout-all`,
    {
      schema: {
        summary: "Close every session of my account, this one included",
        tags: ["sessions"],
        security,
        response: { 200: Ok, ...errorResponses },
      },
    },
    async (request) => {
      const { user, session } = (await authorize(ctx, request, "user"))!;
      const count = await revokeSessions(ctx.db, ctx.clock.now(), { userId: user.id });
      await ctx.audit.record({
        action: "auth.logout_all",
        actorId: user.id,
        targetType: "user",
        targetId: user.id,
        ip: request.ip,
        deviceId: session.device_id,
        detail: { sessions: count },
      });
      return { ok: true as const };
    },
  );
}
