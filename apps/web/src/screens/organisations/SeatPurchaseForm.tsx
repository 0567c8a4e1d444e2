import type { BillingPlan } from "@confrere/protocol";
import { type FormEvent, useState } from "react";
import { Alert, Field, SelectField, SubmitButton } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { formatCents, goToPaymentPage, isoDay, periodEndDay } from "../../lib/billing-format.ts";
import { useAction } from "../../lib/use-action.ts";
import { useSession } from "../../session.tsx";

/**
 * Buying seats online: a plan, a number of seats and a period (a year from today by default);
 * the payment provider's page takes the card or the SEPA mandate. The price is the server's.
 */
export function SeatPurchaseForm({
  organisationId,
  plans,
}: {
  organisationId: string;
  plans: readonly BillingPlan[];
}) {
  const { t, locale } = useI18n();
  const { api } = useSession();
  const [planId, setPlanId] = useState(
    () => plans.find((p) => p.interval === "year")?.id ?? plans[0]?.id ?? "",
  );
  const [seats, setSeats] = useState("10");
  const [startsOn, setStartsOn] = useState(() => isoDay(Date.now()));
  const [endsOn, setEndsOn] = useState(() => periodEndDay(isoDay(Date.now()), 12));
  const action = useAction();
  const plan = plans.find((p) => p.id === planId);
  const monthlyExcl = plan
    ? plan.interval === "year"
      ? Math.round(plan.priceExclVatCents / 12)
      : plan.priceExclVatCents
    : 0;

  async function submit(event: FormEvent) {
    event.preventDefault();
    const count = Number(seats);
    const answer = await action.run(() =>
      api.startSeatCheckout(organisationId, { planId, seats: count, startsOn, endsOn }),
    );
    if (answer) goToPaymentPage(answer.url);
  }

  return (
    <form className="stack" onSubmit={submit} aria-labelledby="buy-title">
      <SelectField
        label={t("sponsor.buy.plan")}
        value={planId}
        onChange={(event) => setPlanId(event.target.value)}
        options={plans.map((p) => ({
          value: p.id,
          label: `${p.name} (${t(`billing.plans.${p.interval}ly`)})`,
        }))}
      />
      {plan ? (
        <p className="hint">{t("sponsor.buy.unitPrice", { price: formatCents(monthlyExcl, locale) })}</p>
      ) : null}
      <Field
        label={t("sponsor.buy.seats")}
        type="number"
        inputMode="numeric"
        min={1}
        max={100_000}
        step={1}
        required
        value={seats}
        onChange={(event) => setSeats(event.target.value)}
      />
      <div className="field-row">
        <Field
          label={t("sponsor.buy.startsOn")}
          type="date"
          required
          value={startsOn}
          onChange={(event) => {
            setStartsOn(event.target.value);
            if (event.target.value) setEndsOn(periodEndDay(event.target.value, 12));
          }}
        />
        <Field
          label={t("sponsor.buy.endsOn")}
          type="date"
          required
          min={startsOn}
          value={endsOn}
          onChange={(event) => setEndsOn(event.target.value)}
        />
      </div>
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      <div className="actions">
        <SubmitButton busy={action.busy}>{t("sponsor.buy.submit")}</SubmitButton>
      </div>
    </form>
  );
}
