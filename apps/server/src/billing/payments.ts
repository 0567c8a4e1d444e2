import { ConfrereError, ErrorCode } from "@confrere/protocol";
import type { Transaction } from "kysely";
import { newId } from "../accounts/tokens.ts";
import type { AppContext } from "../context.ts";
import type { Database } from "../db/schema.ts";
import type { BillingPaymentsTable } from "../db/schema-billing.ts";
import { vatOf } from "./amounts.ts";
import { buyerFor } from "./billing-accounts.ts";
import { addMonths, formatParisDate } from "./calendar.ts";
import type { InvoiceLine } from "./invoice-pdf.ts";
import { type InvoiceRow, issueInvoice, PAYMENT_METHOD_LABELS, type Payer } from "./invoices.ts";
import { monthlyPriceExclVat, type PlanRow } from "./plans.ts";
import { memberIdsOf } from "./sponsorship.ts";
import { reconcileSubscription } from "./subscriptions.ts";

export type PaymentMethodName = BillingPaymentsTable["method"];

/** A period of seats: its bounds and how many months it is billed as. */
export interface SeatPeriod {
  startsAt: number;
  endsAt: number;
  months: number;
}

/**
 * The amount excluding VAT whose VAT (rounded) brings it exactly to `inclVat` when one exists, so
 * an invoice settled by a payment shows that very payment as its total.
 */
export function exclForIncl(inclVatCents: number, rateBp: number): number {
  const guess = Math.round((inclVatCents * 10_000) / (10_000 + rateBp));
  for (const candidate of [guess, guess - 1, guess + 1, guess - 2, guess + 2]) {
    if (candidate + vatOf(candidate, rateBp) === inclVatCents) return candidate;
  }
  return guess;
}

/** Whole months a seat period is billed as (a started month counts; summer time does not). */
export function billedMonths(startsAt: number, endsAt: number): number {
  let months = 1;
  while (addMonths(startsAt, months) < endsAt - 2 * 3_600_000) months++;
  return months;
}

/** One seat for the period, excluding VAT: a yearly plan's price per month times the months. */
export function seatPriceExclVat(plan: PlanRow, months: number): number {
  return plan.interval === "year"
    ? Math.round((Number(plan.price_excl_vat_cents) * months) / 12)
    : monthlyPriceExclVat(plan) * months;
}

export function planLabel(plan: PlanRow): string {
  return `Confrère ${plan.name} (${plan.interval === "month" ? "mensuel" : "annuel"})`;
}

export interface Settlement {
  payer: Payer;
  provider: BillingPaymentsTable["provider"];
  method: PaymentMethodName;
  reference: string;
  amountCents: number;
  receivedAt: number;
  recordedBy: string | null;
  lines: InvoiceLine[];
  vatRateBp: number;
  periodStart: number | null;
  periodEnd: number | null;
  /** What the provider collected at checkout, when the payer gave us no billing details. */
  buyerFallback?: { name?: string | null; addressLines?: string[] };
  /** More rows to write in the invoice's transaction (a seat purchase). */
  alongside?: (tx: Transaction<Database>, invoiceId: string, paymentId: string) => Promise<void>;
}

async function paymentExists(ctx: AppContext, provider: string, reference: string): Promise<boolean> {
  return (
    (await ctx.db
      .selectFrom("billing_payments")
      .select("id")
      .where("provider", "=", provider as BillingPaymentsTable["provider"])
      .where("reference", "=", reference)
      .executeTakeFirst()) !== undefined
  );
}

/**
 * Records money received and issues its settled ("acquittée") invoice in one transaction. The
 * payment's reference is unique per provider: the same transfer or provider invoice recorded twice
 * (a replay, two operators) gives BILLING_PAYMENT_DUPLICATE and writes nothing.
 */
export async function settlePayment(
  ctx: AppContext,
  settlement: Settlement,
): Promise<{ paymentId: string; invoice: InvoiceRow }> {
  const duplicate = () =>
    new ConfrereError(
      ErrorCode.BILLING_PAYMENT_DUPLICATE,
      409,
      `recordPayment: a payment with reference "${settlement.reference}" is already recorded; nothing was changed`,
    );
  if (await paymentExists(ctx, settlement.provider, settlement.reference)) throw duplicate();
  const { buyer } = await buyerFor(ctx, settlement.payer, settlement.buyerFallback);
  const paymentId = newId();
  try {
    const invoice = await issueInvoice(
      ctx,
      {
        kind: "invoice",
        payer: settlement.payer,
        buyer,
        lines: settlement.lines,
        vatRateBp: settlement.vatRateBp,
        periodStart: settlement.periodStart,
        periodEnd: settlement.periodEnd,
        isPaid: true,
        paidAt: settlement.receivedAt,
        paymentId,
        paymentMethodLabel: PAYMENT_METHOD_LABELS[settlement.method],
        paymentReference: settlement.provider === "transfer" ? settlement.reference : null,
        correctsInvoiceId: null,
        reason: null,
        actorId: settlement.recordedBy,
      },
      async (tx, invoiceId) => {
        await tx
          .insertInto("billing_payments")
          .values({
            id: paymentId,
            payer_user_id: "userId" in settlement.payer ? settlement.payer.userId : null,
            payer_organisation_id:
              "organisationId" in settlement.payer ? settlement.payer.organisationId : null,
            provider: settlement.provider,
            method: settlement.method,
            reference: settlement.reference,
            amount_cents: settlement.amountCents,
            currency: "EUR",
            received_at: settlement.receivedAt,
            recorded_by: settlement.recordedBy,
            invoice_id: invoiceId,
            created_at: ctx.clock.now(),
          })
          .execute();
        await settlement.alongside?.(tx, invoiceId, paymentId);
      },
    );
    await ctx.audit.record({
      action: "billing.payment_recorded",
      actorId: settlement.recordedBy,
      targetType: "payment",
      targetId: paymentId,
      detail: {
        provider: settlement.provider,
        method: settlement.method,
        amountCents: settlement.amountCents,
        invoiceId: invoice.id,
        payerUserId: "userId" in settlement.payer ? settlement.payer.userId : null,
        payerOrganisationId: "organisationId" in settlement.payer ? settlement.payer.organisationId : null,
      },
    });
    return { paymentId, invoice };
  } catch (error) {
    // The unique reference, hit by a concurrent recording of the same payment: the transaction
    // rolled back, number included.
    if (await paymentExists(ctx, settlement.provider, settlement.reference)) throw duplicate();
    throw error;
  }
}

/** The invoice line of a professional's plan period, for the amount actually paid. */
export function subscriptionLines(
  plan: PlanRow,
  amountInclVatCents: number,
  startsAt: number,
  endsAt: number,
): InvoiceLine[] {
  const excl = exclForIncl(amountInclVatCents, Number(plan.vat_rate_bp));
  return [
    {
      description: `Abonnement ${planLabel(plan)} du ${formatParisDate(startsAt)} au ${formatParisDate(endsAt - 1)}`,
      quantity: 1,
      unitPriceExclVatCents: excl,
      totalExclVatCents: excl,
    },
  ];
}

/**
 * The invoice lines of seats: N × the list price when the amount is the list price, else one line
 * for the agreed amount (a negotiated price, a partial payment), so the invoice always totals what
 * was paid.
 */
export function seatLines(
  plan: PlanRow,
  seats: number,
  period: SeatPeriod,
  amountInclVatCents: number,
): InvoiceLine[] {
  const unit = seatPriceExclVat(plan, period.months);
  const rate = Number(plan.vat_rate_bp);
  const what = `Sièges ${planLabel(plan)} du ${formatParisDate(period.startsAt)} au ${formatParisDate(period.endsAt - 1)} (${period.months} mois)`;
  if (unit * seats + vatOf(unit * seats, rate) === amountInclVatCents) {
    return [
      { description: what, quantity: seats, unitPriceExclVatCents: unit, totalExclVatCents: unit * seats },
    ];
  }
  const excl = exclForIncl(amountInclVatCents, rate);
  return [
    {
      description: `${what}, ${seats} sièges, prix convenu`,
      quantity: 1,
      unitPriceExclVatCents: excl,
      totalExclVatCents: excl,
    },
  ];
}

/** Seats paid for: the purchase is written with the invoice, then every member is looked at again. */
export async function settleSeats(
  ctx: AppContext,
  input: {
    organisationId: string;
    plan: PlanRow;
    seats: number;
    period: SeatPeriod;
    provider: BillingPaymentsTable["provider"];
    method: PaymentMethodName;
    reference: string;
    amountCents: number;
    receivedAt: number;
    recordedBy: string | null;
    buyerFallback?: Settlement["buyerFallback"];
  },
): Promise<{ paymentId: string; invoice: InvoiceRow; purchaseId: string }> {
  const purchaseId = newId();
  const result = await settlePayment(ctx, {
    payer: { organisationId: input.organisationId },
    provider: input.provider,
    method: input.method,
    reference: input.reference,
    amountCents: input.amountCents,
    receivedAt: input.receivedAt,
    recordedBy: input.recordedBy,
    lines: seatLines(input.plan, input.seats, input.period, input.amountCents),
    vatRateBp: Number(input.plan.vat_rate_bp),
    periodStart: input.period.startsAt,
    periodEnd: input.period.endsAt,
    ...(input.buyerFallback ? { buyerFallback: input.buyerFallback } : {}),
    alongside: async (tx, invoiceId) => {
      const now = ctx.clock.now();
      await tx
        .insertInto("billing_seat_purchases")
        .values({
          id: purchaseId,
          organisation_id: input.organisationId,
          plan_id: input.plan.id,
          seats: input.seats,
          starts_at: input.period.startsAt,
          ends_at: input.period.endsAt,
          status: "paid",
          invoice_id: invoiceId,
          created_by: input.recordedBy,
          created_at: now,
          updated_at: now,
        })
        .execute();
    },
  });
  await ctx.audit.record({
    action: "billing.seats_purchased",
    actorId: input.recordedBy,
    targetType: "organisation",
    targetId: input.organisationId,
    detail: { purchaseId, seats: input.seats, startsAt: input.period.startsAt, endsAt: input.period.endsAt },
  });
  await reconcileOrganisation(ctx, input.organisationId);
  return { ...result, purchaseId };
}

/** After any seat change: each member (and anyone the organisation sponsored so far) is looked at again. */
export async function reconcileOrganisation(
  ctx: AppContext,
  organisationId: string,
  actorId: string | null = null,
): Promise<void> {
  const formerlySponsored = await ctx.db
    .selectFrom("billing_subscriptions")
    .select("user_id")
    .where("sponsor_organisation_id", "=", organisationId)
    .execute();
  const userIds = new Set([
    ...(await memberIdsOf(ctx, organisationId)),
    ...formerlySponsored.map((r) => r.user_id),
  ]);
  for (const userId of userIds) await reconcileSubscription(ctx, userId, "seats", { actorId });
}

/** The end of a plan period that starts at `startsAt`. */
export function periodEnd(plan: PlanRow, startsAt: number): number {
  return addMonths(startsAt, plan.interval === "month" ? 1 : 12);
}
