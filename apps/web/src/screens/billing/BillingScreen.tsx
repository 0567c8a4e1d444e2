import type { BillingDetails, BillingMeResponse, BillingPlan } from "@confrere/protocol";
import { useCallback, useEffect, useState } from "react";
import { Alert, Page, Spinner } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { announceSubscription } from "../../lib/billing-events.ts";
import { useLinkToken } from "../../lib/router.tsx";
import { useAction } from "../../lib/use-action.ts";
import { useSession } from "../../session.tsx";
import { BillingDetailsForm } from "./BillingDetailsForm.tsx";
import { InvoiceTable } from "./InvoiceTable.tsx";
import { PlanChoice } from "./PlanChoice.tsx";
import { SubscriptionSummary } from "./SubscriptionSummary.tsx";

/** After a payment the provider's webhook may reach the server a little after the browser. */
const CONFIRMATION_CHECKS = 10;
const CONFIRMATION_INTERVAL_MS = 3_000;

/**
 * "Abonnement" (`/abonnement`; the payment provider sends people back to `/facturation?paiement=…`):
 * where the subscription stands, the plans, the name and address on invoices, and the invoices.
 * Its own chunk: opened now and then.
 */
export default function BillingScreen() {
  const { t } = useI18n();
  const { api } = useSession();
  // The provider's return: read once, then removed from the address bar.
  const payment = useLinkToken("paiement");
  const [me, setMe] = useState<BillingMeResponse | null>(null);
  const [plans, setPlans] = useState<BillingPlan[] | null>(null);
  const [details, setDetails] = useState<BillingDetails | null | undefined>(undefined);
  const action = useAction();

  const load = useCallback(async () => {
    const [fresh, onSale, mine] = await Promise.all([
      api.billingMe(),
      api.billingPlans(),
      api.billingDetails(),
    ]);
    setMe(fresh);
    setPlans(onSale.plans);
    setDetails(mine.details);
    announceSubscription(fresh.subscription);
    return fresh;
  }, [api]);

  useEffect(() => {
    void action.run(load);
  }, [action.run, load]);

  // Back from a payment: ask again a few times until the payment shows, then stop.
  const confirmed = me ? me.subscription.state === "active" || me.subscription.state === "sponsored" : false;
  const loaded = me !== null;
  useEffect(() => {
    // Depends on `loaded`, not on each fresh answer: the count of checks must not start over.
    if (payment !== "ok" || confirmed || !loaded) return;
    let checks = 0;
    const timer = window.setInterval(() => {
      checks += 1;
      if (checks > CONFIRMATION_CHECKS) {
        window.clearInterval(timer);
        return;
      }
      api
        .billingMe()
        .then((fresh) => {
          setMe(fresh);
          announceSubscription(fresh.subscription);
        })
        .catch(() => {});
    }, CONFIRMATION_INTERVAL_MS);
    return () => window.clearInterval(timer);
  }, [api, payment, confirmed, loaded]);

  return (
    <Page title={t("billing.title")}>
      {payment === "ok" ? (
        <Alert kind="success">{confirmed ? t("billing.return.confirmed") : t("billing.return.ok")}</Alert>
      ) : null}
      {payment === "annule" ? <Alert kind="info">{t("billing.return.cancelled")}</Alert> : null}
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      {!me || !plans ? (
        action.error ? null : (
          <Spinner label={t("app.loading")} />
        )
      ) : (
        <div className="sections">
          <SubscriptionSummary subscription={me.subscription} />
          <PlanChoice
            plans={plans}
            subscription={me.subscription}
            onlinePaymentsEnabled={me.onlinePaymentsEnabled}
          />
          <section className="card" aria-labelledby="invoices-title">
            <h2 id="invoices-title">{t("billing.invoices.title")}</h2>
            <p className="hint">{t("billing.invoices.intro")}</p>
            <InvoiceTable invoices={me.invoices} caption={t("billing.invoices.title")} />
          </section>
          {details !== undefined ? (
            <section className="card" aria-labelledby="details-title">
              <h2 id="details-title">{t("billing.details.title")}</h2>
              <p className="hint">{t("billing.details.intro")}</p>
              <BillingDetailsForm
                details={details}
                variant="person"
                onSave={async (next) => {
                  const answer = await api.setBillingDetails(next);
                  setDetails(answer.details);
                  return answer;
                }}
              />
            </section>
          ) : null}
        </div>
      )}
    </Page>
  );
}
