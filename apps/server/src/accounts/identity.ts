import type { AppContext } from "../context.ts";

/**
 * Marks a professional identity as verified. Until the directory issue lands this is an operator's
 * act (or `confrere-server user create --verified`); later Pro Santé Connect and the review queue
 * call it too. Always audited, with the road it came by.
 */
export async function markIdentityVerified(
  ctx: AppContext,
  userId: string,
  by: { actorId: string | null; ip?: string | null; deviceId?: string | null; method: "operator" | "cli" },
): Promise<void> {
  const now = ctx.clock.now();
  await ctx.db
    .updateTable("users")
    .set({ identity_verified_at: now, updated_at: now })
    .where("id", "=", userId)
    .where("identity_verified_at", "is", null)
    .execute();
  await ctx.audit.record({
    action: "account.identity_verified",
    actorId: by.actorId,
    targetType: "user",
    targetId: userId,
    ip: by.ip ?? null,
    deviceId: by.deviceId ?? null,
    detail: { method: by.method },
  });
}
