import { ConfrereError, ErrorCode } from "@confrere/protocol";
import { normalizeEmail } from "../accounts/users.ts";
import { closeAppContext, createAppContext } from "../app-context.ts";
import { formatEuros, formatRate } from "../billing/amounts.ts";
import { formatParisDate } from "../billing/calendar.ts";
import { invoicesOfYear, toInvoiceSummary } from "../billing/invoices.ts";
import { currentPlans, toWirePlan } from "../billing/plans.ts";
import { recordTransfer } from "../billing/transfers.ts";
import { loadConfig } from "../config.ts";
import type { AppContext } from "../context.ts";
import { flags, UsageError } from "./flags.ts";

async function withContext<T>(run: (ctx: AppContext) => Promise<T>): Promise<T> {
  const ctx = await createAppContext(loadConfig(), { migrate: true });
  try {
    return await run(ctx);
  } finally {
    await closeAppContext(ctx);
  }
}

function pad(cells: string[][]): string {
  const widths = cells[0]!.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? "").length)));
  return cells
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** `confrere-server billing plans [--json]`: the plans on sale. */
async function runPlans(args: string[]): Promise<number> {
  const { json } = flags(args, { json: { type: "boolean" } });
  const plans = await withContext(async (ctx) => (await currentPlans(ctx)).map(toWirePlan));
  if (json) {
    console.log(JSON.stringify({ plans }));
    return 0;
  }
  console.log(
    pad([
      ["id", "name", "interval", "excl. VAT", "VAT", "incl. VAT", "trial"],
      ...plans.map((p) => [
        p.id,
        p.name,
        p.interval,
        formatEuros(p.priceExclVatCents),
        formatRate(p.vatRateBasisPoints),
        formatEuros(p.priceInclVatCents),
        `${p.trialDays} days`,
      ]),
    ]),
  );
  return 0;
}

/**
 * `confrere-server billing record-payment --organisation ID|--user EMAIL --amount-cents N
 * --reference REF [--plan ID] [--seats N --from DATE --to DATE] [--received-on DATE] [--json]`:
 * records a bank transfer and issues its settled invoice.
 */
async function runRecordPayment(args: string[]): Promise<number> {
  const values = flags(args, {
    organisation: { type: "string" },
    user: { type: "string" },
    "amount-cents": { type: "string" },
    reference: { type: "string" },
    plan: { type: "string" },
    seats: { type: "string" },
    from: { type: "string" },
    to: { type: "string" },
    "received-on": { type: "string" },
    json: { type: "boolean" },
  });
  const usage = (message: string) => new UsageError(`billing record-payment: ${message}`);
  if ((values.organisation === undefined) === (values.user === undefined)) {
    throw usage("give either --organisation ID or --user EMAIL");
  }
  const amount = values["amount-cents"];
  if (amount === undefined || !/^[1-9][0-9]{0,9}$/.test(amount)) {
    throw usage("--amount-cents is required: the amount received, VAT included, in cents (e.g. 36000)");
  }
  if (!values.reference?.trim()) throw usage("--reference is required: the transfer's reference");
  const seats = values.seats;
  if (seats !== undefined && !/^[1-9][0-9]{0,5}$/.test(seats)) throw usage("--seats must be a whole number");
  for (const name of ["from", "to", "received-on"] as const) {
    const value = values[name];
    if (value !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(value))
      throw usage(`--${name} must be a day YYYY-MM-DD`);
  }
  if (values.organisation !== undefined && (seats === undefined || !values.from || !values.to)) {
    throw usage("an organisation's payment buys seats: give --seats N --from YYYY-MM-DD --to YYYY-MM-DD");
  }
  const result = await withContext(async (ctx) => {
    let payer: { organisationId: string } | { userId: string };
    if (values.user !== undefined) {
      const user = await ctx.db
        .selectFrom("users")
        .select("id")
        .where("email", "=", normalizeEmail(values.user))
        .executeTakeFirst();
      if (!user)
        throw new ConfrereError(
          ErrorCode.USER_NOT_FOUND,
          404,
          `recordPayment: no account has the address ${values.user}`,
        );
      payer = { userId: user.id };
    } else {
      payer = { organisationId: values.organisation! };
    }
    const { paymentId, invoice } = await recordTransfer(
      ctx,
      {
        payer,
        amountCents: Number(amount),
        reference: values.reference!.trim(),
        ...(values.plan !== undefined ? { planId: values.plan } : {}),
        ...(seats !== undefined ? { seats: Number(seats) } : {}),
        ...(values.from !== undefined ? { startsOn: values.from } : {}),
        ...(values.to !== undefined ? { endsOn: values.to } : {}),
        ...(values["received-on"] !== undefined ? { receivedOn: values["received-on"] } : {}),
      },
      null,
    );
    return { paymentId, invoice: toInvoiceSummary(invoice) };
  });
  if (values.json) console.log(JSON.stringify(result));
  else
    console.log(
      `Payment ${result.paymentId} recorded; invoice ${result.invoice.number} issued (${formatEuros(result.invoice.totalInclVatCents)} incl. VAT, settled).`,
    );
  return 0;
}

/** `confrere-server billing invoices --year YYYY [--json]`: the year's invoices and credit notes, in number order. */
async function runInvoices(args: string[]): Promise<number> {
  const values = flags(args, { year: { type: "string" }, json: { type: "boolean" } });
  if (!values.year || !/^\d{4}$/.test(values.year))
    throw new UsageError("billing invoices: --year YYYY is required");
  const year = Number(values.year);
  const rows = await withContext((ctx) => invoicesOfYear(ctx, year));
  const invoices = rows.map((row) => ({
    ...toInvoiceSummary(row),
    buyer: (JSON.parse(row.buyer) as { name: string }).name,
  }));
  const totals = invoices.reduce(
    (sum, i) => ({
      exclVat: sum.exclVat + i.totalExclVatCents,
      vat: sum.vat + i.vatCents,
      inclVat: sum.inclVat + i.totalInclVatCents,
    }),
    { exclVat: 0, vat: 0, inclVat: 0 },
  );
  if (values.json) {
    console.log(JSON.stringify({ year, invoices, totals }));
    return 0;
  }
  if (invoices.length === 0) {
    console.log(`No invoice in ${year}.`);
    return 0;
  }
  console.log(
    pad([
      ["number", "date", "buyer", "excl. VAT", "VAT", "incl. VAT", "settled"],
      ...invoices.map((i) => [
        i.number,
        formatParisDate(i.issuedAt),
        i.buyer,
        formatEuros(i.totalExclVatCents),
        formatEuros(i.vatCents),
        formatEuros(i.totalInclVatCents),
        i.isPaid ? "yes" : "no",
      ]),
      [
        "total",
        "",
        "",
        formatEuros(totals.exclVat),
        formatEuros(totals.vat),
        formatEuros(totals.inclVat),
        "",
      ],
    ]),
  );
  return 0;
}

/** `confrere-server billing plans|record-payment|invoices`. */
export async function runBilling(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case "plans":
      return runPlans(rest);
    case "record-payment":
      return runRecordPayment(rest);
    case "invoices":
      return runInvoices(rest);
    default:
      throw new UsageError(
        `billing: unknown subcommand "${sub ?? ""}" (expected: plans, record-payment, invoices)`,
      );
  }
}
