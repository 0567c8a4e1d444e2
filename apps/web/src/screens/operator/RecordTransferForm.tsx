import type { BillingPlan, Organisation, RecordPaymentRequest } from "@confrere/protocol";
import { type FormEvent, useId, useState } from "react";
import { Alert, Field, SelectField, SubmitButton } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { formatCents, isoDay, parseEuros, periodEndDay } from "../../lib/billing-format.ts";
import { useAction } from "../../lib/use-action.ts";
import { useSession } from "../../session.tsx";

type PayerKind = "organisation" | "user";

/**
 * Recording a bank transfer (how public bodies pay, by mandat administratif): who paid (an
 * organisation found by name, or a professional by e-mail), the amount in euros as the statement
 * says it, the transfer's reference, and for an organisation the seats and their period. The
 * server issues the settled invoice at once.
 */
export function RecordTransferForm({
  plans,
  onRecorded,
}: {
  plans: readonly BillingPlan[];
  onRecorded(): void;
}) {
  const { t, locale } = useI18n();
  const { api } = useSession();
  const id = useId();
  const [kind, setKind] = useState<PayerKind>("organisation");
  const [orgQuery, setOrgQuery] = useState("");
  const [found, setFound] = useState<Organisation[] | null>(null);
  const [organisation, setOrganisation] = useState<Organisation | null>(null);
  const [email, setEmail] = useState("");
  const [amount, setAmount] = useState("");
  const [reference, setReference] = useState("");
  const [receivedOn, setReceivedOn] = useState(() => isoDay(Date.now()));
  const [planId, setPlanId] = useState("");
  const [seats, setSeats] = useState("1");
  const [startsOn, setStartsOn] = useState(() => isoDay(Date.now()));
  const [endsOn, setEndsOn] = useState(() => periodEndDay(isoDay(Date.now()), 12));
  const [amountError, setAmountError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const search = useAction();
  const action = useAction();

  async function findOrganisations(event?: FormEvent) {
    event?.preventDefault();
    const answer = await search.run(() =>
      api.listOrganisations({ q: orgQuery.trim() || undefined, limit: 20 }),
    );
    if (answer) setFound(answer.organisations.map((entry) => entry.organisation));
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setDone(null);
    const amountCents = parseEuros(amount);
    setAmountError(amountCents === null ? t("operatorBilling.amountInvalid") : null);
    if (amountCents === null) return;
    if (kind === "organisation" && !organisation) {
      action.setError(t("operatorBilling.pickOrganisation"));
      return;
    }
    const result = await action.run(
      async () => {
        let payer: RecordPaymentRequest["payer"];
        if (kind === "organisation" && organisation) {
          payer = { organisationId: organisation.id };
        } else {
          // The operator knows the professional by e-mail; the API takes the account's id.
          const wanted = email.trim().toLocaleLowerCase();
          const { users } = await api.adminUsers(wanted);
          const user = users.find((u) => u.email.toLocaleLowerCase() === wanted);
          if (!user) throw new EmailNotFound();
          payer = { userId: user.id };
        }
        const request: RecordPaymentRequest = {
          payer,
          amountCents,
          reference: reference.trim(),
          receivedOn,
          ...(planId ? { planId } : {}),
          ...(kind === "organisation" ? { seats: Number(seats), startsOn, endsOn } : {}),
        };
        return api.recordPayment(request);
      },
      (error) => {
        if (!(error instanceof EmailNotFound)) return false;
        action.setError(t("operatorBilling.emailNotFound", { email: email.trim() }));
        return true;
      },
    );
    if (result) {
      setDone(
        t("operatorBilling.recorded", {
          number: result.invoice.number,
          amount: formatCents(result.invoice.totalInclVatCents, locale),
        }),
      );
      setAmount("");
      setReference("");
      onRecorded();
    }
  }

  return (
    <div className="stack">
      <fieldset className="choices">
        <legend>{t("operatorBilling.payerKind")}</legend>
        {(["organisation", "user"] as const).map((option) => (
          <label key={option} className="choice" htmlFor={`${id}-${option}`}>
            <input
              type="radio"
              id={`${id}-${option}`}
              name={`${id}-kind`}
              checked={kind === option}
              onChange={() => {
                setKind(option);
                setPlanId("");
              }}
            />
            {t(`operatorBilling.payer.${option}`)}
          </label>
        ))}
      </fieldset>
      {kind === "organisation" ? (
        <div className="subcard">
          <search>
            <form
              className="inline-form"
              onSubmit={findOrganisations}
              aria-label={t("operatorBilling.findOrganisation")}
            >
              <Field
                label={t("operatorBilling.organisationName")}
                type="search"
                value={orgQuery}
                onChange={(event) => setOrgQuery(event.target.value)}
                maxLength={200}
                name="organisation-q"
              />
              <SubmitButton busy={search.busy}>{t("operatorBilling.findOrganisation")}</SubmitButton>
            </form>
          </search>
          {search.error ? <Alert kind="error">{search.error}</Alert> : null}
          {found?.length === 0 ? <p className="hint">{t("admin.none")}</p> : null}
          {found?.length ? (
            <fieldset className="choices">
              <legend>{t("operatorBilling.organisation")}</legend>
              {found.map((candidate) => (
                <label key={candidate.id} className="choice" htmlFor={`${id}-org-${candidate.id}`}>
                  <input
                    type="radio"
                    id={`${id}-org-${candidate.id}`}
                    name={`${id}-organisation`}
                    checked={organisation?.id === candidate.id}
                    onChange={() => setOrganisation(candidate)}
                  />
                  {candidate.name}
                </label>
              ))}
            </fieldset>
          ) : null}
        </div>
      ) : null}
      <form className="stack" onSubmit={submit} aria-label={t("operatorBilling.recordTitle")}>
        {kind === "user" ? (
          <Field
            label={t("operatorBilling.email")}
            type="email"
            required
            value={email}
            onChange={(event) => setEmail(event.target.value)}
            maxLength={254}
            autoComplete="off"
          />
        ) : organisation ? (
          <p>{t("operatorBilling.chosen", { name: organisation.name })}</p>
        ) : null}
        <Field
          label={t("operatorBilling.amount")}
          hint={t("operatorBilling.amountHint")}
          inputMode="decimal"
          required
          value={amount}
          error={amountError}
          onChange={(event) => {
            setAmount(event.target.value);
            setAmountError(null);
          }}
          maxLength={20}
        />
        <Field
          label={t("operatorBilling.reference")}
          hint={t("operatorBilling.referenceHint")}
          required
          value={reference}
          onChange={(event) => setReference(event.target.value)}
          maxLength={100}
        />
        <Field
          label={t("operatorBilling.receivedOn")}
          type="date"
          required
          value={receivedOn}
          onChange={(event) => setReceivedOn(event.target.value)}
        />
        <SelectField
          label={t("operatorBilling.plan")}
          value={planId}
          onChange={(event) => setPlanId(event.target.value)}
          anyLabel={
            kind === "organisation" ? t("operatorBilling.planDefault") : t("operatorBilling.planFromAmount")
          }
          options={plans.map((p) => ({
            value: p.id,
            label: `${p.name} (${t(`billing.plans.${p.interval}ly`)})`,
          }))}
        />
        {kind === "organisation" ? (
          <>
            <Field
              label={t("operatorBilling.seats")}
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
                onChange={(event) => setStartsOn(event.target.value)}
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
          </>
        ) : null}
        {action.error ? <Alert kind="error">{action.error}</Alert> : null}
        {done ? <Alert kind="success">{done}</Alert> : null}
        <div className="actions">
          <SubmitButton busy={action.busy}>{t("operatorBilling.record")}</SubmitButton>
        </div>
      </form>
    </div>
  );
}

/** No account has the e-mail the operator typed: said in words, not as a server code. */
class EmailNotFound extends Error {
  override name = "EmailNotFound";
}
