import {
  AcceptedResponse,
  ChangePasswordRequest,
  ConfrereError,
  ErrorCode,
  Ok,
  PasswordResetCompleteRequest,
  PasswordResetRequest,
  PasswordResetWebAuthnOptionsRequest,
  WebAuthnOptionsResponse,
} from "@confrere/protocol";
import { consumeEmailToken, findEmailToken, issueEmailToken } from "../accounts/email-tokens.ts";
import { availableMethods } from "../accounts/login.ts";
import { hashPassword, verifyPassword } from "../accounts/password-hash.ts";
import { assertAcceptablePassword } from "../accounts/password-policy.ts";
import { useRecoveryCode } from "../accounts/recovery-codes.ts";
import { revokeSessions } from "../accounts/sessions.ts";
import type { ThrottleKey } from "../accounts/throttle.ts";
import { verifyUserTotp } from "../accounts/totp.ts";
import { normalizeEmail } from "../accounts/users.ts";
import { passkeyAuthenticationOptions, verifyPasskey } from "../accounts/webauthn.ts";
import { HOUR } from "../clock.ts";
import type { AppContext } from "../context.ts";
import type { App } from "../http/app.ts";
import { authorize } from "../http/auth-guard.ts";
import { passwordChangedMessage, passwordResetMessage } from "../mail/templates.ts";
import { API, authRateLimit, errorResponses } from "./index.ts";

const RESET_TTL_MS = HOUR;

export function passwordRoutes(app: App, ctx: AppContext): void {
  app.post(
    `${API}/me/password`,
    {
      config: authRateLimit(ctx),
      schema: {
        summary: "Change my password; my other sessions are closed",
        tags: ["accounts"],
        security: [{ session: [] }],
        body: ChangePasswordRequest,
        response: { 200: Ok, ...errorResponses },
      },
    },
    async (request) => {
      const { user, session } = (await authorize(ctx, request, "user"))!;
      const keys: ThrottleKey[] = [`account:${user.email}`];
      await ctx.throttle.assertAllowed(keys, "changePassword");
      if (!(await verifyPassword(user.password_hash, request.body.currentPassword))) {
        await ctx.throttle.recordFailure(keys);
        throw new ConfrereError(
          ErrorCode.AUTH_INVALID_CREDENTIALS,
          401,
          "changePassword: the current password is wrong",
        );
      }
      await assertAcceptablePassword(request.body.newPassword, "changePassword");
      const now = ctx.clock.now();
      await ctx.db
        .updateTable("users")
        .set({ password_hash: await hashPassword(request.body.newPassword), updated_at: now })
        .where("id", "=", user.id)
        .execute();
      await revokeSessions(ctx.db, now, { userId: user.id, exceptSessionId: session.id });
      await ctx.audit.record({
        action: "password.changed",
        actorId: user.id,
        targetType: "user",
        targetId: user.id,
        ip: request.ip,
        deviceId: session.device_id,
      });
      await ctx.mailer.send(passwordChangedMessage(user.email));
      return { ok: true as const };
    },
  );

  app.post(
    `${API}/auth/password-reset`,
    {
      config: authRateLimit(ctx),
      schema: {
        summary: "E-mail a password reset link (same answer whether the address is known or not)",
        tags: ["accounts"],
        body: PasswordResetRequest,
        response: { 202: AcceptedResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const email = normalizeEmail(request.body.email);
      const user = await ctx.db
        .selectFrom("users")
        .select(["id", "email_verified_at"])
        .where("email", "=", email)
        .executeTakeFirst();
      if (user && user.email_verified_at !== null) {
        const token = await issueEmailToken(ctx.db, {
          purpose: "password_reset",
          userId: user.id,
          now: ctx.clock.now(),
          ttlMs: RESET_TTL_MS,
        });
        await ctx.mailer.send(
          passwordResetMessage(email, `${ctx.config.publicUrl}/nouveau-mot-de-passe?token=${token}`),
        );
        await ctx.audit.record({
          action: "password.reset_requested",
          actorId: user.id,
          targetType: "user",
          targetId: user.id,
          ip: request.ip,
        });
      }
      return reply.status(202).send({ status: "accepted" });
    },
  );

  app.post(
    `${API}/auth/password-reset/webauthn/options`,
    {
      config: authRateLimit(ctx),
      schema: {
        summary: "Passkey options to prove the second factor during a password reset",
        tags: ["accounts"],
        body: PasswordResetWebAuthnOptionsRequest,
        response: { 200: WebAuthnOptionsResponse, ...errorResponses },
      },
    },
    async (request) => {
      const row = await findEmailToken(
        ctx.db,
        request.body.token,
        "password_reset",
        ctx.clock.now(),
        "resetPassword",
      );
      const options = await passkeyAuthenticationOptions(ctx, row.user_id!);
      await ctx.db
        .updateTable("email_tokens")
        .set({ webauthn_challenge: options.challenge })
        .where("id", "=", row.id)
        .execute();
      return { options: options as unknown as Record<string, unknown> };
    },
  );

  app.post(
    `${API}/auth/password-reset/complete`,
    {
      config: authRateLimit(ctx),
      schema: {
        summary: "Set a new password with the e-mailed token and a second factor; every session is closed",
        tags: ["accounts"],
        body: PasswordResetCompleteRequest,
        response: { 200: Ok, ...errorResponses },
      },
    },
    async (request) => {
      const now = ctx.clock.now();
      const row = await findEmailToken(ctx.db, request.body.token, "password_reset", now, "resetPassword");
      const userId = row.user_id!;
      const keys: ThrottleKey[] = [`reset:${userId}`, ...(request.ip ? [`ip:${request.ip}` as const] : [])];
      await ctx.throttle.assertAllowed(keys, "resetPassword");
      await assertAcceptablePassword(request.body.newPassword, "resetPassword");
      // A mailbox alone must not open the account: the second factor is checked as at login.
      const methods = await availableMethods(ctx, userId);
      if (methods.length > 0) {
        const { totpCode, recoveryCode, webauthn } = request.body;
        let passed = false;
        if (totpCode !== undefined) passed = await verifyUserTotp(ctx, userId, totpCode);
        else if (recoveryCode !== undefined) passed = await useRecoveryCode(ctx, userId, recoveryCode);
        else if (webauthn !== undefined) {
          passed = await verifyPasskey(ctx, userId, row.webauthn_challenge, webauthn, "resetPassword").then(
            () => true,
            () => false,
          );
        } else {
          throw new ConfrereError(
            ErrorCode.AUTH_SECOND_FACTOR_REQUIRED,
            400,
            `resetPassword: give your second factor (${methods.join(", ")})`,
            { methods },
          );
        }
        if (!passed) {
          await ctx.throttle.recordFailure(keys);
          throw new ConfrereError(
            ErrorCode.AUTH_SECOND_FACTOR_REQUIRED,
            401,
            "resetPassword: the second factor is wrong",
          );
        }
      }
      if (!(await consumeEmailToken(ctx.db, row.id, now))) {
        throw new ConfrereError(ErrorCode.TOKEN_INVALID, 400, "resetPassword: this link was already used");
      }
      await ctx.db
        .updateTable("users")
        .set({ password_hash: await hashPassword(request.body.newPassword), updated_at: now })
        .where("id", "=", userId)
        .execute();
      await revokeSessions(ctx.db, now, { userId });
      await ctx.throttle.clear(keys.filter((k) => !k.startsWith("ip:")));
      await ctx.audit.record({
        action: "password.reset_completed",
        actorId: userId,
        targetType: "user",
        targetId: userId,
        ip: request.ip,
      });
      const user = await ctx.db
        .selectFrom("users")
        .select("email")
        .where("id", "=", userId)
        .executeTakeFirstOrThrow();
      await ctx.mailer.send(passwordChangedMessage(user.email));
      return { ok: true as const };
    },
  );
}
