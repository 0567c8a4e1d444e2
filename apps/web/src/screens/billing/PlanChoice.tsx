import type { BillingInterval, BillingPlan, Subscription } from "@confrere/protocol";
import { useId, useState } from "react";
import { Alert } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { formatCents, goToPaymentPage } from "../../lib/billing-format.ts";
import { useAction } from "../../lib/use-action.ts";
import { useSession } from "../../session.tsx";

const MIB = 1024 * 1024;

/** Who may pay online now: not before the trial exists, not when sponsored or already paying by card/SEPA. */
function mayCheckOut(subscription: Subscription): boolean {
  if (subscription.state === "none" || subscription.state === "sponsored") return false;
  return !subscription.hasAutomaticRenewal;
}

/**
 * The plans on sale, monthly or yearly, with prices excluding and including VAT as the API gives
 * them. Choosing one opens the payment provider's hosted page (card or SEPA Direct Debit).
 */
export function PlanChoice({
  plans,
  subscription,
  onlinePaymentsEnabled,
}: {
  plans: readonly BillingPlan[];
  subscription: Subscription;
  onlinePaymentsEnabled: boolean;
}) {
  const { t, locale } = useI18n();
  const { api } = useSession();
  const id = useId();
  const [interval, chooseInterval] = useState<BillingInterval>(() => {
    const current = plans.find((plan) => plan.id === subscription.planId);
    return current?.interval ?? "month";
  });
  const checkout = useAction();
  const money = (cents: number) => formatCents(cents, locale);
  const shown = plans.filter((plan) => plan.interval === interval);
  const canPay = onlinePaymentsEnabled && mayCheckOut(subscription);

  async function choose(plan: BillingPlan) {
    const answer = await checkout.run(() => api.startCheckout(plan.id));
    if (answer) goToPaymentPage(answer.url);
  }

  /** What a year costs less than twelve months of the same offer, VAT included. */
  function yearlySaving(plan: BillingPlan): number {
    const monthly = plans.find((p) => p.code === plan.code && p.interval === "month");
    return monthly ? monthly.priceInclVatCents * 12 - plan.priceInclVatCents : 0;
  }

  return (
    <section className="card" aria-labelledby="plans-title">
      <h2 id="plans-title">{t("billing.plans.title")}</h2>
      {subscription.state === "sponsored" ? <p>{t("billing.plans.sponsored")}</p> : null}
      {subscription.hasAutomaticRenewal ? <p className="hint">{t("billing.plans.changeInPortal")}</p> : null}
      {subscription.state === "none" ? <p className="hint">{t("billing.plans.afterVerification")}</p> : null}
      {!onlinePaymentsEnabled ? <p className="hint">{t("billing.plans.transferOnly")}</p> : null}
      <fieldset className="choices segmented">
        <legend>{t("billing.plans.interval")}</legend>
        {(["month", "year"] as const).map((option) => (
          <label key={option} className="choice" htmlFor={`${id}-${option}`}>
            <input
              type="radio"
              id={`${id}-${option}`}
              name={`${id}-interval`}
              checked={interval === option}
              onChange={() => chooseInterval(option)}
            />
            {t(`billing.plans.${option}ly`)}
          </label>
        ))}
      </fieldset>
      <ul className="plain-list plans">
        {shown.map((plan) => {
          const isCurrent = plan.id === subscription.planId && subscription.state === "active";
          const saving = plan.interval === "year" ? yearlySaving(plan) : 0;
          const per = t(`billing.plans.per.${plan.interval}`);
          return (
            <li key={plan.id} className="plan subcard" data-testid="plan">
              <h3>
                {plan.name} {isCurrent ? <span className="badge">{t("billing.plans.current")}</span> : null}
              </h3>
              <p className="price">
                <strong>{t("billing.plans.priceExcl", { price: money(plan.priceExclVatCents), per })}</strong>
                <br />
                <span className="muted">
                  {t("billing.plans.priceIncl", {
                    price: money(plan.priceInclVatCents),
                    per,
                    rate: plan.vatRateBasisPoints / 100,
                  })}
                </span>
              </p>
              {saving > 0 ? (
                <p className="hint">{t("billing.plans.saving", { amount: money(saving) })}</p>
              ) : null}
              <ul className="features">
                <li>{t("billing.plans.attachments", { size: Math.round(plan.maxAttachmentBytes / MIB) })}</li>
                <li>{t("billing.plans.retention", { days: plan.retentionDays })}</li>
              </ul>
              {canPay ? (
                <button
                  type="button"
                  className="btn btn-primary"
                  onClick={() => void choose(plan)}
                  disabled={checkout.busy}
                  aria-label={t("billing.plans.chooseLabel", {
                    name: plan.name,
                    interval: t(`billing.plans.${plan.interval}ly`),
                  })}
                >
                  {t("billing.plans.choose")}
                </button>
              ) : null}
            </li>
          );
        })}
      </ul>
      {canPay ? <p className="hint">{t("billing.plans.howToPay")}</p> : null}
      {checkout.error ? <Alert kind="error">{checkout.error}</Alert> : null}
    </section>
  );
}
