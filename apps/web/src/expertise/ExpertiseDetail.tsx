import type { BillingAdvice, ExpertiseView } from "@confrere/sdk";
import { type FormEvent, useCallback, useEffect, useState } from "react";
import { Alert, Page, Spinner, SubmitButton, TextAreaField } from "../components/ui.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { Link } from "../lib/router.tsx";
import { useAction } from "../lib/use-action.ts";
import { CaseExportButtons } from "../messaging/CaseExportButtons.tsx";
import { useReloadOnMessage } from "../messaging/use-reload-on-message.ts";
import { describeExpertiseError, formatEuros, isExpertiseError } from "./expertise-format.ts";
import { useCounterpart } from "./use-counterpart.ts";
import { useExpertiseDesk } from "./use-expertise-desk.ts";

/**
 * `/tele-expertise/:id`: the question and its context, the steps so far, the actions open to my
 * side in this state (accept, decline with a reason, write the conclusion, close), what I may bill,
 * and the export of the linked patient case for the patient record.
 */
export function ExpertiseDetail({ expertiseId }: { expertiseId: string }) {
  const { t, formatDate } = useI18n();
  const desk = useExpertiseDesk();
  const counterpart = useCounterpart();
  const [expertise, setExpertise] = useState<ExpertiseView | null>(null);
  const [advice, setAdvice] = useState<BillingAdvice | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    const found = await desk.get(expertiseId);
    setExpertise(found);
    setAdvice(await desk.billingAdvice(expertiseId));
  }, [desk, expertiseId]);

  useEffect(() => {
    void load().catch((caught) => setError(describeExpertiseError(caught, t)));
  }, [load, t]);
  const conversationId = expertise?.conversationId ?? null;
  // Each step of the other side arrives as a message of the request's conversation.
  useReloadOnMessage(conversationId, load);

  if (error) {
    return (
      <Page title={t("expertise.title")}>
        <Alert kind="error">{error}</Alert>
        <Link to="/tele-expertise">{t("expertise.back")}</Link>
      </Page>
    );
  }
  if (!expertise) return <Spinner label={t("app.loading")} />;
  const steps = (
    [
      ["sent", expertise.sentAt],
      ["accepted", expertise.acceptedAt],
      ["declined", expertise.declinedAt],
      ["answered", expertise.answeredAt],
      ["closed", expertise.closedAt],
    ] as const
  ).filter((step): step is readonly [(typeof step)[0], number] => step[1] !== null);

  return (
    <Page title={t("expertise.detailTitle")}>
      <p>
        <Link to="/tele-expertise">
          <span aria-hidden="true">←</span> {t("expertise.back")}
        </Link>
      </p>
      <p className="expertise-item-meta">
        <span className={`expertise-state expertise-state-${expertise.state}`} data-testid="expertise-state">
          {t(`expertise.state.${expertise.state}`)}
        </span>
        {expertise.urgency === "urgent" ? (
          <span className="expertise-urgent">{t("expertise.urgency.urgent")}</span>
        ) : null}
        <span className="muted">
          {t(`expertise.side.${expertise.role}`, { name: counterpart(expertise) })}
        </span>
      </p>
      <div className="sections">
        <section className="card" aria-labelledby="expertise-request-title">
          <h2 id="expertise-request-title">{t("expertise.request")}</h2>
          {expertise.request ? (
            <dl className="expertise-request">
              <dt>{t("expertise.form.question")}</dt>
              <dd data-testid="expertise-question">{expertise.request.question}</dd>
              {expertise.request.clinicalContext ? (
                <>
                  <dt>{t("expertise.form.context")}</dt>
                  <dd>{expertise.request.clinicalContext}</dd>
                </>
              ) : null}
            </dl>
          ) : (
            <p className="hint">{t("expertise.notYetHere")}</p>
          )}
          {expertise.caseId ? (
            <CaseExport caseId={expertise.caseId} />
          ) : (
            <p className="hint">{t("expertise.noCaseExport")}</p>
          )}
        </section>
        <section className="card" aria-labelledby="expertise-steps-title">
          <h2 id="expertise-steps-title">{t("expertise.steps")}</h2>
          <ol className="expertise-steps">
            {steps.map(([state, at]) => (
              <li key={state}>
                {t(`expertise.state.${state}`)} ·{" "}
                <time dateTime={new Date(at).toISOString()}>{formatDate(at)}</time>
              </li>
            ))}
          </ol>
          {expertise.declineReason ? (
            <p data-testid="expertise-decline-reason">
              {t("expertise.declineReasonShown", { reason: expertise.declineReason })}
            </p>
          ) : null}
        </section>
        {expertise.conclusion ? (
          <section className="card" aria-labelledby="expertise-conclusion-title">
            <h2 id="expertise-conclusion-title">{t("expertise.conclusion")}</h2>
            <p className="expertise-conclusion" data-testid="expertise-conclusion">
              {expertise.conclusion.text}
            </p>
            <p className="muted">{formatDate(expertise.conclusion.at)}</p>
          </section>
        ) : null}
        <ExpertiseActions expertise={expertise} onMoved={load} />
        {advice ? <BillingPanel advice={advice} /> : null}
      </div>
    </Page>
  );
}

/** The steps my side may take now; the server checks them again (EXPERTISE_BAD_TRANSITION). */
function ExpertiseActions({ expertise, onMoved }: { expertise: ExpertiseView; onMoved(): Promise<void> }) {
  const { t } = useI18n();
  const desk = useExpertiseDesk();
  const action = useAction();
  const [declining, setDeclining] = useState(false);
  const [reason, setReason] = useState("");
  const [conclusion, setConclusion] = useState("");
  const [missing, setMissing] = useState<string | null>(null);
  const asked = expertise.role !== "requerant";
  const canAccept = asked && expertise.state === "sent";
  const canDecline = asked && (expertise.state === "sent" || expertise.state === "accepted");
  const canAnswer = expertise.role === "requis" && expertise.state === "accepted";
  const canClose =
    expertise.role !== "service-staff" && (expertise.state === "answered" || expertise.state === "declined");
  if (!canAccept && !canDecline && !canAnswer && !canClose) return null;

  async function move(step: () => Promise<unknown>) {
    const done = await action.run(step, (caught) => {
      if (!isExpertiseError(caught)) return false;
      action.setError(describeExpertiseError(caught, t));
      return true;
    });
    if (done) {
      setDeclining(false);
      await onMoved().catch(() => {});
    }
  }
  function decline(event: FormEvent) {
    event.preventDefault();
    if (!reason.trim()) return setMissing(t("expertise.noReason"));
    setMissing(null);
    void move(() => desk.decline(expertise.id, reason.trim()));
  }
  function answer(event: FormEvent) {
    event.preventDefault();
    if (!conclusion.trim()) return setMissing(t("expertise.noConclusion"));
    setMissing(null);
    void move(() => desk.answer(expertise.id, conclusion));
  }

  const error = missing ?? action.error;
  return (
    <section className="card stack" aria-labelledby="expertise-actions-title">
      <h2 id="expertise-actions-title">{t("expertise.actions")}</h2>
      {error ? <Alert kind="error">{error}</Alert> : null}
      <div className="actions">
        {canAccept ? (
          <button
            type="button"
            className="btn btn-primary"
            disabled={action.busy}
            onClick={() => void move(() => desk.accept(expertise.id))}
          >
            {t("expertise.accept")}
          </button>
        ) : null}
        {canDecline && !declining ? (
          <button type="button" className="btn btn-secondary" onClick={() => setDeclining(true)}>
            {t("expertise.decline")}
          </button>
        ) : null}
        {canClose ? (
          <button
            type="button"
            className="btn btn-primary"
            disabled={action.busy}
            onClick={() => void move(() => desk.close(expertise.id))}
          >
            {t("expertise.close")}
          </button>
        ) : null}
      </div>
      {canDecline && declining ? (
        <form className="stack" onSubmit={decline} noValidate>
          <TextAreaField
            label={t("expertise.declineReason")}
            hint={t("expertise.declineReasonHint")}
            value={reason}
            onChange={(event) => setReason(event.target.value)}
            maxLength={2_000}
            rows={3}
            required
          />
          <div className="actions">
            <SubmitButton busy={action.busy}>{t("expertise.confirmDecline")}</SubmitButton>
            <button type="button" className="btn btn-secondary" onClick={() => setDeclining(false)}>
              {t("expertise.cancel")}
            </button>
          </div>
        </form>
      ) : null}
      {canAnswer ? (
        <form className="stack" onSubmit={answer} noValidate>
          <TextAreaField
            label={t("expertise.writeConclusion")}
            hint={t("expertise.conclusionHint")}
            value={conclusion}
            onChange={(event) => setConclusion(event.target.value)}
            maxLength={20_000}
            rows={6}
            required
          />
          <SubmitButton busy={action.busy}>{t("expertise.sendConclusion")}</SubmitButton>
        </form>
      ) : null}
    </section>
  );
}

/** What my side may bill for this request, and why not when it may not (SDK's billingAdvice). */
function BillingPanel({ advice }: { advice: BillingAdvice }) {
  const { t, locale } = useI18n();
  return (
    <section className="card" aria-labelledby="expertise-billing-title" data-testid="expertise-billing">
      <h2 id="expertise-billing-title">{t("expertise.billing.title")}</h2>
      <p className="hint">{t(`expertise.billing.role.${advice.role}`)}</p>
      {advice.acts.length ? (
        <ul className="plain-list">
          {advice.acts.map((act) => (
            <li key={`${act.code}-${act.validFrom}`} data-testid="expertise-act">
              <strong>{act.code}</strong> · {act.label} · {formatEuros(act.euros, locale)}
            </li>
          ))}
        </ul>
      ) : null}
      <p>
        {advice.isPatientKnown
          ? t("expertise.billing.count", {
              count: advice.requestsInLast12Months,
              limit: advice.yearlyLimit,
            })
          : t("expertise.billing.noPatient")}
      </p>
      {advice.warnings.map((warning) => (
        <Alert key={warning} kind="info">
          {t(`expertise.billing.warning.${warning}`, { limit: advice.yearlyLimit })}
        </Alert>
      ))}
      <p data-testid="expertise-billable">
        <strong>
          {advice.isBillable ? t("expertise.billing.billable") : t("expertise.billing.notBillable")}
        </strong>
      </p>
    </section>
  );
}

/** The linked patient case, exported on this device for the patient record (PDF and FHIR R4). */
function CaseExport({ caseId }: { caseId: string }) {
  const { t } = useI18n();
  return (
    <div className="stack">
      <h3>{t("expertise.case")}</h3>
      <p>
        <Link to={`/dossiers/${encodeURIComponent(caseId)}`}>{t("expertise.openCase")}</Link>
      </p>
      <p className="hint">{t("expertise.exportHint")}</p>
      <CaseExportButtons caseId={caseId} />
    </div>
  );
}
