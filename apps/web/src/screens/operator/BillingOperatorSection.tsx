import type { BillingPlan, InvoiceSummary } from "@confrere/protocol";
import { type FormEvent, useCallback, useEffect, useState } from "react";
import { Alert, Field, Spinner, SubmitButton } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { formatCents, parseEuros } from "../../lib/billing-format.ts";
import { useAction } from "../../lib/use-action.ts";
import { useSession } from "../../session.tsx";
import { InvoiceTable } from "../billing/InvoiceTable.tsx";
import { RecordTransferForm } from "./RecordTransferForm.tsx";

/**
 * Operators' billing: record a bank transfer (its invoice is issued at once), read a year's
 * invoices and credit notes in number order (the series the accountant checks for gaps), and
 * issue a credit note. The refund itself is made at the bank or at the payment provider.
 */
export function BillingOperatorSection({ onChange }: { onChange(): void }) {
  const { t } = useI18n();
  const { api } = useSession();
  const [plans, setPlans] = useState<BillingPlan[]>([]);
  const [year, setYear] = useState(() => String(new Date().getFullYear()));
  const [shownYear, setShownYear] = useState(year);
  const [invoices, setInvoices] = useState<InvoiceSummary[] | null>(null);
  const [crediting, setCrediting] = useState<InvoiceSummary | null>(null);
  const action = useAction();

  const load = useCallback(
    async (which: string) => {
      const [list, onSale] = await Promise.all([api.invoicesOfYear(Number(which)), api.billingPlans()]);
      setInvoices(list.invoices);
      setPlans(onSale.plans);
      setShownYear(which);
    },
    [api],
  );
  useEffect(() => {
    void action.run(() => load(String(new Date().getFullYear())));
  }, [action.run, load]);

  function changed() {
    onChange();
    void action.run(() => load(shownYear));
  }

  return (
    <section className="card" aria-labelledby="operator-billing-title">
      <h2 id="operator-billing-title">{t("operatorBilling.title")}</h2>
      <h3 id="record-title">{t("operatorBilling.recordTitle")}</h3>
      <p className="hint">{t("operatorBilling.recordIntro")}</p>
      <RecordTransferForm plans={plans} onRecorded={changed} />

      <h3 id="year-invoices-title">{t("operatorBilling.yearTitle")}</h3>
      <search>
        <form
          className="inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            void action.run(() => load(year));
          }}
          aria-labelledby="year-invoices-title"
        >
          <Field
            label={t("operatorBilling.year")}
            inputMode="numeric"
            pattern="[0-9]{4}"
            maxLength={4}
            value={year}
            onChange={(event) => setYear(event.target.value.replace(/\D/g, ""))}
          />
          <SubmitButton busy={action.busy}>{t("operatorBilling.show")}</SubmitButton>
        </form>
      </search>
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      {crediting ? (
        <CreditNoteForm
          invoice={crediting}
          onDone={() => {
            setCrediting(null);
            changed();
          }}
          onCancel={() => setCrediting(null)}
        />
      ) : null}
      {invoices === null ? (
        action.error ? null : (
          <Spinner label={t("app.loading")} />
        )
      ) : (
        <InvoiceTable
          invoices={invoices}
          caption={t("operatorBilling.yearCaption", { year: shownYear })}
          canDownload={false}
          withPayer
          actions={(invoice) =>
            invoice.kind === "invoice" ? (
              <button
                type="button"
                className="btn btn-secondary btn-small"
                onClick={() => setCrediting(invoice)}
                aria-label={t("operatorBilling.creditLabel", { number: invoice.number })}
              >
                {t("operatorBilling.credit")}
              </button>
            ) : null
          }
        />
      )}
    </section>
  );
}

/** A credit note (avoir) against one invoice: all of it, or part of it, with the reason. */
function CreditNoteForm({
  invoice,
  onDone,
  onCancel,
}: {
  invoice: InvoiceSummary;
  onDone(): void;
  onCancel(): void;
}) {
  const { t, locale } = useI18n();
  const { api } = useSession();
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const [amountError, setAmountError] = useState<string | null>(null);
  const action = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const cents = amount.trim() === "" ? undefined : parseEuros(amount);
    if (cents === null) {
      setAmountError(t("operatorBilling.amountInvalid"));
      return;
    }
    const result = await action.run(() =>
      api.issueCreditNote(invoice.id, {
        reason: reason.trim(),
        ...(cents !== undefined ? { amountCents: cents } : {}),
      }),
    );
    if (result) onDone();
  }

  const label = t("operatorBilling.creditLabel", { number: invoice.number });
  return (
    <form className="subcard stack" onSubmit={submit} aria-label={label}>
      <p>
        <strong>{label}</strong> ({formatCents(invoice.totalInclVatCents, locale)})
      </p>
      <Field
        label={t("operatorBilling.creditAmount")}
        hint={t("operatorBilling.creditAmountHint")}
        inputMode="decimal"
        value={amount}
        error={amountError}
        onChange={(event) => {
          setAmount(event.target.value);
          setAmountError(null);
        }}
        maxLength={20}
      />
      <Field
        label={t("operatorBilling.creditReason")}
        required
        value={reason}
        onChange={(event) => setReason(event.target.value)}
        maxLength={200}
      />
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      <div className="actions">
        <SubmitButton busy={action.busy}>{t("operatorBilling.creditSubmit")}</SubmitButton>
        <button type="button" className="btn btn-secondary" onClick={onCancel}>
          {t("admin.cancel")}
        </button>
      </div>
    </form>
  );
}
