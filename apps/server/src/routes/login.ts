import {
  ConfrereError,
  ErrorCode,
  LoginCompleteResponse,
  LoginRecoveryCodeRequest,
  LoginRequest,
  LoginResponse,
  LoginTotpRequest,
  LoginWebAuthnOptionsRequest,
  LoginWebAuthnRequest,
  WebAuthnOptionsResponse,
} from "@confrere/protocol";
import {
  availableMethods,
  completeLogin,
  failSecondFactor,
  findLoginChallenge,
  loginThrottleKeys,
  openLoginChallenge,
  secondFactorThrottleKeys,
} from "../accounts/login.ts";
import { burnPasswordCheck, verifyPassword } from "../accounts/password-hash.ts";
import { useRecoveryCode } from "../accounts/recovery-codes.ts";
import { openSession } from "../accounts/sessions.ts";
import { verifyUserTotp } from "../accounts/totp.ts";
import { normalizeEmail } from "../accounts/users.ts";
import { passkeyAuthenticationOptions, verifyPasskey } from "../accounts/webauthn.ts";
import type { AppContext } from "../context.ts";
import type { App } from "../http/app.ts";
import { API, authRateLimit, errorResponses } from "./index.ts";

const invalidCredentials = () =>
  new ConfrereError(ErrorCode.AUTH_INVALID_CREDENTIALS, 401, "login: the e-mail or the password is wrong");

export function loginRoutes(app: App, ctx: AppContext): void {
  app.post(
    `${API}/auth/login`,
    {
      config: authRateLimit(ctx),
      schema: {
        summary: "Check e-mail and password; then a second factor is asked for (or must be enrolled)",
        tags: ["auth"],
        body: LoginRequest,
        response: { 200: LoginResponse, ...errorResponses },
      },
    },
    async (request) => {
      const email = normalizeEmail(request.body.email);
      const keys = loginThrottleKeys(email, request.ip);
      await ctx.throttle.assertAllowed(keys, "login");
      const user = await ctx.db.selectFrom("users").selectAll().where("email", "=", email).executeTakeFirst();
      if (!user) {
        await burnPasswordCheck(request.body.password);
        await ctx.throttle.recordFailure(keys);
        await ctx.audit.record({
          action: "auth.login_failed",
          ip: request.ip,
          detail: { reason: "unknown_account" },
        });
        throw invalidCredentials();
      }
      if (!(await verifyPassword(user.password_hash, request.body.password))) {
        await ctx.throttle.recordFailure(keys);
        await ctx.audit.record({
          action: "auth.login_failed",
          actorId: user.id,
          targetType: "user",
          targetId: user.id,
          ip: request.ip,
          detail: { reason: "wrong_password" },
        });
        throw invalidCredentials();
      }
      await ctx.throttle.clear([`account:${email}`]);
      if (user.suspended_at !== null) {
        throw new ConfrereError(
          ErrorCode.AUTH_ACCOUNT_SUSPENDED,
          403,
          "login: this account is suspended; contact support",
        );
      }
      if (user.email_verified_at === null) {
        throw new ConfrereError(
          ErrorCode.AUTH_EMAIL_UNVERIFIED,
          403,
          "login: confirm your e-mail address first with the link we sent (or ask for a new one)",
        );
      }
      const methods = await availableMethods(ctx, user.id);
      if (!methods.includes("totp") && !methods.includes("webauthn")) {
        const session = await openSession(ctx, ctx.db, {
          userId: user.id,
          deviceName: request.body.deviceName,
          scope: "enrolment",
          ip: request.ip,
        });
        return { status: "second_factor_enrolment_required" as const, session };
      }
      const challenge = await openLoginChallenge(ctx, {
        userId: user.id,
        deviceName: request.body.deviceName,
        ip: request.ip,
      });
      return { status: "second_factor_required" as const, methods, ...challenge };
    },
  );

  app.post(
    `${API}/auth/login/totp`,
    {
      config: authRateLimit(ctx),
      schema: {
        summary: "Second step of login with a TOTP code",
        tags: ["auth"],
        body: LoginTotpRequest,
        response: { 200: LoginCompleteResponse, ...errorResponses },
      },
    },
    async (request) => {
      const challenge = await findLoginChallenge(ctx, request.body.challengeToken, "loginTotp");
      await ctx.throttle.assertAllowed(secondFactorThrottleKeys(challenge.user_id, request.ip), "loginTotp");
      if (!(await verifyUserTotp(ctx, challenge.user_id, request.body.code))) {
        await failSecondFactor(
          ctx,
          challenge.user_id,
          request.ip,
          "totp",
          new ConfrereError(
            ErrorCode.AUTH_TOTP_INVALID,
            401,
            "loginTotp: the code is wrong or was already used; wait for the next one",
          ),
        );
      }
      return {
        status: "complete" as const,
        session: await completeLogin(ctx, challenge, "totp", request.ip),
      };
    },
  );

  app.post(
    `${API}/auth/login/recovery-code`,
    {
      config: authRateLimit(ctx),
      schema: {
        summary: "Second step of login with a one-time recovery code",
        tags: ["auth"],
        body: LoginRecoveryCodeRequest,
        response: { 200: LoginCompleteResponse, ...errorResponses },
      },
    },
    async (request) => {
      const challenge = await findLoginChallenge(ctx, request.body.challengeToken, "loginRecoveryCode");
      await ctx.throttle.assertAllowed(
        secondFactorThrottleKeys(challenge.user_id, request.ip),
        "loginRecoveryCode",
      );
      if (!(await useRecoveryCode(ctx, challenge.user_id, request.body.code))) {
        await failSecondFactor(
          ctx,
          challenge.user_id,
          request.ip,
          "recovery_code",
          new ConfrereError(
            ErrorCode.AUTH_RECOVERY_CODE_INVALID,
            401,
            "loginRecoveryCode: this code is wrong or was already used",
          ),
        );
      }
      await ctx.audit.record({
        action: "second_factor.recovery_code_used",
        actorId: challenge.user_id,
        targetType: "user",
        targetId: challenge.user_id,
        ip: request.ip,
      });
      return {
        status: "complete" as const,
        session: await completeLogin(ctx, challenge, "recovery_code", request.ip),
      };
    },
  );

  app.post(
    `${API}/auth/login/webauthn/options`,
    {
      config: authRateLimit(ctx),
      schema: {
        summary: "Second step of login with a passkey: get the assertion options",
        tags: ["auth"],
        body: LoginWebAuthnOptionsRequest,
        response: { 200: WebAuthnOptionsResponse, ...errorResponses },
      },
    },
    async (request) => {
      const challenge = await findLoginChallenge(ctx, request.body.challengeToken, "loginPasskeyOptions");
      const options = await passkeyAuthenticationOptions(ctx, challenge.user_id);
      await ctx.db
        .updateTable("login_challenges")
        .set({ webauthn_challenge: options.challenge })
        .where("id", "=", challenge.id)
        .execute();
      return { options: options as unknown as Record<string, unknown> };
    },
  );

  app.post(
    `${API}/auth/login/webauthn`,
    {
      config: authRateLimit(ctx),
      schema: {
        summary: "Second step of login with a passkey: send the assertion",
        tags: ["auth"],
        body: LoginWebAuthnRequest,
        response: { 200: LoginCompleteResponse, ...errorResponses },
      },
    },
    async (request) => {
      const challenge = await findLoginChallenge(ctx, request.body.challengeToken, "loginPasskey");
      await ctx.throttle.assertAllowed(
        secondFactorThrottleKeys(challenge.user_id, request.ip),
        "loginPasskey",
      );
      try {
        await verifyPasskey(
          ctx,
          challenge.user_id,
          challenge.webauthn_challenge,
          request.body.response,
          "loginPasskey",
        );
      } catch (error) {
        if (error instanceof ConfrereError && error.code === ErrorCode.AUTH_WEBAUTHN_FAILED) {
          await failSecondFactor(ctx, challenge.user_id, request.ip, "webauthn", error);
        }
        throw error;
      }
      return {
        status: "complete" as const,
        session: await completeLogin(ctx, challenge, "webauthn", request.ip),
      };
    },
  );
}
