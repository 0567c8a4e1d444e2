import { type BillingPlan, ConfrereError, ErrorCode } from "@confrere/protocol";
import type { AppContext } from "../context.ts";
import type { BillingPlansTable } from "../db/schema-billing.ts";
import { inclVat } from "./amounts.ts";

/** The plan a trial is attached to until the professional chooses. */
export const DEFAULT_PLAN_ID = "essentiel-monthly";
/** Trial length when no plan says otherwise: three months from identity verification. */
export const DEFAULT_TRIAL_DAYS = 90;

export type PlanRow = BillingPlansTable;

/** Plans on sale at `at`, cheapest offer first, monthly before yearly. */
export async function currentPlans(ctx: AppContext, at = ctx.clock.now()): Promise<PlanRow[]> {
  return ctx.db
    .selectFrom("billing_plans")
    .selectAll()
    .where("valid_from", "<=", at)
    .where((eb) => eb.or([eb("valid_to", "is", null), eb("valid_to", ">", at)]))
    .orderBy("sort_order")
    .execute();
}

/** Any plan, on sale or not (subscriptions and invoices keep the plan they were sold under). */
export async function findPlan(ctx: AppContext, planId: string): Promise<PlanRow | null> {
  return (
    (await ctx.db.selectFrom("billing_plans").selectAll().where("id", "=", planId).executeTakeFirst()) ?? null
  );
}

/** A plan that can be bought now, or BILLING_PLAN_NOT_FOUND. */
export async function requirePlanOnSale(
  ctx: AppContext,
  planId: string,
  operation: string,
): Promise<PlanRow> {
  const now = ctx.clock.now();
  const plan = await findPlan(ctx, planId);
  if (!plan || plan.valid_from > now || (plan.valid_to !== null && plan.valid_to <= now)) {
    throw new ConfrereError(
      ErrorCode.BILLING_PLAN_NOT_FOUND,
      404,
      `${operation}: no plan "${planId}" is on sale; GET /api/v1/billing/plans lists them`,
    );
  }
  return plan;
}

/** Price of one plan period, VAT included. */
export function planPriceInclVat(plan: PlanRow): number {
  return inclVat(plan.price_excl_vat_cents, plan.vat_rate_bp);
}

/** Price of one seat for one month, excluding VAT: sponsorship is sold per seat and month. */
export function monthlyPriceExclVat(plan: PlanRow): number {
  return plan.interval === "month" ? plan.price_excl_vat_cents : Math.round(plan.price_excl_vat_cents / 12);
}

export function toWirePlan(plan: PlanRow): BillingPlan {
  return {
    id: plan.id,
    code: plan.code,
    name: plan.name,
    interval: plan.interval,
    priceExclVatCents: Number(plan.price_excl_vat_cents),
    vatRateBasisPoints: Number(plan.vat_rate_bp),
    priceInclVatCents: planPriceInclVat(plan),
    currency: "EUR",
    trialDays: Number(plan.trial_days),
    maxAttachmentBytes: Number(plan.max_attachment_bytes),
    retentionDays: Number(plan.retention_days),
    validFrom: Number(plan.valid_from),
    validTo: plan.valid_to === null ? null : Number(plan.valid_to),
  };
}
