import type {
  BillingDetails,
  BillingPlan,
  InvoiceSummary,
  OrganisationBillingResponse,
} from "@confrere/protocol";
import { useCallback, useEffect, useState } from "react";
import { Alert, Page, Spinner } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { Link, useLinkToken } from "../../lib/router.tsx";
import { useAction } from "../../lib/use-action.ts";
import { useSession } from "../../session.tsx";
import { BillingDetailsForm } from "../billing/BillingDetailsForm.tsx";
import { InvoiceTable } from "../billing/InvoiceTable.tsx";
import { PurchasesTable } from "./PurchasesTable.tsx";
import { SeatPurchaseForm } from "./SeatPurchaseForm.tsx";
import { SeatsSection } from "./SeatsSection.tsx";

/**
 * "Sièges et facturation" of an organisation that pays for its members (`/organisations/:id/facturation`,
 * where the payment provider also sends its administrators back): seats and who holds them, buying
 * seats, purchases and invoices, and the identity printed on invoices. Only what the billing API
 * returns: a sponsor learns nothing else about its members.
 */
export function SponsorBilling({ id }: { id: string }) {
  const { t } = useI18n();
  const { api } = useSession();
  const payment = useLinkToken("paiement");
  const [billing, setBilling] = useState<OrganisationBillingResponse | null>(null);
  const [invoices, setInvoices] = useState<InvoiceSummary[] | null>(null);
  const [plans, setPlans] = useState<BillingPlan[]>([]);
  const [onlinePayments, setOnlinePayments] = useState(false);
  const action = useAction();

  const load = useCallback(async () => {
    const [usage, list, onSale, me] = await Promise.all([
      api.organisationBilling(id),
      api.listInvoices({ organisationId: id }),
      api.billingPlans(),
      api.billingMe(),
    ]);
    setBilling(usage);
    setInvoices(list.invoices);
    setPlans(onSale.plans);
    setOnlinePayments(me.onlinePaymentsEnabled);
  }, [api, id]);
  useEffect(() => {
    void action.run(load);
  }, [action.run, load]);

  const back = (
    <p>
      <Link to={`/organisations/${id}`}>{t("sponsor.back")}</Link>
    </p>
  );
  if (!billing || !invoices) {
    return (
      <Page title={t("sponsor.title")}>
        {back}
        {action.error ? <Alert kind="error">{action.error}</Alert> : <Spinner label={t("app.loading")} />}
      </Page>
    );
  }
  return (
    <Page title={t("sponsor.titleOf", { name: billing.name })}>
      {back}
      {payment === "ok" ? <Alert kind="success">{t("sponsor.return.ok")}</Alert> : null}
      {payment === "annule" ? <Alert kind="info">{t("billing.return.cancelled")}</Alert> : null}
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      <p className="hint">{t("sponsor.privacy")}</p>
      <div className="sections">
        <SeatsSection organisationId={id} billing={billing} onChange={setBilling} />
        <section className="card" aria-labelledby="purchases-title">
          <h2 id="purchases-title">{t("sponsor.purchases.title")}</h2>
          <PurchasesTable purchases={billing.purchases} plans={plans} invoices={invoices} />
        </section>
        <section className="card" aria-labelledby="sponsor-invoices-title">
          <h2 id="sponsor-invoices-title">{t("billing.invoices.title")}</h2>
          <InvoiceTable invoices={invoices} caption={t("billing.invoices.title")} />
        </section>
        <section className="card" aria-labelledby="buy-title">
          <h2 id="buy-title">{t("sponsor.buy.title")}</h2>
          {onlinePayments ? <SeatPurchaseForm organisationId={id} plans={plans} /> : null}
          <p className="hint">{t("sponsor.buy.transfer")}</p>
        </section>
        <section className="card" aria-labelledby="sponsor-details-title">
          <h2 id="sponsor-details-title">{t("billing.details.title")}</h2>
          <p className="hint">{t("sponsor.details.intro")}</p>
          <BillingDetailsForm
            details={billing.details}
            variant="organisation"
            onSave={async (next: BillingDetails) => {
              const answer = await api.setOrganisationBillingDetails(id, next);
              setBilling((previous) => (previous ? { ...previous, details: answer.details } : previous));
              return answer;
            }}
          />
        </section>
      </div>
    </Page>
  );
}
