import type { InvoiceSummary } from "@confrere/protocol";
import type { ReactNode } from "react";
import { Alert } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { formatCents, saveFile } from "../../lib/billing-format.ts";
import { useAction } from "../../lib/use-action.ts";
import { useSession } from "../../session.tsx";

/**
 * Invoices and credit notes as a table: number, date, period, amounts, state. The payer downloads
 * each PDF (`canDownload`); an operator gets a row action instead (`actions`), and the payer's id.
 */
export function InvoiceTable({
  invoices,
  caption,
  canDownload = true,
  withPayer = false,
  actions,
}: {
  invoices: readonly InvoiceSummary[];
  caption: string;
  canDownload?: boolean;
  withPayer?: boolean;
  actions?: (invoice: InvoiceSummary) => ReactNode;
}) {
  const { t, locale, formatDate } = useI18n();
  const { api } = useSession();
  const download = useAction();
  const money = (cents: number) => formatCents(cents, locale);

  async function save(invoice: InvoiceSummary) {
    const bytes = await download.run(() => api.downloadInvoicePdf(invoice.id));
    const prefix =
      invoice.kind === "credit_note" ? t("billing.invoices.creditFile") : t("billing.invoices.file");
    if (bytes) saveFile(bytes, `${prefix}-${invoice.number}.pdf`, "application/pdf");
  }

  if (invoices.length === 0) return <p className="hint">{t("billing.invoices.none")}</p>;
  return (
    <>
      {download.error ? <Alert kind="error">{download.error}</Alert> : null}
      <div className="table-wrap">
        <table className="invoices">
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              <th scope="col">{t("billing.invoices.number")}</th>
              <th scope="col">{t("billing.invoices.date")}</th>
              {withPayer ? <th scope="col">{t("billing.invoices.payer")}</th> : null}
              <th scope="col">{t("billing.invoices.period")}</th>
              <th scope="col" className="num">
                {t("billing.invoices.exclVat")}
              </th>
              <th scope="col" className="num">
                {t("billing.invoices.vat")}
              </th>
              <th scope="col" className="num">
                {t("billing.invoices.inclVat")}
              </th>
              <th scope="col">{t("billing.invoices.state")}</th>
              {canDownload || actions ? <th scope="col">{t("billing.invoices.actions")}</th> : null}
            </tr>
          </thead>
          <tbody>
            {invoices.map((invoice) => (
              <tr key={invoice.id} data-testid="invoice">
                <th scope="row" className="mono">
                  {invoice.number}
                </th>
                <td>{formatDate(invoice.issuedAt, "date")}</td>
                {withPayer ? (
                  <td className="mono">
                    {invoice.payer.type === "organisation"
                      ? t("billing.invoices.payerOrganisation", { id: invoice.payer.organisationId })
                      : t("billing.invoices.payerUser", { id: invoice.payer.userId })}
                  </td>
                ) : null}
                <td>
                  {invoice.periodStart !== null && invoice.periodEnd !== null
                    ? t("billing.invoices.periodRange", {
                        from: formatDate(invoice.periodStart, "date"),
                        // The end is exclusive on the wire; people read the last day covered.
                        to: formatDate(invoice.periodEnd - 1, "date"),
                      })
                    : "—"}
                </td>
                <td className="num">{money(invoice.totalExclVatCents)}</td>
                <td className="num">{money(invoice.vatCents)}</td>
                <td className="num">{money(invoice.totalInclVatCents)}</td>
                <td>
                  {invoice.kind === "credit_note"
                    ? t("billing.invoices.creditNote")
                    : invoice.isPaid
                      ? t("billing.invoices.paid")
                      : t("billing.invoices.unpaid")}
                </td>
                {canDownload || actions ? (
                  <td className="row-actions">
                    {canDownload ? (
                      <button
                        type="button"
                        className="btn btn-secondary btn-small"
                        onClick={() => void save(invoice)}
                        disabled={download.busy}
                        aria-label={t("billing.invoices.downloadLabel", { number: invoice.number })}
                      >
                        {t("billing.invoices.download")}
                      </button>
                    ) : null}
                    {actions?.(invoice)}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
