import { ConfrereError, ErrorCode } from "@confrere/protocol";
import type { AppContext } from "../context.ts";
import { ensureBillingAccount } from "./billing-accounts.ts";
import type { CheckoutFacts, ProviderEvent } from "./payment-provider.ts";
import {
  billedMonths,
  type PaymentMethodName,
  periodEnd,
  settlePayment,
  settleSeats,
  subscriptionLines,
} from "./payments.ts";
import { findPlan, planPriceInclVat } from "./plans.ts";
import { endAutomaticRenewal, markPaymentFailed, recordPaidPeriod } from "./subscriptions.ts";

/**
 * Applies one provider event, at most once: its id is written to `billing_processed_events` first
 * (a replay finds it there and is acknowledged without effect), and removed again if handling
 * fails so that the provider's retry is handled. Payments are also unique by reference, so even
 * two different events about one payment (`checkout.session.completed` and `invoice.paid` for the
 * first period) issue one invoice.
 */
export async function handleProviderEvent(
  ctx: AppContext,
  event: ProviderEvent,
): Promise<{ duplicate: boolean }> {
  const inserted = await ctx.db
    .insertInto("billing_processed_events")
    .values({ provider: "stripe", event_id: event.id, event_type: event.type, processed_at: ctx.clock.now() })
    .onConflict((oc) => oc.columns(["provider", "event_id"]).doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== 1) return { duplicate: true };
  try {
    await apply(ctx, event);
  } catch (error) {
    await ctx.db
      .deleteFrom("billing_processed_events")
      .where("provider", "=", "stripe")
      .where("event_id", "=", event.id)
      .execute();
    throw error;
  }
  return { duplicate: false };
}

async function apply(ctx: AppContext, event: ProviderEvent): Promise<void> {
  switch (event.type) {
    case "checkout.completed":
      // Cards are paid at once; a SEPA debit completes the session unpaid and pays days later.
      return event.paymentStatus === "paid" ? checkoutPaid(ctx, event, "card") : checkoutPending(ctx, event);
    case "checkout.async_payment_succeeded":
      return checkoutPaid(ctx, event, "sepa_debit");
    case "checkout.async_payment_failed":
      return checkoutFailed(ctx, event);
    case "invoice.paid":
      return invoicePaid(ctx, event);
    case "invoice.payment_failed": {
      const userId = await userOfProviderSubscription(ctx, event.subscriptionId);
      if (userId) await paymentFailed(ctx, userId, event.invoiceId);
      return;
    }
    case "subscription.deleted":
      return endAutomaticRenewal(ctx, event.subscriptionId);
    case "ignored":
      return;
  }
}

async function checkoutOf(ctx: AppContext, facts: CheckoutFacts) {
  const byReference = facts.clientReference
    ? await ctx.db
        .selectFrom("billing_checkouts")
        .selectAll()
        .where("id", "=", facts.clientReference)
        .executeTakeFirst()
    : undefined;
  return (
    byReference ??
    (await ctx.db
      .selectFrom("billing_checkouts")
      .selectAll()
      .where("provider_session_id", "=", facts.checkoutSessionId)
      .executeTakeFirst()) ??
    null
  );
}

async function rememberCustomer(
  ctx: AppContext,
  payer: { userId: string } | { organisationId: string },
  customerId: string | null,
) {
  if (!customerId) return;
  const account = await ensureBillingAccount(ctx, payer);
  if (account.provider_customer_id === customerId) return;
  await ctx.db
    .updateTable("billing_accounts")
    .set({ provider_customer_id: customerId, updated_at: ctx.clock.now() })
    .where("id", "=", account.id)
    .execute();
}

/** A SEPA mandate was given: remember the customer and subscription; the state waits for the money. */
async function checkoutPending(ctx: AppContext, facts: CheckoutFacts): Promise<void> {
  const checkout = await checkoutOf(ctx, facts);
  if (!checkout) return;
  if (checkout.user_id) {
    await rememberCustomer(ctx, { userId: checkout.user_id }, facts.customerId);
    if (facts.subscriptionId) {
      await ctx.db
        .updateTable("billing_subscriptions")
        .set({
          provider_subscription_id: facts.subscriptionId,
          payment_method: "sepa_debit",
          updated_at: ctx.clock.now(),
        })
        .where("user_id", "=", checkout.user_id)
        .execute();
    }
  } else if (checkout.organisation_id) {
    await rememberCustomer(ctx, { organisationId: checkout.organisation_id }, facts.customerId);
  }
}

async function checkoutPaid(ctx: AppContext, facts: CheckoutFacts, method: PaymentMethodName): Promise<void> {
  const checkout = await checkoutOf(ctx, facts);
  if (!checkout || checkout.status === "completed") return;
  const plan = await findPlan(ctx, checkout.plan_id);
  if (!plan) throw new Error(`stripeWebhook: checkout ${checkout.id} names an unknown plan`);
  const now = ctx.clock.now();
  const buyerFallback = { name: facts.customerName, addressLines: facts.customerAddressLines };
  if (checkout.purpose === "subscription" && checkout.user_id) {
    const userId = checkout.user_id;
    const until = periodEnd(plan, now);
    const amount = facts.amountTotalCents ?? planPriceInclVat(plan);
    await rememberCustomer(ctx, { userId }, facts.customerId);
    await ignoreDuplicate(
      settlePayment(ctx, {
        payer: { userId },
        provider: "stripe",
        method,
        // The first period's provider invoice: `invoice.paid` names it too, and must not invoice it again.
        reference: facts.invoiceId ?? facts.paymentIntentId ?? facts.checkoutSessionId,
        amountCents: amount,
        receivedAt: now,
        recordedBy: null,
        lines: subscriptionLines(plan, amount, now, until),
        vatRateBp: Number(plan.vat_rate_bp),
        periodStart: now,
        periodEnd: until,
        buyerFallback,
      }),
    );
    await recordPaidPeriod(ctx, userId, {
      planId: plan.id,
      until,
      method,
      providerCustomerId: facts.customerId,
      providerSubscriptionId: facts.subscriptionId,
    });
  } else if (
    checkout.purpose === "seats" &&
    checkout.organisation_id &&
    checkout.seats &&
    checkout.starts_at &&
    checkout.ends_at
  ) {
    await rememberCustomer(ctx, { organisationId: checkout.organisation_id }, facts.customerId);
    const startsAt = Number(checkout.starts_at);
    const endsAt = Number(checkout.ends_at);
    await ignoreDuplicate(
      settleSeats(ctx, {
        organisationId: checkout.organisation_id,
        plan,
        seats: Number(checkout.seats),
        period: { startsAt, endsAt, months: billedMonths(startsAt, endsAt) },
        provider: "stripe",
        method,
        reference: facts.paymentIntentId ?? facts.checkoutSessionId,
        amountCents: facts.amountTotalCents ?? 0,
        receivedAt: now,
        recordedBy: null,
        buyerFallback,
      }),
    );
  }
  await ctx.db
    .updateTable("billing_checkouts")
    .set({ status: "completed", completed_at: now })
    .where("id", "=", checkout.id)
    .execute();
}

async function checkoutFailed(ctx: AppContext, facts: CheckoutFacts): Promise<void> {
  const checkout = await checkoutOf(ctx, facts);
  if (checkout?.user_id) await paymentFailed(ctx, checkout.user_id, facts.checkoutSessionId);
}

async function paymentFailed(ctx: AppContext, userId: string, reference: string): Promise<void> {
  await ctx.audit.record({
    action: "billing.payment_failed",
    targetType: "user",
    targetId: userId,
    detail: { provider: "stripe", reference },
  });
  await markPaymentFailed(ctx, userId);
}

async function userOfProviderSubscription(
  ctx: AppContext,
  subscriptionId: string | null,
): Promise<string | null> {
  if (!subscriptionId) return null;
  const row = await ctx.db
    .selectFrom("billing_subscriptions")
    .select("user_id")
    .where("provider_subscription_id", "=", subscriptionId)
    .executeTakeFirst();
  return row?.user_id ?? null;
}

/** A renewal (or the first period) was paid: invoice it unless already done, and extend the paid period. */
async function invoicePaid(
  ctx: AppContext,
  event: Extract<ProviderEvent, { type: "invoice.paid" }>,
): Promise<void> {
  const userId = await userOfProviderSubscription(ctx, event.subscriptionId);
  if (!userId) return;
  const subscription = await ctx.db
    .selectFrom("billing_subscriptions")
    .selectAll()
    .where("user_id", "=", userId)
    .executeTakeFirstOrThrow();
  const plan = await findPlan(ctx, subscription.plan_id);
  if (!plan) throw new Error(`stripeWebhook: subscription of ${userId} names an unknown plan`);
  const now = ctx.clock.now();
  const start = event.periodStart ?? Math.max(now, Number(subscription.paid_through ?? 0));
  const end = event.periodEnd ?? periodEnd(plan, start);
  const method = subscription.payment_method ?? "card";
  if (event.amountPaidCents > 0) {
    await ignoreDuplicate(
      settlePayment(ctx, {
        payer: { userId },
        provider: "stripe",
        method,
        reference: event.invoiceId,
        amountCents: event.amountPaidCents,
        receivedAt: now,
        recordedBy: null,
        lines: subscriptionLines(plan, event.amountPaidCents, start, end),
        vatRateBp: Number(plan.vat_rate_bp),
        periodStart: start,
        periodEnd: end,
      }),
    );
  }
  await recordPaidPeriod(ctx, userId, {
    planId: plan.id,
    until: end,
    method,
    providerCustomerId: event.customerId,
  });
}

/** The same payment already recorded (by the other event about it): nothing more to do for it. */
async function ignoreDuplicate(settling: Promise<unknown>): Promise<void> {
  try {
    await settling;
  } catch (error) {
    if (error instanceof ConfrereError && error.code === ErrorCode.BILLING_PAYMENT_DUPLICATE) return;
    throw error;
  }
}
