import {
  AccountResponse,
  AdminUserListQuery,
  AdminUserListResponse,
  ConfrereError,
  ErrorCode,
  SetRoleRequest,
  SuspendRequest,
  UserIdParams,
  VerifyIdentityRequest,
} from "@confrere/protocol";
import { revokeSessions } from "../accounts/sessions.ts";
import { loadAccount, toAccount } from "../accounts/users.ts";
import type { AppContext } from "../context.ts";
import type { App } from "../http/app.ts";
import { authorize } from "../http/auth-guard.ts";
import { linkProfessional, markIdentityVerified } from "../identity/professional-link.ts";
import { API, errorResponses } from "./index.ts";

const security = [{ session: [] }];

async function userOrNotFound(ctx: AppContext, userId: string, operation: string) {
  const user = await ctx.db.selectFrom("users").selectAll().where("id", "=", userId).executeTakeFirst();
  if (!user) throw new ConfrereError(ErrorCode.NOT_FOUND, 404, `${operation}: no such user`);
  return user;
}

export function adminUserRoutes(app: App, ctx: AppContext): void {
  app.get(
    `${API}/admin/users`,
    {
      schema: {
        summary: "Find accounts by e-mail or name (operators)",
        tags: ["operators"],
        security,
        querystring: AdminUserListQuery,
        response: { 200: AdminUserListResponse, ...errorResponses },
      },
    },
    async (request) => {
      await authorize(ctx, request, "operator");
      const limit = Math.min(200, Math.max(1, Number(request.query.limit ?? 50)));
      let query = ctx.db.selectFrom("users").selectAll();
      const q = request.query.q?.trim().toLowerCase();
      if (q) {
        // LIKE metacharacters in the search text are matched literally.
        const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        query = query.where((eb) =>
          eb.or([
            eb("email", "like", eb.val(pattern)),
            eb(eb.fn("lower", ["display_name"]), "like", pattern),
          ]),
        );
      }
      const users = await query.orderBy("created_at", "desc").limit(limit).execute();
      const withFactor = new Set(
        (
          await ctx.db
            .selectFrom("totp_credentials")
            .select("user_id")
            .where("confirmed_at", "is not", null)
            .union(ctx.db.selectFrom("webauthn_credentials").select("user_id"))
            .execute()
        ).map((r) => r.user_id),
      );
      return { users: users.map((u) => toAccount(u, withFactor.has(u.id))) };
    },
  );

  app.post(
    `${API}/admin/users/:userId/role`,
    {
      schema: {
        summary: "Make an account an operator, or a plain user again (operators)",
        tags: ["operators"],
        security,
        params: UserIdParams,
        body: SetRoleRequest,
        response: { 200: AccountResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user: operator, session } = (await authorize(ctx, request, "operator"))!;
      const target = await userOrNotFound(ctx, request.params.userId, "setRole");
      if (target.role === "operator" && request.body.role !== "operator") {
        const operators = await ctx.db
          .selectFrom("users")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .where("role", "=", "operator")
          .where("suspended_at", "is", null)
          .executeTakeFirstOrThrow();
        if (Number(operators.n) <= 1) {
          throw new ConfrereError(
            ErrorCode.CONFLICT,
            409,
            "setRole: this is the last operator; name another one first",
          );
        }
      }
      await ctx.db
        .updateTable("users")
        .set({ role: request.body.role, updated_at: ctx.clock.now() })
        .where("id", "=", target.id)
        .execute();
      await ctx.audit.record({
        action: "account.role_changed",
        actorId: operator.id,
        targetType: "user",
        targetId: target.id,
        ip: request.ip,
        deviceId: session.device_id,
        detail: { from: target.role, to: request.body.role },
      });
      return { account: await loadAccount(ctx.db, target.id) };
    },
  );

  app.post(
    `${API}/admin/users/:userId/verify-identity`,
    {
      schema: {
        summary: "Mark the professional identity as verified (operators)",
        tags: ["operators"],
        security,
        params: UserIdParams,
        body: VerifyIdentityRequest,
        response: { 200: AccountResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user: operator, session } = (await authorize(ctx, request, "operator"))!;
      const target = await userOrNotFound(ctx, request.params.userId, "verifyIdentity");
      const by = {
        actorId: operator.id,
        ip: request.ip,
        deviceId: session.device_id,
        method: "operator",
      } as const;
      if (request.body.nationalId !== undefined) {
        await linkProfessional(ctx, target.id, request.body.nationalId, by);
      } else {
        await markIdentityVerified(ctx, target.id, by);
      }
      return { account: await loadAccount(ctx.db, target.id) };
    },
  );

  app.post(
    `${API}/admin/users/:userId/suspend`,
    {
      schema: {
        summary: "Suspend an account and close its sessions (operators)",
        tags: ["operators"],
        security,
        params: UserIdParams,
        body: SuspendRequest,
        response: { 200: AccountResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user: operator, session } = (await authorize(ctx, request, "operator"))!;
      const target = await userOrNotFound(ctx, request.params.userId, "suspend");
      if (target.id === operator.id) {
        throw new ConfrereError(
          ErrorCode.FORBIDDEN,
          403,
          "suspend: an operator cannot suspend their own account",
        );
      }
      const now = ctx.clock.now();
      await ctx.db
        .updateTable("users")
        .set({ suspended_at: now, suspended_reason: request.body.reason, updated_at: now })
        .where("id", "=", target.id)
        .execute();
      await revokeSessions(ctx.db, now, { userId: target.id });
      await ctx.audit.record({
        action: "account.suspended",
        actorId: operator.id,
        targetType: "user",
        targetId: target.id,
        ip: request.ip,
        deviceId: session.device_id,
      });
      return { account: await loadAccount(ctx.db, target.id) };
    },
  );

  app.post(
    `${API}/admin/users/:userId/unsuspend`,
    {
      schema: {
        summary: "Lift a suspension (operators)",
        tags: ["operators"],
        security,
        params: UserIdParams,
        response: { 200: AccountResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user: operator, session } = (await authorize(ctx, request, "operator"))!;
      const target = await userOrNotFound(ctx, request.params.userId, "unsuspend");
      await ctx.db
        .updateTable("users")
        .set({ suspended_at: null, suspended_reason: null, updated_at: ctx.clock.now() })
        .where("id", "=", target.id)
        .execute();
      await ctx.audit.record({
        action: "account.unsuspended",
        actorId: operator.id,
        targetType: "user",
        targetId: target.id,
        ip: request.ip,
        deviceId: session.device_id,
      });
      return { account: await loadAccount(ctx.db, target.id) };
    },
  );
}
