import { sql, type Transaction } from "kysely";
import type { Database } from "../db/schema.ts";

export type InvoiceSeries = "invoice" | "credit_note";

/**
 * Takes the next number of a series for a year, inside the caller's transaction, which must also
 * insert the invoice: French invoices are numbered in one continuous, gapless sequence per series
 * (CGI annexe II art. 242 nonies A). The counter row is upserted as the
 * transaction's first write, so it holds the row's lock until the invoice is committed — on
 * PostgreSQL concurrent payments queue on that lock (as `select … for update` would), and on SQLite
 * the write lock serialises whole transactions. A rolled-back invoice gives its number back.
 *
 * Credit notes (avoirs) have their own series, `AV-2026-000001`: French practice allows a separate
 * series when each is continuous, and it keeps the invoice sequence free of negative documents.
 */
export async function allocateInvoiceNumber(
  tx: Transaction<Database>,
  series: InvoiceSeries,
  year: number,
): Promise<{ sequence: number; number: string }> {
  const row = await tx
    .insertInto("billing_invoice_counters")
    .values({ series, year, last_sequence: 1 })
    .onConflict((oc) =>
      oc
        .columns(["series", "year"])
        .doUpdateSet({ last_sequence: sql`billing_invoice_counters.last_sequence + 1` }),
    )
    .returning("last_sequence")
    .executeTakeFirstOrThrow();
  const sequence = Number(row.last_sequence);
  return { sequence, number: formatInvoiceNumber(series, year, sequence) };
}

/** `2026-000042`, or `AV-2026-000003` for a credit note. */
export function formatInvoiceNumber(series: InvoiceSeries, year: number, sequence: number): string {
  const body = `${year}-${String(sequence).padStart(6, "0")}`;
  return series === "credit_note" ? `AV-${body}` : body;
}
