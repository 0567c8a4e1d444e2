import type { ExpertiseUrgency, ServiceSummary } from "@confrere/protocol";
import type { CaseSummary, ExpertiseRecipient } from "@confrere/sdk";
import { type FormEvent, useEffect, useState } from "react";
import { InlineSearch } from "../components/InlineSearch.tsx";
import { Alert, Page, SelectField, SubmitButton, TextAreaField } from "../components/ui.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { Link, navigate, useLocation } from "../lib/router.tsx";
import { useAction } from "../lib/use-action.ts";
import { patientName } from "../messaging/case-format.ts";
import { MemberPicker, type PickedColleague } from "../messaging/MemberPicker.tsx";
import { useCaseBook } from "../messaging/use-case-book.ts";
import { useSession } from "../session.tsx";
import { describeExpertiseError, isExpertiseError } from "./expertise-format.ts";
import { useExpertiseDesk } from "./use-expertise-desk.ts";

type RecipientKind = "colleague" | "service";

/**
 * `/tele-expertise/nouvelle`: a request to a colleague (from the Annuaire) or to a service: the
 * question, the clinical context, the urgency and, optionally, a patient case of this device.
 */
export function NewExpertise() {
  const { t } = useI18n();
  const { query } = useLocation();
  const desk = useExpertiseDesk();
  const book = useCaseBook();
  const action = useAction();
  const [kind, setKind] = useState<RecipientKind>("colleague");
  const [colleague, setColleague] = useState<PickedColleague[]>([]);
  const [service, setService] = useState<ServiceSummary | null>(null);
  const [question, setQuestion] = useState("");
  const [context, setContext] = useState("");
  const [urgency, setUrgency] = useState<ExpertiseUrgency>("routine");
  const [cases, setCases] = useState<CaseSummary[]>([]);
  const [caseId, setCaseId] = useState(query.get("dossier") ?? "");
  const [missing, setMissing] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    book
      .list()
      .then((list) => {
        if (!cancelled) setCases([...list].reverse());
      })
      // Without the list the request can still go without a case.
      .catch(() => {});
    return () => {
      cancelled = true;
    };
  }, [book]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const to: ExpertiseRecipient | null =
      kind === "colleague" ? (colleague[0]?.userId ?? null) : service ? { serviceId: service.id } : null;
    if (!to) return setMissing(t("expertise.form.noRecipient"));
    if (!question.trim()) return setMissing(t("expertise.form.noQuestion"));
    setMissing(null);
    const sent = await action.run(
      () =>
        desk.request({
          to,
          question,
          ...(context.trim() ? { clinicalContext: context.trim() } : {}),
          urgency,
          ...(caseId ? { caseId } : {}),
        }),
      (caught) => {
        if (!isExpertiseError(caught)) return false;
        action.setError(describeExpertiseError(caught, t));
        return true;
      },
    );
    if (sent) navigate(`/tele-expertise/${encodeURIComponent(sent.id)}`);
  }

  const error = missing ?? action.error;
  return (
    <Page title={t("expertise.form.title")}>
      <p>
        <Link to="/tele-expertise">
          <span aria-hidden="true">←</span> {t("expertise.back")}
        </Link>
      </p>
      <form className="stack expertise-form" onSubmit={submit} noValidate>
        {error ? <Alert kind="error">{error}</Alert> : null}
        <fieldset className="choices">
          <legend>{t("expertise.form.recipientKind")}</legend>
          {(["colleague", "service"] as const).map((option) => (
            <label key={option} className="choice">
              <input
                type="radio"
                name="recipient-kind"
                value={option}
                checked={kind === option}
                onChange={() => setKind(option)}
              />
              {t(`expertise.form.kind.${option}`)}
            </label>
          ))}
        </fieldset>
        {kind === "colleague" ? (
          <MemberPicker picked={colleague} onChange={(next) => setColleague(next.slice(-1))} />
        ) : (
          <ServicePicker picked={service} onPick={setService} />
        )}
        <TextAreaField
          label={t("expertise.form.question")}
          value={question}
          onChange={(event) => setQuestion(event.target.value)}
          maxLength={5_000}
          rows={4}
          required
        />
        <TextAreaField
          label={t("expertise.form.context")}
          hint={t("expertise.form.contextHint")}
          value={context}
          onChange={(event) => setContext(event.target.value)}
          maxLength={5_000}
          rows={4}
        />
        <fieldset className="choices">
          <legend>{t("expertise.form.urgency")}</legend>
          {(["routine", "urgent"] as const).map((option) => (
            <label key={option} className="choice">
              <input
                type="radio"
                name="urgency"
                value={option}
                checked={urgency === option}
                onChange={() => setUrgency(option)}
              />
              {t(`expertise.urgency.${option}`)}
            </label>
          ))}
        </fieldset>
        <SelectField
          label={t("expertise.form.case")}
          anyLabel={t("expertise.form.noCase")}
          value={caseId}
          onChange={(event) => setCaseId(event.target.value)}
          options={cases.map((c) => ({
            value: c.caseId,
            label: c.title ? `${patientName(c.patient)} · ${c.title}` : patientName(c.patient),
          }))}
        />
        <p className="hint">{t("expertise.form.caseHint")}</p>
        <SubmitButton busy={action.busy}>{t("expertise.form.send")}</SubmitButton>
      </form>
    </Page>
  );
}

/** Finds a service by name or place (as the directory's "Services" tab) and picks one. */
function ServicePicker({
  picked,
  onPick,
}: {
  picked: ServiceSummary | null;
  onPick(service: ServiceSummary | null): void;
}) {
  const { t } = useI18n();
  const { api } = useSession();
  const [results, setResults] = useState<ServiceSummary[] | null>(null);
  const search = useAction();

  async function run(q: string) {
    const found = await search.run(() => api.searchServices({ q, limit: 20 }));
    if (found) setResults(found.results);
  }

  const reachable = (results ?? []).filter((s) => s.rosterSize > 0 && s.id !== picked?.id);
  const label = (s: ServiceSummary) => `${s.name} — ${s.establishmentName}`;

  return (
    <div className="member-picker">
      <InlineSearch
        label={t("services.query")}
        hint={t("services.queryHint")}
        busy={search.busy}
        error={search.error}
        onSearch={(q) => void run(q)}
      />
      <div aria-live="polite">
        {results !== null && reachable.length === 0 ? <p className="hint">{t("services.none")}</p> : null}
        {reachable.length ? (
          <ul className="plain-list picker-results" aria-label={t("directory.results")}>
            {reachable.map((s) => (
              <li key={s.id} data-testid="service-result">
                <span>
                  <strong>{label(s)}</strong>
                  {s.commune ? <span className="muted"> · {s.commune}</span> : null}
                </span>
                <button
                  type="button"
                  className="btn btn-secondary btn-small"
                  aria-label={t("expertise.form.pickService", { name: label(s) })}
                  onClick={() => onPick(s)}
                >
                  {t("expertise.form.pickShort")}
                </button>
              </li>
            ))}
          </ul>
        ) : null}
      </div>
      {picked ? (
        <ul className="plain-list picked" aria-label={t("expertise.form.pickedService")}>
          <li data-testid="picked">
            <span>{label(picked)}</span>
            <button
              type="button"
              className="btn btn-link"
              aria-label={t("chat.unpick", { name: label(picked) })}
              onClick={() => onPick(null)}
            >
              {t("chat.unpickShort")}
            </button>
          </li>
        </ul>
      ) : null}
    </div>
  );
}
