import { ConfrereError, ErrorCode, Ok, SetupOperatorRequest, SetupStatusResponse } from "@confrere/protocol";
import { createUser } from "../accounts/create-user.ts";
import { consumeEmailToken, findEmailToken, issueEmailToken } from "../accounts/email-tokens.ts";
import { assertAcceptablePassword } from "../accounts/password-policy.ts";
import { DAY } from "../clock.ts";
import type { AppContext } from "../context.ts";
import type { App } from "../http/app.ts";
import { API, authRateLimit, errorResponses } from "./index.ts";

export async function hasOperator(ctx: AppContext): Promise<boolean> {
  const row = await ctx.db.selectFrom("users").select("id").where("role", "=", "operator").executeTakeFirst();
  return row !== undefined;
}

/**
 * On a fresh installation, a one-time link to create the first operator, printed on the console
 * (whoever reads the server's console owns the installation). A new link replaces the previous one.
 */
export async function issueSetupLink(ctx: AppContext): Promise<string | null> {
  if (await hasOperator(ctx)) return null;
  const token = await issueEmailToken(ctx.db, {
    purpose: "setup",
    userId: null,
    now: ctx.clock.now(),
    ttlMs: DAY,
  });
  return `${ctx.config.publicUrl}/installation?token=${token}`;
}

export function setupRoutes(app: App, ctx: AppContext): void {
  app.get(
    `${API}/setup`,
    {
      schema: {
        summary: "Does this installation still need its first operator?",
        tags: ["setup"],
        response: { 200: SetupStatusResponse, ...errorResponses },
      },
    },
    async () => ({ needsFirstOperator: !(await hasOperator(ctx)) }),
  );

  app.post(
    `${API}/setup/operator`,
    {
      config: authRateLimit(ctx),
      schema: {
        summary: "Create the first operator with the one-time link printed at first start",
        tags: ["setup"],
        body: SetupOperatorRequest,
        response: { 201: Ok, ...errorResponses },
      },
    },
    async (request, reply) => {
      const now = ctx.clock.now();
      if (await hasOperator(ctx)) {
        throw new ConfrereError(
          ErrorCode.SETUP_ALREADY_DONE,
          409,
          "setup: the first operator already exists; log in",
        );
      }
      const row = await findEmailToken(ctx.db, request.body.token, "setup", now, "setup");
      // Check what can be refused before the one-time link is used up.
      await assertAcceptablePassword(request.body.password, "setup");
      if (!(await consumeEmailToken(ctx.db, row.id, now))) {
        throw new ConfrereError(ErrorCode.TOKEN_INVALID, 400, "setup: this link was already used");
      }
      // The link was printed on the server's console: opening it proves control of the installation,
      // so the address counts as verified. The operator still enrols a second factor at first login.
      const id = await createUser(
        ctx,
        {
          email: request.body.email,
          password: request.body.password,
          displayName: request.body.displayName,
          role: "operator",
          emailVerified: true,
        },
        "setup",
      );
      await ctx.audit.record({
        action: "setup.first_operator_created",
        actorId: id,
        targetType: "user",
        targetId: id,
        ip: request.ip,
      });
      return reply.status(201).send({ ok: true as const });
    },
  );
}
