import {
  ConfrereError,
  ErrorCode,
  IdParams,
  Ok,
  RecoveryCodesResponse,
  SecondFactorEnrolledResponse,
  SecondFactorsResponse,
  TotpConfirmRequest,
  TotpSetupResponse,
  WebAuthnOptionsResponse,
  WebAuthnRegisterRequest,
  WebAuthnRegistrationOptionsRequest,
} from "@confrere/protocol";
import { generateRecoveryCodes, remainingRecoveryCodes } from "../accounts/recovery-codes.ts";
import type { Authenticated } from "../accounts/sessions.ts";
import { matchTotpStep, newTotpSecret, totpEnrolment } from "../accounts/totp.ts";
import { hasSecondFactor } from "../accounts/users.ts";
import { passkeyRegistrationOptions, registerPasskey } from "../accounts/webauthn.ts";
import { DAY } from "../clock.ts";
import type { AppContext } from "../context.ts";
import type { App } from "../http/app.ts";
import { authorize } from "../http/auth-guard.ts";
import { API, errorResponses } from "./index.ts";

const security = [{ session: [] }];

/**
 * After the first second factor is enrolled: recovery codes are issued once, and the session that
 * was only allowed to enrol becomes a full one (the user just proved both factors).
 */
async function afterEnrolment(ctx: AppContext, auth: Authenticated, wasFirst: boolean) {
  if (!wasFirst) return {};
  const now = ctx.clock.now();
  const recoveryCodes = await generateRecoveryCodes(ctx.db, auth.user.id, now);
  await ctx.audit.record({
    action: "second_factor.recovery_codes_generated",
    actorId: auth.user.id,
    targetType: "user",
    targetId: auth.user.id,
    deviceId: auth.session.device_id,
  });
  if (auth.session.scope === "enrolment") {
    await ctx.db
      .updateTable("sessions")
      .set({ scope: "full", expires_at: now + ctx.config.sessionTtlDays * DAY })
      .where("id", "=", auth.session.id)
      .execute();
  }
  return { recoveryCodes };
}

async function assertNotLast(
  ctx: AppContext,
  userId: string,
  removing: "totp" | "passkey",
  operation: string,
) {
  const totp = await ctx.db
    .selectFrom("totp_credentials")
    .select("user_id")
    .where("user_id", "=", userId)
    .where("confirmed_at", "is not", null)
    .executeTakeFirst();
  const passkeys = await ctx.db
    .selectFrom("webauthn_credentials")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("user_id", "=", userId)
    .executeTakeFirstOrThrow();
  const remaining =
    (totp && removing !== "totp" ? 1 : 0) + Number(passkeys.n) - (removing === "passkey" ? 1 : 0);
  if (remaining <= 0) {
    throw new ConfrereError(
      ErrorCode.AUTH_LAST_SECOND_FACTOR,
      409,
      `${operation}: a second factor is mandatory; add another one before removing this one`,
    );
  }
}

export function secondFactorRoutes(app: App, ctx: AppContext): void {
  app.get(
    `${API}/me/second-factors`,
    {
      schema: {
        summary: "My second factors",
        tags: ["second factors"],
        security,
        response: { 200: SecondFactorsResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = (await authorize(ctx, request, "enrolment"))!;
      const totp = await ctx.db
        .selectFrom("totp_credentials")
        .select("user_id")
        .where("user_id", "=", user.id)
        .where("confirmed_at", "is not", null)
        .executeTakeFirst();
      const passkeys = await ctx.db
        .selectFrom("webauthn_credentials")
        .select(["id", "name", "created_at"])
        .where("user_id", "=", user.id)
        .orderBy("created_at")
        .execute();
      return {
        totp: totp !== undefined,
        passkeys: passkeys.map((p) => ({ id: p.id, name: p.name, createdAt: p.created_at })),
        recoveryCodesRemaining: await remainingRecoveryCodes(ctx.db, user.id),
      };
    },
  );

  app.post(
    `${API}/me/second-factors/totp`,
    {
      schema: {
        summary: "Start enrolling an authenticator app (TOTP): returns the secret, otpauth URI and QR code",
        tags: ["second factors"],
        security,
        response: { 200: TotpSetupResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = (await authorize(ctx, request, "enrolment"))!;
      const existing = await ctx.db
        .selectFrom("totp_credentials")
        .select("confirmed_at")
        .where("user_id", "=", user.id)
        .executeTakeFirst();
      if (existing?.confirmed_at) {
        throw new ConfrereError(
          ErrorCode.CONFLICT,
          409,
          "enrolTotp: an authenticator app is already set up; remove it first to replace it",
        );
      }
      const secret = newTotpSecret();
      const sealed = ctx.secretBox.seal(secret);
      const now = ctx.clock.now();
      await ctx.db
        .insertInto("totp_credentials")
        .values({
          user_id: user.id,
          secret_encrypted: sealed,
          confirmed_at: null,
          last_used_step: null,
          created_at: now,
        })
        .onConflict((oc) => oc.column("user_id").doUpdateSet({ secret_encrypted: sealed, created_at: now }))
        .execute();
      return totpEnrolment(secret, user.email);
    },
  );

  app.post(
    `${API}/me/second-factors/totp/confirm`,
    {
      schema: {
        summary:
          "Finish enrolling the authenticator app with a first code; the first factor also returns recovery codes",
        tags: ["second factors"],
        security,
        body: TotpConfirmRequest,
        response: { 200: SecondFactorEnrolledResponse, ...errorResponses },
      },
    },
    async (request) => {
      const auth = (await authorize(ctx, request, "enrolment"))!;
      const { user } = auth;
      await ctx.throttle.assertAllowed([`totp:${user.id}`], "confirmTotp");
      const pending = await ctx.db
        .selectFrom("totp_credentials")
        .selectAll()
        .where("user_id", "=", user.id)
        .where("confirmed_at", "is", null)
        .executeTakeFirst();
      if (!pending) {
        throw new ConfrereError(
          ErrorCode.AUTH_TOTP_NOT_PENDING,
          409,
          "confirmTotp: start the enrolment first",
        );
      }
      const step = matchTotpStep(
        ctx.secretBox.open(pending.secret_encrypted),
        request.body.code,
        ctx.clock.now(),
      );
      if (step === null) {
        await ctx.throttle.recordFailure([`totp:${user.id}`]);
        throw new ConfrereError(
          ErrorCode.AUTH_TOTP_INVALID,
          400,
          "confirmTotp: the code does not match; check the phone's time and type the current code",
        );
      }
      const wasFirst = !(await hasSecondFactor(ctx.db, user.id));
      await ctx.db
        .updateTable("totp_credentials")
        .set({ confirmed_at: ctx.clock.now(), last_used_step: step })
        .where("user_id", "=", user.id)
        .execute();
      await ctx.audit.record({
        action: "second_factor.totp_enrolled",
        actorId: user.id,
        targetType: "user",
        targetId: user.id,
        ip: request.ip,
        deviceId: auth.session.device_id,
      });
      return afterEnrolment(ctx, auth, wasFirst);
    },
  );

  app.delete(
    `${API}/me/second-factors/totp`,
    {
      schema: {
        summary: "Remove the authenticator app (another second factor must remain)",
        tags: ["second factors"],
        security,
        response: { 200: Ok, ...errorResponses },
      },
    },
    async (request) => {
      const { user, session } = (await authorize(ctx, request, "user"))!;
      await assertNotLast(ctx, user.id, "totp", "removeTotp");
      await ctx.db.deleteFrom("totp_credentials").where("user_id", "=", user.id).execute();
      await ctx.audit.record({
        action: "second_factor.totp_removed",
        actorId: user.id,
        targetType: "user",
        targetId: user.id,
        ip: request.ip,
        deviceId: session.device_id,
      });
      return { ok: true as const };
    },
  );

  app.post(
    `${API}/me/second-factors/webauthn/options`,
    {
      schema: {
        summary: "Start adding a passkey: returns the creation options",
        tags: ["second factors"],
        security,
        body: WebAuthnRegistrationOptionsRequest,
        response: { 200: WebAuthnOptionsResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user, session } = (await authorize(ctx, request, "enrolment"))!;
      const options = await passkeyRegistrationOptions(ctx, user);
      await ctx.db
        .updateTable("sessions")
        .set({ webauthn_challenge: options.challenge })
        .where("id", "=", session.id)
        .execute();
      return { options: options as unknown as Record<string, unknown> };
    },
  );

  app.post(
    `${API}/me/second-factors/webauthn`,
    {
      schema: {
        summary: "Finish adding a passkey; the first factor also returns recovery codes",
        tags: ["second factors"],
        security,
        body: WebAuthnRegisterRequest,
        response: { 200: SecondFactorEnrolledResponse, ...errorResponses },
      },
    },
    async (request) => {
      const auth = (await authorize(ctx, request, "enrolment"))!;
      const wasFirst = !(await hasSecondFactor(ctx.db, auth.user.id));
      // The challenge is single-use whatever the outcome.
      await ctx.db
        .updateTable("sessions")
        .set({ webauthn_challenge: null })
        .where("id", "=", auth.session.id)
        .execute();
      const id = await registerPasskey(
        ctx,
        auth.user,
        auth.session.webauthn_challenge,
        request.body.response,
        request.body.name ?? "Clé d'accès",
      );
      await ctx.audit.record({
        action: "second_factor.passkey_added",
        actorId: auth.user.id,
        targetType: "passkey",
        targetId: id,
        ip: request.ip,
        deviceId: auth.session.device_id,
      });
      return afterEnrolment(ctx, auth, wasFirst);
    },
  );

  app.delete(
    `${API}/me/second-factors/webauthn/:id`,
    {
      schema: {
        summary: "Remove a passkey (another second factor must remain)",
        tags: ["second factors"],
        security,
        params: IdParams,
        response: { 200: Ok, ...errorResponses },
      },
    },
    async (request) => {
      const { user, session } = (await authorize(ctx, request, "user"))!;
      const passkey = await ctx.db
        .selectFrom("webauthn_credentials")
        .select("id")
        .where("id", "=", request.params.id)
        .where("user_id", "=", user.id)
        .executeTakeFirst();
      if (!passkey) throw new ConfrereError(ErrorCode.NOT_FOUND, 404, "removePasskey: no such passkey");
      await assertNotLast(ctx, user.id, "passkey", "removePasskey");
      await ctx.db.deleteFrom("webauthn_credentials").where("id", "=", passkey.id).execute();
      await ctx.audit.record({
        action: "second_factor.passkey_removed",
        actorId: user.id,
        targetType: "passkey",
        targetId: passkey.id,
        ip: request.ip,
        deviceId: session.device_id,
      });
      return { ok: true as const };
    },
  );

  app.post(
    `${API}/me/recovery-codes`,
    {
      schema: {
        summary: "Replace my recovery codes by ten new ones (the old ones stop working)",
        tags: ["second factors"],
        security,
        response: { 200: RecoveryCodesResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user, session } = (await authorize(ctx, request, "user"))!;
      const recoveryCodes = await generateRecoveryCodes(ctx.db, user.id, ctx.clock.now());
      await ctx.audit.record({
        action: "second_factor.recovery_codes_generated",
        actorId: user.id,
        targetType: "user",
        targetId: user.id,
        ip: request.ip,
        deviceId: session.device_id,
      });
      return { recoveryCodes };
    },
  );
}
