import type { Sponsor, Subscription } from "@confrere/protocol";
import { DAY } from "../clock.ts";
import type { AppContext } from "../context.ts";
import type { BillingSubscriptionsTable, StoredSubscriptionState } from "../db/schema-billing.ts";
import {
  activeMessage,
  graceReminderMessage,
  lapsedMessage,
  paymentDueMessage,
  sponsoredMessage,
  trialEndingMessage,
  trialResumedMessage,
  trialStartedMessage,
} from "../mail/billing-templates.ts";
import type { MailMessage } from "../mail/mailer.ts";
import { DEFAULT_PLAN_ID, DEFAULT_TRIAL_DAYS, findPlan } from "./plans.ts";
import { currentSponsors } from "./sponsorship.ts";
import {
  afterPaymentFailure,
  type Decision,
  decide,
  mayStartConversations,
  type SubscriptionFacts,
} from "./subscription-state.ts";

type Row = BillingSubscriptionsTable;

/**
 * Accounts verified before billing existed (or while the job was stopped) still get this much
 * notice before their trial ends.
 */
const MINIMUM_TRIAL_NOTICE_MS = 14 * DAY;

/** Why a subscription is looked at again: decides the wording of the e-mail. */
export type Cause = "job" | "payment" | "payment_failed" | "seats" | "provider";

/** The billing screen of the web app, linked from every billing e-mail. */
export function billingLink(ctx: AppContext): string {
  return `${ctx.config.publicUrl}/facturation`;
}

function trialEndFor(verifiedAt: number, trialDays: number, now: number): number {
  return Math.max(verifiedAt + trialDays * DAY, now + MINIMUM_TRIAL_NOTICE_MS);
}

async function loadRow(ctx: AppContext, userId: string): Promise<Row | null> {
  return (
    (await ctx.db
      .selectFrom("billing_subscriptions")
      .selectAll()
      .where("user_id", "=", userId)
      .executeTakeFirst()) ?? null
  );
}

async function userOf(ctx: AppContext, userId: string) {
  return ctx.db
    .selectFrom("users")
    .select(["id", "email", "identity_verified_at"])
    .where("id", "=", userId)
    .executeTakeFirst();
}

/**
 * The subscription of a verified professional, created (trialing) the first time it is needed:
 * by the job shortly after the identity is verified, or by a payment. Null for an unverified
 * account, which has no subscription yet.
 */
export async function ensureSubscription(ctx: AppContext, userId: string): Promise<Row | null> {
  const existing = await loadRow(ctx, userId);
  if (existing) return existing;
  const user = await userOf(ctx, userId);
  if (!user || user.identity_verified_at === null) return null;
  const plan = await findPlan(ctx, DEFAULT_PLAN_ID);
  const now = ctx.clock.now();
  const row: Row = {
    user_id: userId,
    state: "trialing",
    plan_id: DEFAULT_PLAN_ID,
    trial_ends_at: trialEndFor(
      Number(user.identity_verified_at),
      Number(plan?.trial_days ?? DEFAULT_TRIAL_DAYS),
      now,
    ),
    paid_through: null,
    grace_ends_at: null,
    reminders_sent: 0,
    payment_method: null,
    provider_customer_id: null,
    provider_subscription_id: null,
    sponsor_organisation_id: null,
    state_changed_at: now,
    created_at: now,
    updated_at: now,
  };
  const inserted = await ctx.db
    .insertInto("billing_subscriptions")
    .values(row)
    .onConflict((oc) => oc.column("user_id").doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) {
    // Another node may have created it first: only the creator announces it.
    await ctx.audit.record({
      action: "billing.subscription_state_changed",
      targetType: "user",
      targetId: userId,
      detail: { from: "none", to: "trialing", cause: "job" },
    });
    await sendQuietly(ctx, trialStartedMessage(user.email, row.trial_ends_at, billingLink(ctx)));
  }
  return loadRow(ctx, userId);
}

function factsOf(row: Row, sponsor: Sponsor | null): SubscriptionFacts {
  return {
    state: row.state,
    trialEndsAt: Number(row.trial_ends_at),
    paidThrough: row.paid_through === null ? null : Number(row.paid_through),
    graceEndsAt: row.grace_ends_at === null ? null : Number(row.grace_ends_at),
    remindersSent: Number(row.reminders_sent),
    hasAutomaticRenewal: row.provider_subscription_id !== null,
    sponsorId: sponsor?.organisationId ?? null,
    recordedSponsorId: row.sponsor_organisation_id,
  };
}

/** Looks at one subscription again (after a payment, a seat change, or time passing) and moves it. */
export async function reconcileSubscription(
  ctx: AppContext,
  userId: string,
  cause: Cause,
  options: { actorId?: string | null; sponsors?: Map<string, Sponsor> } = {},
): Promise<void> {
  const row = await ensureSubscription(ctx, userId);
  if (!row) return;
  const now = ctx.clock.now();
  const sponsors = options.sponsors ?? (await currentSponsors(ctx, now, userId));
  const sponsor = sponsors.get(userId) ?? null;
  await apply(ctx, row, decide(factsOf(row, sponsor), now), cause, sponsor, options.actorId ?? null);
}

/** The provider reports a failed payment: past_due now, with its 14 days of grace. */
export async function markPaymentFailed(ctx: AppContext, userId: string): Promise<void> {
  const row = await ensureSubscription(ctx, userId);
  if (!row) return;
  const now = ctx.clock.now();
  const sponsor = (await currentSponsors(ctx, now, userId)).get(userId) ?? null;
  await apply(ctx, row, afterPaymentFailure(factsOf(row, sponsor), now), "payment_failed", sponsor, null);
}

/** A payment covers the professional until `until`: recorded, then the state follows (active at once). */
export async function recordPaidPeriod(
  ctx: AppContext,
  userId: string,
  paid: {
    planId: string;
    until: number;
    method: Row["payment_method"];
    providerCustomerId?: string | null;
    providerSubscriptionId?: string | null;
    actorId?: string | null;
  },
): Promise<void> {
  const row = await ensureSubscription(ctx, userId);
  if (!row) return;
  await ctx.db
    .updateTable("billing_subscriptions")
    .set({
      paid_through: Math.max(paid.until, Number(row.paid_through ?? 0)),
      plan_id: paid.planId,
      payment_method: paid.method,
      ...(paid.providerCustomerId ? { provider_customer_id: paid.providerCustomerId } : {}),
      ...(paid.providerSubscriptionId ? { provider_subscription_id: paid.providerSubscriptionId } : {}),
      updated_at: ctx.clock.now(),
    })
    .where("user_id", "=", userId)
    .execute();
  await reconcileSubscription(ctx, userId, "payment", { actorId: paid.actorId ?? null });
}

/** The automatic subscription was cancelled at the provider: the paid period runs out, then grace. */
export async function endAutomaticRenewal(ctx: AppContext, providerSubscriptionId: string): Promise<void> {
  const row = await ctx.db
    .selectFrom("billing_subscriptions")
    .select("user_id")
    .where("provider_subscription_id", "=", providerSubscriptionId)
    .executeTakeFirst();
  if (!row) return;
  await ctx.db
    .updateTable("billing_subscriptions")
    .set({ provider_subscription_id: null, updated_at: ctx.clock.now() })
    .where("user_id", "=", row.user_id)
    .execute();
  await reconcileSubscription(ctx, row.user_id, "provider");
}

async function apply(
  ctx: AppContext,
  row: Row,
  decision: Decision,
  cause: Cause,
  sponsor: Sponsor | null,
  actorId: string | null,
): Promise<void> {
  const isChanged =
    decision.state !== row.state ||
    decision.graceEndsAt !== (row.grace_ends_at === null ? null : Number(row.grace_ends_at)) ||
    decision.remindersSent !== Number(row.reminders_sent) ||
    decision.sponsorId !== row.sponsor_organisation_id;
  if (!isChanged) return;
  const now = ctx.clock.now();
  // Optimistic: if another node (or request) moved the row meanwhile, it also sends the e-mail.
  const result = await ctx.db
    .updateTable("billing_subscriptions")
    .set({
      state: decision.state,
      grace_ends_at: decision.graceEndsAt,
      reminders_sent: decision.remindersSent,
      sponsor_organisation_id: decision.sponsorId,
      ...(decision.state !== row.state ? { state_changed_at: now } : {}),
      updated_at: now,
    })
    .where("user_id", "=", row.user_id)
    .where("state", "=", row.state)
    .where("reminders_sent", "=", row.reminders_sent)
    .where("updated_at", "=", row.updated_at)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return;
  const user = await userOf(ctx, row.user_id);
  if (!user) return;
  if (decision.state !== row.state || decision.sponsorId !== row.sponsor_organisation_id) {
    await ctx.audit.record({
      action: "billing.subscription_state_changed",
      actorId,
      targetType: "user",
      targetId: row.user_id,
      detail: { from: row.state, to: decision.state, cause, sponsorId: decision.sponsorId },
    });
    const mail = stateMessage(ctx, user.email, row, decision, cause, sponsor);
    if (mail) await sendQuietly(ctx, mail);
  } else if (decision.reminder) {
    const link = billingLink(ctx);
    await sendQuietly(
      ctx,
      decision.reminder.kind === "trial_ending"
        ? trialEndingMessage(user.email, decision.reminder.endsAt, link)
        : graceReminderMessage(user.email, decision.reminder.endsAt, link),
    );
  }
}

function stateMessage(
  ctx: AppContext,
  to: string,
  row: Row,
  decision: Decision,
  cause: Cause,
  sponsor: Sponsor | null,
): MailMessage | null {
  const link = billingLink(ctx);
  const from: StoredSubscriptionState = row.state;
  switch (decision.state) {
    case "sponsored":
      return sponsoredMessage(to, sponsor?.name ?? "Votre organisation", link);
    case "active":
      return activeMessage(to, row.paid_through === null ? null : Number(row.paid_through), link);
    case "trialing":
      return trialResumedMessage(to, Number(row.trial_ends_at), link);
    case "past_due": {
      const reason =
        from === "trialing"
          ? "trial_ended"
          : from === "sponsored"
            ? "sponsorship_ended"
            : cause === "payment_failed"
              ? "payment_failed"
              : "period_ended";
      return paymentDueMessage(to, reason, decision.graceEndsAt ?? ctx.clock.now(), link);
    }
    case "lapsed":
      return lapsedMessage(to, link);
  }
}

/** A billing e-mail that cannot be sent must not undo a payment: logged (ids only) and dropped. */
async function sendQuietly(ctx: AppContext, mail: MailMessage): Promise<void> {
  try {
    await ctx.mailer.send(mail);
  } catch (error) {
    ctx.logger.warn({ err: { message: (error as Error).message } }, "billing: an e-mail could not be sent");
  }
}

/**
 * Where a professional stands now, as the screens and the entitlement check see it. Read-only:
 * a subscription the job has not created yet is shown as it will be.
 */
export async function subscriptionView(ctx: AppContext, userId: string): Promise<Subscription> {
  const now = ctx.clock.now();
  const user = await userOf(ctx, userId);
  if (!user || user.identity_verified_at === null) {
    return {
      state: "none",
      planId: null,
      trialEndsAt: null,
      paidThrough: null,
      graceEndsAt: null,
      nextRenewalAt: null,
      sponsor: null,
      paymentMethod: null,
      hasAutomaticRenewal: false,
      mayStartConversations: false,
    };
  }
  const row: Row = (await loadRow(ctx, userId)) ?? {
    user_id: userId,
    state: "trialing",
    plan_id: DEFAULT_PLAN_ID,
    trial_ends_at: trialEndFor(Number(user.identity_verified_at), DEFAULT_TRIAL_DAYS, now),
    paid_through: null,
    grace_ends_at: null,
    reminders_sent: 0,
    payment_method: null,
    provider_customer_id: null,
    provider_subscription_id: null,
    sponsor_organisation_id: null,
    state_changed_at: now,
    created_at: now,
    updated_at: now,
  };
  const sponsor = (await currentSponsors(ctx, now, userId)).get(userId) ?? null;
  const decision = decide(factsOf(row, sponsor), now);
  const paidThrough = row.paid_through === null ? null : Number(row.paid_through);
  const hasAutomaticRenewal = row.provider_subscription_id !== null;
  return {
    state: decision.state,
    planId: row.plan_id,
    trialEndsAt: Number(row.trial_ends_at),
    paidThrough,
    graceEndsAt: decision.state === "past_due" ? decision.graceEndsAt : null,
    nextRenewalAt: hasAutomaticRenewal && decision.state === "active" ? paidThrough : null,
    sponsor: decision.state === "sponsored" ? sponsor : null,
    paymentMethod: row.payment_method,
    hasAutomaticRenewal,
    mayStartConversations: mayStartConversations(decision.state),
  };
}
