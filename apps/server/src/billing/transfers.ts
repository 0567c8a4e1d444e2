import { ConfrereError, ErrorCode, type RecordPaymentRequest } from "@confrere/protocol";
import { HOUR } from "../clock.ts";
import type { AppContext } from "../context.ts";
import { buyerFor } from "./billing-accounts.ts";
import { addMonths, parisDayStart } from "./calendar.ts";
import { seatPeriodOf } from "./checkout.ts";
import type { InvoiceRow } from "./invoices.ts";
import { settlePayment, settleSeats, subscriptionLines } from "./payments.ts";
import { currentPlans, DEFAULT_PLAN_ID, type PlanRow, planPriceInclVat, requirePlanOnSale } from "./plans.ts";
import { ensureSubscription, recordPaidPeriod } from "./subscriptions.ts";

const operation = "recordPayment";

function receivedAtOf(receivedOn: string | undefined, now: number): number {
  if (receivedOn === undefined) return now;
  const day = parisDayStart(receivedOn);
  if (day === null || day > now) {
    throw new ConfrereError(
      ErrorCode.BILLING_PERIOD_INVALID,
      400,
      `${operation}: receivedOn must be a past or present day`,
    );
  }
  // Noon of that day: the same calendar day whatever the summer time.
  return Math.min(now, day + 12 * HOUR);
}

/**
 * An operator records a bank transfer (how public bodies pay: mandat administratif) and the
 * settled invoice is issued at once. An organisation's transfer buys seats for a period; a
 * professional's pays one or more periods of a plan, found from the amount when not named.
 */
export async function recordTransfer(
  ctx: AppContext,
  request: RecordPaymentRequest,
  actorId: string | null,
): Promise<{ paymentId: string; invoice: InvoiceRow }> {
  const now = ctx.clock.now();
  const receivedAt = receivedAtOf(request.receivedOn, now);
  if ("organisationId" in request.payer) {
    const organisationId = request.payer.organisationId;
    const organisation = await ctx.db
      .selectFrom("organisations")
      .select("id")
      .where("id", "=", organisationId)
      .executeTakeFirst();
    if (!organisation) {
      throw new ConfrereError(
        ErrorCode.ORGANISATION_NOT_FOUND,
        404,
        `${operation}: no such organisation; check its id`,
      );
    }
    if (request.seats === undefined || request.startsOn === undefined || request.endsOn === undefined) {
      throw new ConfrereError(
        ErrorCode.BILLING_PERIOD_INVALID,
        400,
        `${operation}: an organisation's payment buys seats: give seats, startsOn and endsOn`,
      );
    }
    const plan = await requirePlanOnSale(ctx, request.planId ?? DEFAULT_PLAN_ID, operation);
    const period = seatPeriodOf(request.startsOn, request.endsOn, now, operation);
    if (!(await buyerFor(ctx, { organisationId })).hasAddress) {
      throw new ConfrereError(
        ErrorCode.BILLING_DETAILS_REQUIRED,
        409,
        `${operation}: the organisation's billing details (name, address, SIRET) are needed on its invoice; an administrator sets them first`,
      );
    }
    const { paymentId, invoice } = await settleSeats(ctx, {
      organisationId,
      plan,
      seats: request.seats,
      period,
      provider: "transfer",
      method: "transfer",
      reference: request.reference,
      amountCents: request.amountCents,
      receivedAt,
      recordedBy: actorId,
    });
    return { paymentId, invoice };
  }

  const userId = request.payer.userId;
  const user = await ctx.db.selectFrom("users").select(["id"]).where("id", "=", userId).executeTakeFirst();
  if (!user) throw new ConfrereError(ErrorCode.USER_NOT_FOUND, 404, `${operation}: no such user`);
  if (request.seats !== undefined || request.startsOn !== undefined || request.endsOn !== undefined) {
    throw new ConfrereError(
      ErrorCode.BILLING_PERIOD_INVALID,
      400,
      `${operation}: seats are bought by organisations, not by a professional`,
    );
  }
  const subscription = await ensureSubscription(ctx, userId);
  if (!subscription) {
    throw new ConfrereError(
      ErrorCode.PROFESSIONAL_VERIFICATION_REQUIRED,
      403,
      `${operation}: this account's professional identity is not verified yet; it has no subscription to pay`,
    );
  }
  const { plan, periods } = await planForAmount(ctx, request.planId, request.amountCents);
  const start = Math.max(now, Number(subscription.paid_through ?? 0));
  const end = addMonths(start, (plan.interval === "month" ? 1 : 12) * periods);
  const result = await settlePayment(ctx, {
    payer: { userId },
    provider: "transfer",
    method: "transfer",
    reference: request.reference,
    amountCents: request.amountCents,
    receivedAt,
    recordedBy: actorId,
    lines: subscriptionLines(plan, request.amountCents, start, end),
    vatRateBp: Number(plan.vat_rate_bp),
    periodStart: start,
    periodEnd: end,
  });
  await recordPaidPeriod(ctx, userId, { planId: plan.id, until: end, method: "transfer", actorId });
  return result;
}

/** The plan (and how many of its periods) an amount pays: named, or the one plan whose price divides it. */
async function planForAmount(
  ctx: AppContext,
  planId: string | undefined,
  amountCents: number,
): Promise<{ plan: PlanRow; periods: number }> {
  const plans = planId ? [await requirePlanOnSale(ctx, planId, operation)] : await currentPlans(ctx);
  const matches = plans.filter((plan) => amountCents % planPriceInclVat(plan) === 0);
  // The fewest periods wins: 6 000 cents is a year of Essentiel, not ten months of it.
  matches.sort((a, b) => amountCents / planPriceInclVat(a) - amountCents / planPriceInclVat(b));
  const plan = matches[0];
  if (!plan) {
    const prices = plans.map((p) => `${p.id} ${planPriceInclVat(p)}`).join(", ");
    throw new ConfrereError(
      ErrorCode.BILLING_AMOUNT_UNMATCHED,
      400,
      `${operation}: ${amountCents} cents is not a whole number of periods of ${planId ? "this plan" : "any plan"} (prices VAT included: ${prices}); name the plan or check the amount`,
    );
  }
  return { plan, periods: amountCents / planPriceInclVat(plan) };
}
