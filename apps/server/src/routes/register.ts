import {
  AcceptedResponse,
  AccountResponse,
  ConfrereError,
  ErrorCode,
  RegisterRequest,
  RegisterResponse,
  ResendVerificationRequest,
  VerifyEmailRequest,
} from "@confrere/protocol";
import { createUser } from "../accounts/create-user.ts";
import { consumeEmailToken, findEmailToken, issueEmailToken } from "../accounts/email-tokens.ts";
import { assertAcceptablePassword } from "../accounts/password-policy.ts";
import { hasSecondFactor, normalizeEmail, toAccount } from "../accounts/users.ts";
import { DAY } from "../clock.ts";
import type { AppContext } from "../context.ts";
import type { App } from "../http/app.ts";
import { alreadyRegisteredMessage, verifyEmailMessage } from "../mail/templates.ts";
import { API, authRateLimit, errorResponses } from "./index.ts";

const VERIFY_EMAIL_TTL_MS = 2 * DAY;

export async function sendVerificationEmail(ctx: AppContext, userId: string, email: string): Promise<void> {
  const token = await issueEmailToken(ctx.db, {
    purpose: "verify_email",
    userId,
    now: ctx.clock.now(),
    ttlMs: VERIFY_EMAIL_TTL_MS,
  });
  await ctx.mailer.send(verifyEmailMessage(email, `${ctx.config.publicUrl}/verifier-email?token=${token}`));
}

export function registerRoutes(app: App, ctx: AppContext): void {
  app.post(
    `${API}/auth/register`,
    {
      config: authRateLimit(ctx),
      schema: {
        summary: "Create an account with e-mail and password; a verification link is e-mailed",
        tags: ["accounts"],
        body: RegisterRequest,
        response: { 202: RegisterResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const email = normalizeEmail(request.body.email);
      await assertAcceptablePassword(request.body.password, "register");
      const existing = await ctx.db
        .selectFrom("users")
        .select("id")
        .where("email", "=", email)
        .executeTakeFirst();
      if (existing) {
        await ctx.mailer.send(
          alreadyRegisteredMessage(
            email,
            `${ctx.config.publicUrl}/connexion`,
            `${ctx.config.publicUrl}/mot-de-passe-oublie`,
          ),
        );
        return reply.status(202).send({ status: "verification_sent" });
      }
      let id: string;
      try {
        id = await createUser(
          ctx,
          {
            email,
            password: request.body.password,
            displayName: request.body.displayName,
            role: "user",
            emailVerified: false,
          },
          "register",
        );
      } catch (error) {
        // Lost a race with a registration of the same address: answer as for an existing account.
        if (error instanceof ConfrereError && error.code === ErrorCode.ACCOUNT_EMAIL_TAKEN) {
          return reply.status(202).send({ status: "verification_sent" });
        }
        throw error;
      }
      await ctx.audit.record({
        action: "account.registered",
        actorId: id,
        targetType: "user",
        targetId: id,
        ip: request.ip,
      });
      await sendVerificationEmail(ctx, id, email);
      return reply.status(202).send({ status: "verification_sent" });
    },
  );

  app.post(
    `${API}/auth/verify-email`,
    {
      config: authRateLimit(ctx),
      schema: {
        summary: "Confirm an e-mail address with the token from the link",
        tags: ["accounts"],
        body: VerifyEmailRequest,
        response: { 200: AccountResponse, ...errorResponses },
      },
    },
    async (request) => {
      const now = ctx.clock.now();
      const row = await findEmailToken(ctx.db, request.body.token, "verify_email", now, "verifyEmail");
      if (!row.user_id || !(await consumeEmailToken(ctx.db, row.id, now))) {
        throw new ConfrereError(ErrorCode.TOKEN_INVALID, 400, "verifyEmail: this link was already used");
      }
      await ctx.db
        .updateTable("users")
        .set({ email_verified_at: now, updated_at: now })
        .where("id", "=", row.user_id)
        .where("email_verified_at", "is", null)
        .execute();
      await ctx.audit.record({
        action: "account.email_verified",
        actorId: row.user_id,
        targetType: "user",
        targetId: row.user_id,
        ip: request.ip,
      });
      const user = await ctx.db
        .selectFrom("users")
        .selectAll()
        .where("id", "=", row.user_id)
        .executeTakeFirstOrThrow();
      return { account: toAccount(user, await hasSecondFactor(ctx.db, user.id)) };
    },
  );

  app.post(
    `${API}/auth/resend-verification`,
    {
      config: authRateLimit(ctx),
      schema: {
        summary: "Send the verification link again (same answer whether the address is known or not)",
        tags: ["accounts"],
        body: ResendVerificationRequest,
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
      if (user && user.email_verified_at === null) await sendVerificationEmail(ctx, user.id, email);
      return reply.status(202).send({ status: "accepted" });
    },
  );
}
