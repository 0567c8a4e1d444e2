import type { BillingPlan, InvoiceSummary, SeatPurchase } from "@confrere/protocol";
import { useI18n } from "../../i18n/i18n.tsx";

/** The seat periods bought: plan, seats, dates, state, and the invoice that settled each. */
export function PurchasesTable({
  purchases,
  plans,
  invoices,
}: {
  purchases: readonly SeatPurchase[];
  plans: readonly BillingPlan[];
  invoices: readonly InvoiceSummary[];
}) {
  const { t, formatDate } = useI18n();
  if (purchases.length === 0) return <p className="hint">{t("sponsor.purchases.none")}</p>;
  const planName = (planId: string) => {
    const plan = plans.find((p) => p.id === planId);
    return plan ? `${plan.name} (${t(`billing.plans.${plan.interval}ly`)})` : planId;
  };
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">{t("sponsor.purchases.title")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("sponsor.purchases.period")}</th>
            <th scope="col">{t("sponsor.purchases.plan")}</th>
            <th scope="col" className="num">
              {t("sponsor.purchases.seats")}
            </th>
            <th scope="col">{t("sponsor.purchases.state")}</th>
            <th scope="col">{t("sponsor.purchases.invoice")}</th>
          </tr>
        </thead>
        <tbody>
          {purchases.map((purchase) => (
            <tr key={purchase.id} data-testid="purchase">
              <td>
                {t("billing.invoices.periodRange", {
                  from: formatDate(purchase.startsAt, "date"),
                  to: formatDate(purchase.endsAt - 1, "date"),
                })}
              </td>
              <td>{planName(purchase.planId)}</td>
              <td className="num">{purchase.seats}</td>
              <td>{t(`sponsor.purchases.status.${purchase.status}`)}</td>
              <td className="mono">
                {invoices.find((invoice) => invoice.id === purchase.invoiceId)?.number ?? "—"}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
