import { type BillingDetails, ConfrereError, checkSiren, checkSiret, ErrorCode } from "@confrere/protocol";
import { newId } from "../accounts/tokens.ts";
import type { AppContext } from "../context.ts";
import type { BillingAccountsTable } from "../db/schema-billing.ts";
import type { Buyer } from "./invoice-pdf.ts";
import type { Payer } from "./invoices.ts";

/** A payer's profile: the buyer identity printed on its invoices, its provider customer, its seat settings. */
export type BillingAccountRow = BillingAccountsTable;

function payerColumn(payer: Payer) {
  return "userId" in payer
    ? ({ column: "user_id", value: payer.userId } as const)
    : ({ column: "organisation_id", value: payer.organisationId } as const);
}

export async function findBillingAccount(ctx: AppContext, payer: Payer): Promise<BillingAccountRow | null> {
  const { column, value } = payerColumn(payer);
  return (
    (await ctx.db.selectFrom("billing_accounts").selectAll().where(column, "=", value).executeTakeFirst()) ??
    null
  );
}

/** The payer's profile, created empty the first time something needs to be kept for it. */
export async function ensureBillingAccount(ctx: AppContext, payer: Payer): Promise<BillingAccountRow> {
  const existing = await findBillingAccount(ctx, payer);
  if (existing) return existing;
  const now = ctx.clock.now();
  await ctx.db
    .insertInto("billing_accounts")
    .values({
      id: newId(),
      user_id: "userId" in payer ? payer.userId : null,
      organisation_id: "organisationId" in payer ? payer.organisationId : null,
      details: null,
      provider_customer_id: null,
      auto_assign_all: 0,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
  const created = await findBillingAccount(ctx, payer);
  if (!created) throw new Error("ensureBillingAccount: the row vanished after its insert");
  return created;
}

export function detailsOf(account: BillingAccountRow | null): BillingDetails | null {
  return account?.details ? (JSON.parse(account.details) as BillingDetails) : null;
}

/** Checks and normalises the identifiers (spaces dropped, Luhn keys checked) before anything is written. */
export function normaliseDetails(details: BillingDetails, operation: string): BillingDetails {
  const invalid = (message: string) =>
    new ConfrereError(ErrorCode.BILLING_DETAILS_INVALID, 400, `${operation}: ${message}`);
  let siren: string | null = null;
  if (details.siren !== null) {
    const check = checkSiren(details.siren.replace(/\s+/g, ""));
    if (!check.ok) throw invalid(check.message);
    siren = check.value;
  }
  let siret: string | null = null;
  if (details.siret !== null) {
    const check = checkSiret(details.siret.replace(/\s+/g, ""));
    if (!check.ok) throw invalid(check.message);
    siret = check.value;
    if (siren !== null && !siret.startsWith(siren)) throw invalid("the SIRET must start with the SIREN");
    siren ??= siret.slice(0, 9);
  }
  return { ...details, name: details.name.trim(), siren, siret };
}

export async function saveBillingDetails(
  ctx: AppContext,
  payer: Payer,
  details: BillingDetails,
): Promise<void> {
  const account = await ensureBillingAccount(ctx, payer);
  await ctx.db
    .updateTable("billing_accounts")
    .set({ details: JSON.stringify(details), updated_at: ctx.clock.now() })
    .where("id", "=", account.id)
    .execute();
}

function addressOf(details: BillingDetails): string[] {
  return [
    details.addressLine1,
    ...(details.addressLine2 ? [details.addressLine2] : []),
    `${details.postalCode} ${details.city}`,
    ...(details.country.trim().toLowerCase() === "france" ? [] : [details.country]),
  ];
}

/**
 * The buyer printed on an invoice: the payer's billing details when given; otherwise what we know
 * (an organisation's name and SIREN, a professional's name) plus what the payment provider
 * collected at checkout, if anything.
 */
export async function buyerFor(
  ctx: AppContext,
  payer: Payer,
  fallback: { name?: string | null; addressLines?: string[] } = {},
): Promise<{ buyer: Buyer; hasAddress: boolean }> {
  const details = detailsOf(await findBillingAccount(ctx, payer));
  if (details) {
    return {
      buyer: {
        name: details.name,
        addressLines: addressOf(details),
        siren: details.siren,
        siret: details.siret,
        vatNumber: details.vatNumber,
        purchaseOrderReference: details.purchaseOrderReference,
      },
      hasAddress: true,
    };
  }
  const addressLines = fallback.addressLines ?? [];
  if ("organisationId" in payer) {
    const organisation = await ctx.db
      .selectFrom("organisations")
      .select(["name", "siren"])
      .where("id", "=", payer.organisationId)
      .executeTakeFirst();
    return {
      buyer: {
        name: organisation?.name ?? fallback.name ?? "",
        addressLines,
        siren: organisation?.siren ?? null,
        siret: null,
        vatNumber: null,
        purchaseOrderReference: null,
      },
      hasAddress: addressLines.length > 0,
    };
  }
  const user = await ctx.db
    .selectFrom("users")
    .select("display_name")
    .where("id", "=", payer.userId)
    .executeTakeFirst();
  return {
    buyer: {
      name: fallback.name ?? user?.display_name ?? "",
      addressLines,
      siren: null,
      siret: null,
      vatNumber: null,
      purchaseOrderReference: null,
    },
    hasAddress: addressLines.length > 0,
  };
}
