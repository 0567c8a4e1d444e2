import { createHash } from "node:crypto";
import { ConfrereError, ErrorCode, type InvoiceSummary } from "@confrere/protocol";
import type { Transaction } from "kysely";
import { newId } from "../accounts/tokens.ts";
import { DAY } from "../clock.ts";
import type { AppContext } from "../context.ts";
import type { Database } from "../db/schema.ts";
import type { BillingInvoicesTable } from "../db/schema-billing.ts";
import { invoiceIssuedMessage } from "../mail/billing-templates.ts";
import { vatOf } from "./amounts.ts";
import { parisYear } from "./calendar.ts";
import { allocateInvoiceNumber } from "./invoice-numbering.ts";
import { type Buyer, type InvoiceDocument, type InvoiceLine, renderInvoicePdf } from "./invoice-pdf.ts";
import { billingLink } from "./subscriptions.ts";

export type InvoiceRow = BillingInvoicesTable;
export type Payer = { userId: string } | { organisationId: string };

/** Invoices are kept ten years (Code de commerce L123-22; CGI/LPF L102 B: six, the longer wins). */
export const RETENTION_MS = 3653 * DAY;

export interface InvoiceDraft {
  kind: "invoice" | "credit_note";
  payer: Payer;
  buyer: Buyer;
  lines: InvoiceLine[];
  vatRateBp: number;
  periodStart: number | null;
  periodEnd: number | null;
  isPaid: boolean;
  paidAt: number | null;
  paymentId: string | null;
  /** Printed on the PDF: how and under which reference the payment came. */
  paymentMethodLabel: string | null;
  paymentReference: string | null;
  correctsInvoiceId: string | null;
  reason: string | null;
  actorId: string | null;
}

export const PAYMENT_METHOD_LABELS = {
  card: "carte bancaire",
  sepa_debit: "prélèvement SEPA",
  transfer: "virement bancaire",
  other: null,
} as const;

/**
 * Issues an invoice or a credit note: the number is taken and the row written in one transaction
 * (with whatever `alongside` writes, e.g. the payment it settles), so a failure leaves no gap. The
 * PDF is rendered after the commit, stored with its SHA-256, and rendered again on download if a
 * crash came in between (it is a pure function of the stored snapshots).
 */
export async function issueInvoice(
  ctx: AppContext,
  draft: InvoiceDraft,
  alongside?: (tx: Transaction<Database>, invoiceId: string) => Promise<void>,
): Promise<InvoiceRow> {
  const seller = ctx.config.billing.seller;
  if (!seller) {
    throw new ConfrereError(
      ErrorCode.BILLING_SELLER_NOT_CONFIGURED,
      409,
      "issueInvoice: the seller's identity is not configured (BILLING_SELLER_NAME, _ADDRESS, _SIREN, _VAT_NUMBER); no invoice can be issued until it is",
    );
  }
  const sign = draft.kind === "credit_note" ? -1 : 1;
  const lines = draft.lines.map((line) => ({
    ...line,
    unitPriceExclVatCents: sign * Math.abs(line.unitPriceExclVatCents),
    totalExclVatCents: sign * Math.abs(line.totalExclVatCents),
  }));
  const totalExcl = lines.reduce((sum, line) => sum + line.totalExclVatCents, 0);
  const vat = sign * vatOf(Math.abs(totalExcl), draft.vatRateBp);
  const id = newId();
  const now = ctx.clock.now();
  const year = parisYear(now);
  const series = draft.kind === "credit_note" ? "credit_note" : "invoice";
  const row = await ctx.db.transaction().execute(async (tx) => {
    // First write of the transaction: from here the counter row is ours until the commit.
    const { sequence, number } = await allocateInvoiceNumber(tx, series, year);
    await alongside?.(tx, id);
    const invoice: InvoiceRow = {
      id,
      number,
      series,
      year,
      sequence,
      kind: draft.kind,
      corrects_invoice_id: draft.correctsInvoiceId,
      payer_user_id: "userId" in draft.payer ? draft.payer.userId : null,
      payer_organisation_id: "organisationId" in draft.payer ? draft.payer.organisationId : null,
      seller: JSON.stringify(seller),
      buyer: JSON.stringify(draft.buyer),
      lines: JSON.stringify(lines),
      period_start: draft.periodStart,
      period_end: draft.periodEnd,
      total_excl_vat_cents: totalExcl,
      vat_cents: vat,
      total_incl_vat_cents: totalExcl + vat,
      vat_rate_bp: draft.vatRateBp,
      currency: "EUR",
      is_paid: draft.isPaid ? 1 : 0,
      paid_at: draft.paidAt,
      payment_id: draft.paymentId,
      reason: draft.reason,
      issued_at: now,
      retain_until: now + RETENTION_MS,
      created_at: now,
    };
    await tx.insertInto("billing_invoices").values(invoice).execute();
    return invoice;
  });
  await storePdf(ctx, row);
  await ctx.audit.record({
    action: draft.kind === "credit_note" ? "billing.credit_note_issued" : "billing.invoice_issued",
    actorId: draft.actorId,
    targetType: "invoice",
    targetId: row.id,
    detail: {
      number: row.number,
      payerUserId: row.payer_user_id,
      payerOrganisationId: row.payer_organisation_id,
      totalInclVatCents: row.total_incl_vat_cents,
    },
  });
  await announceInvoice(ctx, row);
  return row;
}

/** The document printed for a stored invoice. */
async function documentOf(ctx: AppContext, row: InvoiceRow): Promise<InvoiceDocument> {
  const corrected = row.corrects_invoice_id
    ? await ctx.db
        .selectFrom("billing_invoices")
        .select(["number", "issued_at"])
        .where("id", "=", row.corrects_invoice_id)
        .executeTakeFirst()
    : undefined;
  const payment = row.payment_id
    ? await ctx.db
        .selectFrom("billing_payments")
        .select(["method", "reference", "provider"])
        .where("id", "=", row.payment_id)
        .executeTakeFirst()
    : undefined;
  return {
    kind: row.kind,
    number: row.number,
    issuedAt: Number(row.issued_at),
    seller: JSON.parse(row.seller) as InvoiceDocument["seller"],
    buyer: JSON.parse(row.buyer) as Buyer,
    lines: JSON.parse(row.lines) as InvoiceLine[],
    periodStart: row.period_start === null ? null : Number(row.period_start),
    periodEnd: row.period_end === null ? null : Number(row.period_end),
    totalExclVatCents: Number(row.total_excl_vat_cents),
    vatCents: Number(row.vat_cents),
    totalInclVatCents: Number(row.total_incl_vat_cents),
    vatRateBp: Number(row.vat_rate_bp),
    isPaid: Number(row.is_paid) === 1,
    paidAt: row.paid_at === null ? null : Number(row.paid_at),
    paymentMethodLabel: payment ? PAYMENT_METHOD_LABELS[payment.method] : null,
    // A transfer's reference helps the buyer's accountant; a provider's internal id does not.
    paymentReference: payment?.provider === "transfer" ? payment.reference : null,
    corrects: corrected ? { number: corrected.number, issuedAt: Number(corrected.issued_at) } : null,
    reason: row.reason,
  };
}

async function storePdf(ctx: AppContext, row: InvoiceRow): Promise<Uint8Array> {
  const pdf = await renderInvoicePdf(await documentOf(ctx, row));
  await ctx.db
    .insertInto("billing_invoice_pdfs")
    .values({
      invoice_id: row.id,
      pdf,
      sha256: createHash("sha256").update(pdf).digest("hex"),
      created_at: ctx.clock.now(),
    })
    .onConflict((oc) => oc.column("invoice_id").doNothing())
    .execute();
  return pdf;
}

/** The stored PDF of an invoice (rendered and stored if it is missing). */
export async function invoicePdf(ctx: AppContext, row: InvoiceRow): Promise<Uint8Array> {
  const stored = await ctx.db
    .selectFrom("billing_invoice_pdfs")
    .select("pdf")
    .where("invoice_id", "=", row.id)
    .executeTakeFirst();
  return stored ? new Uint8Array(stored.pdf) : storePdf(ctx, row);
}

/** Who is told about a new invoice: the professional, or the organisation's administrators, and the invoice address. */
async function recipientsOf(ctx: AppContext, row: InvoiceRow): Promise<string[]> {
  const emails = new Set<string>();
  if (row.payer_user_id) {
    const user = await ctx.db
      .selectFrom("users")
      .select("email")
      .where("id", "=", row.payer_user_id)
      .executeTakeFirst();
    if (user) emails.add(user.email);
  }
  if (row.payer_organisation_id) {
    const admins = await ctx.db
      .selectFrom("organisation_members as m")
      .innerJoin("users as u", "u.id", "m.user_id")
      .select("u.email")
      .where("m.organisation_id", "=", row.payer_organisation_id)
      .where("m.role", "=", "admin")
      .execute();
    for (const admin of admins) emails.add(admin.email);
  }
  const account = await ctx.db
    .selectFrom("billing_accounts")
    .select("details")
    .where((eb) =>
      row.payer_user_id
        ? eb("user_id", "=", row.payer_user_id)
        : eb("organisation_id", "=", row.payer_organisation_id),
    )
    .executeTakeFirst();
  const invoiceEmail = account?.details
    ? (JSON.parse(account.details) as { invoiceEmail?: string | null }).invoiceEmail
    : null;
  if (invoiceEmail) emails.add(invoiceEmail);
  return [...emails];
}

async function announceInvoice(ctx: AppContext, row: InvoiceRow): Promise<void> {
  for (const to of await recipientsOf(ctx, row)) {
    try {
      await ctx.mailer.send(
        invoiceIssuedMessage(
          to,
          { number: row.number, kind: row.kind, totalInclVatCents: Number(row.total_incl_vat_cents) },
          billingLink(ctx),
        ),
      );
    } catch (error) {
      ctx.logger.warn(
        { invoiceId: row.id, err: { message: (error as Error).message } },
        "billing: invoice e-mail not sent",
      );
    }
  }
}

export function toInvoiceSummary(row: InvoiceRow): InvoiceSummary {
  return {
    id: row.id,
    number: row.number,
    kind: row.kind,
    issuedAt: Number(row.issued_at),
    periodStart: row.period_start === null ? null : Number(row.period_start),
    periodEnd: row.period_end === null ? null : Number(row.period_end),
    totalExclVatCents: Number(row.total_excl_vat_cents),
    vatCents: Number(row.vat_cents),
    totalInclVatCents: Number(row.total_incl_vat_cents),
    currency: "EUR",
    isPaid: Number(row.is_paid) === 1,
    correctsInvoiceId: row.corrects_invoice_id,
    payer: row.payer_user_id
      ? { type: "user", userId: row.payer_user_id }
      : { type: "organisation", organisationId: row.payer_organisation_id ?? "" },
  };
}

/** A payer's invoices, newest first. */
export async function invoicesOf(ctx: AppContext, payer: Payer, year?: number): Promise<InvoiceRow[]> {
  let query = ctx.db.selectFrom("billing_invoices").selectAll();
  query =
    "userId" in payer
      ? query.where("payer_user_id", "=", payer.userId)
      : query.where("payer_organisation_id", "=", payer.organisationId);
  if (year !== undefined) query = query.where("year", "=", year);
  return query.orderBy("issued_at", "desc").orderBy("number", "desc").execute();
}

/** Every invoice and credit note of a year, in number order (for the accountant). */
export async function invoicesOfYear(ctx: AppContext, year: number): Promise<InvoiceRow[]> {
  return ctx.db
    .selectFrom("billing_invoices")
    .selectAll()
    .where("year", "=", year)
    .orderBy("series")
    .orderBy("sequence")
    .execute();
}

export async function findInvoice(ctx: AppContext, invoiceId: string): Promise<InvoiceRow | null> {
  return (
    (await ctx.db
      .selectFrom("billing_invoices")
      .selectAll()
      .where("id", "=", invoiceId)
      .executeTakeFirst()) ?? null
  );
}

/**
 * A credit note (avoir) against an invoice, for a refund or a correction: its own number in the
 * credit-note series, the invoice's buyer and VAT rate, at most what is left of the invoice.
 */
export async function issueCreditNote(
  ctx: AppContext,
  invoiceId: string,
  request: { amountInclVatCents?: number; reason: string; actorId: string | null },
): Promise<InvoiceRow> {
  const invoice = await findInvoice(ctx, invoiceId);
  if (invoice?.kind !== "invoice") {
    throw new ConfrereError(
      ErrorCode.BILLING_INVOICE_NOT_FOUND,
      404,
      "creditNote: no such invoice; check its id",
    );
  }
  const credited = await ctx.db
    .selectFrom("billing_invoices")
    .select("total_incl_vat_cents")
    .where("corrects_invoice_id", "=", invoiceId)
    .execute();
  const remaining =
    Number(invoice.total_incl_vat_cents) + credited.reduce((s, c) => s + Number(c.total_incl_vat_cents), 0);
  const amount = request.amountInclVatCents ?? remaining;
  if (amount <= 0 || amount > remaining) {
    throw new ConfrereError(
      ErrorCode.BILLING_CREDIT_EXCEEDS_INVOICE,
      409,
      `creditNote: at most ${remaining} cents (VAT included) of invoice ${invoice.number} can still be credited`,
    );
  }
  const rate = Number(invoice.vat_rate_bp);
  // The amount excluding VAT that, with its VAT, comes nearest to the amount asked (within a cent).
  const excl = Math.round((amount * 10_000) / (10_000 + rate));
  const isWhole = amount === Number(invoice.total_incl_vat_cents);
  const lines: InvoiceLine[] = isWhole
    ? (JSON.parse(invoice.lines) as InvoiceLine[])
    : [
        {
          description: `Avoir partiel sur la facture ${invoice.number}`,
          quantity: 1,
          unitPriceExclVatCents: excl,
          totalExclVatCents: excl,
        },
      ];
  return issueInvoice(ctx, {
    kind: "credit_note",
    payer: invoice.payer_user_id
      ? { userId: invoice.payer_user_id }
      : { organisationId: invoice.payer_organisation_id ?? "" },
    buyer: JSON.parse(invoice.buyer) as Buyer,
    lines,
    vatRateBp: rate,
    periodStart: invoice.period_start,
    periodEnd: invoice.period_end,
    isPaid: false,
    paidAt: null,
    paymentId: null,
    paymentMethodLabel: null,
    paymentReference: null,
    correctsInvoiceId: invoice.id,
    reason: request.reason,
    actorId: request.actorId,
  });
}
