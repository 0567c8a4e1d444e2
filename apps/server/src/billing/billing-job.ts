import { HOUR } from "../clock.ts";
import type { AppContext } from "../context.ts";
import type { Job } from "../jobs/scheduler.ts";
import { currentSponsors } from "./sponsorship.ts";
import { ensureSubscription, reconcileSubscription } from "./subscriptions.ts";

const PAGE = 500;

export interface BillingCycleSummary {
  /** Trials started for newly verified professionals. */
  started: number;
  /** Subscriptions looked at. */
  examined: number;
}

/**
 * Moves every subscription with time: starts the trial of newly verified professionals, sends
 * trial and grace reminders, moves trialing/active to past_due and past_due to lapsed, and follows
 * seats as periods begin and end. Idempotent: each move is a conditional update, and running it
 * twice (or on two nodes) sends each e-mail once.
 */
export async function runBillingCycle(ctx: AppContext): Promise<BillingCycleSummary> {
  let started = 0;
  for (;;) {
    const unstarted = await ctx.db
      .selectFrom("users")
      .leftJoin("billing_subscriptions as s", "s.user_id", "users.id")
      .select("users.id")
      .where("users.identity_verified_at", "is not", null)
      .where("s.user_id", "is", null)
      .orderBy("users.id")
      .limit(PAGE)
      .execute();
    for (const user of unstarted) if (await ensureSubscription(ctx, user.id)) started++;
    if (unstarted.length < PAGE) break;
  }
  const sponsors = await currentSponsors(ctx);
  let examined = 0;
  let after = "";
  for (;;) {
    const page = await ctx.db
      .selectFrom("billing_subscriptions")
      .select("user_id")
      .where("user_id", ">", after)
      .orderBy("user_id")
      .limit(PAGE)
      .execute();
    for (const row of page) {
      await reconcileSubscription(ctx, row.user_id, "job", { sponsors });
      examined++;
    }
    if (page.length < PAGE) break;
    after = page.at(-1)!.user_id;
  }
  return { started, examined };
}

export function billingJob(ctx: AppContext): Job {
  return { name: "billing-cycle", intervalMs: HOUR, run: async () => void (await runBillingCycle(ctx)) };
}
