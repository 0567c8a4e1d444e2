import {
  type CheckoutResponse,
  ConfrereError,
  ErrorCode,
  type SeatCheckoutRequest,
} from "@confrere/protocol";
import { newId } from "../accounts/tokens.ts";
import { DAY } from "../clock.ts";
import type { Config } from "../config.ts";
import type { AppContext } from "../context.ts";
import { inclVat } from "./amounts.ts";
import { ensureBillingAccount, findBillingAccount } from "./billing-accounts.ts";
import { parisDayEnd, parisDayStart } from "./calendar.ts";
import type { Payer } from "./invoices.ts";
import { type PaymentProvider, ProviderError } from "./payment-provider.ts";
import { billedMonths, planLabel, type SeatPeriod, seatPriceExclVat } from "./payments.ts";
import { planPriceInclVat, requirePlanOnSale } from "./plans.ts";
import { ensureSubscription, subscriptionView } from "./subscriptions.ts";

/** The longest seat period sold at once. */
const MAX_SEAT_PERIOD_MS = 5 * 366 * DAY;

/**
 * Stripe's client (298 KB of script) is read only by servers that take online payments, once, when
 * they start ({@link loadPaymentProvider}), not by every start (bench/README.md, cold start).
 */
let stripeModule: typeof import("./stripe-provider.ts") | null = null;

/** Loads the configured payment provider's code; createAppContext awaits it. */
export async function loadPaymentProvider(config: Config): Promise<void> {
  if (config.billing.stripe) stripeModule ??= await import("./stripe-provider.ts");
}

/** The configured payment provider, or null when online payments are off. */
export function paymentProvider(ctx: AppContext): PaymentProvider | null {
  const { stripe } = ctx.config.billing;
  if (!stripe) return null;
  if (!stripeModule) throw new Error("paymentProvider: loadPaymentProvider was not awaited at start");
  return stripeModule.stripeProviderFor(stripe);
}

export function requireProvider(ctx: AppContext, operation: string): PaymentProvider {
  const provider = paymentProvider(ctx);
  if (!provider) {
    throw new ConfrereError(
      ErrorCode.BILLING_PAYMENTS_NOT_CONFIGURED,
      409,
      `${operation}: online payment is not enabled on this server; pay by bank transfer and ask the operators to record it`,
    );
  }
  return provider;
}

/** Runs a provider call; its failure becomes a 502 with a stable code (and no detail of the provider's answer). */
async function callProvider<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ProviderError) {
      throw new ConfrereError(
        ErrorCode.BILLING_PROVIDER_FAILED,
        502,
        `${operation}: the payment provider could not be reached or refused; try again in a few minutes`,
      );
    }
    throw error;
  }
}

function returnUrls(ctx: AppContext, path: string) {
  return {
    successUrl: `${ctx.config.publicUrl}${path}?paiement=ok`,
    cancelUrl: `${ctx.config.publicUrl}${path}?paiement=annule`,
  };
}

/** A professional subscribes to a plan: a hosted checkout for an automatic (card / SEPA) subscription. */
export async function startSubscriptionCheckout(
  ctx: AppContext,
  userId: string,
  planId: string,
): Promise<CheckoutResponse> {
  const operation = "checkout";
  const provider = requireProvider(ctx, operation);
  const plan = await requirePlanOnSale(ctx, planId, operation);
  const subscription = await ensureSubscription(ctx, userId);
  if (!subscription) {
    throw new ConfrereError(
      ErrorCode.PROFESSIONAL_VERIFICATION_REQUIRED,
      403,
      `${operation}: your professional identity must be verified first; the free trial starts then`,
    );
  }
  const view = await subscriptionView(ctx, userId);
  if (view.state === "sponsored") {
    throw new ConfrereError(
      ErrorCode.BILLING_ALREADY_SPONSORED,
      409,
      `${operation}: ${view.sponsor?.name ?? "an organisation"} already pays for your subscription; you have nothing to pay`,
    );
  }
  const account = await ensureBillingAccount(ctx, { userId });
  const user = await ctx.db
    .selectFrom("users")
    .select("email")
    .where("id", "=", userId)
    .executeTakeFirstOrThrow();
  const checkoutId = newId();
  const session = await callProvider(operation, () =>
    provider.createCheckout({
      checkoutId,
      mode: "subscription",
      customerId: account.provider_customer_id,
      customerEmail: user.email,
      item: {
        name: planLabel(plan),
        unitAmountCents: planPriceInclVat(plan),
        quantity: 1,
        interval: plan.interval,
      },
      ...returnUrls(ctx, "/facturation"),
      metadata: { checkoutId, userId, planId: plan.id },
    }),
  );
  await ctx.db
    .insertInto("billing_checkouts")
    .values({
      id: checkoutId,
      provider_session_id: session.id,
      purpose: "subscription",
      created_by: userId,
      user_id: userId,
      organisation_id: null,
      plan_id: plan.id,
      seats: null,
      starts_at: null,
      ends_at: null,
      status: "open",
      created_at: ctx.clock.now(),
      completed_at: null,
    })
    .execute();
  await ctx.audit.record({
    action: "billing.checkout_started",
    actorId: userId,
    targetType: "user",
    targetId: userId,
    detail: { checkoutId, planId: plan.id },
  });
  return { url: session.url, checkoutId };
}

/** `startsOn`..`endsOn` (both included, Europe/Paris) as a seat period, or BILLING_PERIOD_INVALID. */
export function seatPeriodOf(startsOn: string, endsOn: string, now: number, operation: string): SeatPeriod {
  const invalid = (why: string) =>
    new ConfrereError(ErrorCode.BILLING_PERIOD_INVALID, 400, `${operation}: ${why}`);
  const startsAt = parisDayStart(startsOn);
  const endsAt = parisDayEnd(endsOn);
  if (startsAt === null || endsAt === null) throw invalid("give real calendar days as YYYY-MM-DD");
  if (endsAt <= startsAt) throw invalid("the period must end on or after the day it starts");
  if (endsAt <= now) throw invalid("the period is already over");
  if (endsAt - startsAt > MAX_SEAT_PERIOD_MS) throw invalid("a period is at most five years");
  return { startsAt, endsAt, months: billedMonths(startsAt, endsAt) };
}

/** An organisation pays for seats online: a one-time hosted checkout (card or SEPA). */
export async function startSeatCheckout(
  ctx: AppContext,
  organisationId: string,
  actorId: string,
  request: SeatCheckoutRequest,
): Promise<CheckoutResponse> {
  const operation = "seatCheckout";
  const provider = requireProvider(ctx, operation);
  const plan = await requirePlanOnSale(ctx, request.planId, operation);
  const period = seatPeriodOf(request.startsOn, request.endsOn, ctx.clock.now(), operation);
  const account = await ensureBillingAccount(ctx, { organisationId });
  const actor = await ctx.db
    .selectFrom("users")
    .select("email")
    .where("id", "=", actorId)
    .executeTakeFirstOrThrow();
  const unitExcl = seatPriceExclVat(plan, period.months);
  const checkoutId = newId();
  const session = await callProvider(operation, () =>
    provider.createCheckout({
      checkoutId,
      mode: "payment",
      customerId: account.provider_customer_id,
      customerEmail: actor.email,
      item: {
        name: `Sièges ${planLabel(plan)} — ${period.months} mois`,
        unitAmountCents: inclVat(unitExcl, Number(plan.vat_rate_bp)),
        quantity: request.seats,
      },
      ...returnUrls(ctx, `/organisations/${organisationId}/facturation`),
      metadata: { checkoutId, organisationId, planId: plan.id, seats: String(request.seats) },
    }),
  );
  await ctx.db
    .insertInto("billing_checkouts")
    .values({
      id: checkoutId,
      provider_session_id: session.id,
      purpose: "seats",
      created_by: actorId,
      user_id: null,
      organisation_id: organisationId,
      plan_id: plan.id,
      seats: request.seats,
      starts_at: period.startsAt,
      ends_at: period.endsAt,
      status: "open",
      created_at: ctx.clock.now(),
      completed_at: null,
    })
    .execute();
  await ctx.audit.record({
    action: "billing.checkout_started",
    actorId,
    targetType: "organisation",
    targetId: organisationId,
    detail: { checkoutId, planId: plan.id, seats: request.seats },
  });
  return { url: session.url, checkoutId };
}

/** The provider's customer portal (cards, SEPA mandates, cancellation, the provider's receipts). */
export async function portalLink(ctx: AppContext, payer: Payer, returnPath: string): Promise<string> {
  const operation = "billingPortal";
  const provider = requireProvider(ctx, operation);
  const account = await findBillingAccount(ctx, payer);
  if (!account?.provider_customer_id) {
    throw new ConfrereError(
      ErrorCode.BILLING_NO_AUTOMATIC_RENEWAL,
      409,
      `${operation}: there is no card or direct-debit payment to manage yet; subscribe first`,
    );
  }
  const customerId = account.provider_customer_id;
  return callProvider(operation, () =>
    provider.createPortalLink(customerId, `${ctx.config.publicUrl}${returnPath}`),
  );
}
