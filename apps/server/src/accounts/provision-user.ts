import type { AppContext } from "../context.ts";
import { markIdentityVerified } from "../identity/professional-link.ts";
import { createUser } from "./create-user.ts";
import { newTotpSecret } from "./totp.ts";

export interface ProvisionedUser {
  userId: string;
  email: string;
  totpSecret: string;
}

/**
 * Creates an account ready to use, for operators' scripted set-ups (`confrere-server user create`),
 * the demo and tests: e-mail verified and a TOTP second factor already enrolled, whose secret is
 * returned once. Optionally an operator and/or professionally verified.
 */
export async function provisionUser(
  ctx: AppContext,
  input: { email: string; password: string; displayName: string; operator: boolean; verified: boolean },
): Promise<ProvisionedUser> {
  const role = input.operator ? "operator" : "user";
  const userId = await createUser(
    ctx,
    {
      email: input.email,
      password: input.password,
      displayName: input.displayName,
      role,
      emailVerified: true,
    },
    "user create",
  );
  const totpSecret = newTotpSecret();
  const now = ctx.clock.now();
  await ctx.db
    .insertInto("totp_credentials")
    .values({
      user_id: userId,
      secret_encrypted: ctx.secretBox.seal(totpSecret),
      confirmed_at: now,
      last_used_step: null,
      created_at: now,
    })
    .execute();
  await ctx.audit.record({
    action: "account.created_by_operator",
    targetType: "user",
    targetId: userId,
    detail: { role, via: "cli" },
  });
  if (input.verified) await markIdentityVerified(ctx, userId, { actorId: null, method: "cli" });
  return { userId, email: input.email.trim().toLowerCase(), totpSecret };
}
