import type { ConsentStatus } from "@confrere/protocol";
import type { CaseSummary, StoredMessage } from "@confrere/sdk";
import { type FormEvent, useCallback, useEffect, useState } from "react";
import { Alert, Page, Spinner, SubmitButton } from "../components/ui.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { describeError } from "../lib/errors.ts";
import { Link } from "../lib/router.tsx";
import { useAction } from "../lib/use-action.ts";
import { useSession } from "../session.tsx";
import { CaseExportButtons } from "./CaseExportButtons.tsx";
import { CONSENT_STATUSES, patientName } from "./case-format.ts";
import { MemberPicker, type PickedColleague } from "./MemberPicker.tsx";
import { MessageBody } from "./MessageBody.tsx";
import { useMessaging } from "./messaging-context.tsx";
import { useCaseBook } from "./use-case-book.ts";
import { useReloadOnMessage } from "./use-reload-on-message.ts";
import "./care.css";

/**
 * `/dossiers/:caseId`: a patient case: the patient, the consent records, the case's messages, its
 * export for the patient record (a PDF report and a FHIR Bundle, both made on this device), and
 * adding a colleague, with the patient's consent confirmed first for anyone outside the care team.
 */
export function CaseDetail({ caseId }: { caseId: string }) {
  const { t, formatDate } = useI18n();
  const { account } = useSession();
  const { conversations, nameOf } = useMessaging();
  const book = useCaseBook();
  const [summary, setSummary] = useState<CaseSummary | null>(null);
  const conversationId = summary?.conversationId ?? null;
  const [messages, setMessages] = useState<StoredMessage[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const me = account?.id ?? "";

  const load = useCallback(async () => {
    const found = await book.get(caseId);
    setSummary(found);
    setMessages(await book.messages(caseId));
  }, [book, caseId]);

  useEffect(() => {
    void load().catch((caught) => setError(describeError(caught, t)));
  }, [load, t]);
  // Reading a case scans the device's history: only a message of its conversation reloads it.
  useReloadOnMessage(conversationId, load);

  if (error) {
    return (
      <Page title={t("cases.title")}>
        <Alert kind="error">{error}</Alert>
        <Link to="/dossiers">{t("cases.back")}</Link>
      </Page>
    );
  }
  if (!summary) return <Spinner label={t("app.loading")} />;
  const patient = summary.patient;
  const who = (userId: string) =>
    userId === me ? t("chat.you") : (nameOf(userId) ?? t("messages.unknownPerson"));
  const shown = (messages ?? []).filter((m) => m.content.type !== "receipt");

  return (
    <Page title={t("cases.detailTitle", { name: patientName(patient) })}>
      <p className="case-links">
        <Link to="/dossiers">
          <span aria-hidden="true">←</span> {t("cases.back")}
        </Link>
        <Link
          to={`/conversations/${encodeURIComponent(summary.conversationId)}?dossier=${encodeURIComponent(caseId)}`}
          className="btn btn-primary btn-small"
        >
          {t("cases.writeInThis")}
        </Link>
        <Link
          to={`/tele-expertise/nouvelle?dossier=${encodeURIComponent(caseId)}`}
          className="btn btn-secondary btn-small"
        >
          {t("cases.askExpertise")}
        </Link>
      </p>
      <div className="sections">
        <section className="card" aria-labelledby="case-patient-title">
          <h2 id="case-patient-title">{t("cases.patient")}</h2>
          {summary.title ? <p>{summary.title}</p> : null}
          {patient.kind === "ins" ? (
            <dl className="case-identity-list">
              <dt>{t("cases.ins")}</dt>
              <dd data-testid="case-ins">{patient.ins}</dd>
              <dt>{t("cases.birthName")}</dt>
              <dd>{patient.birthName}</dd>
              <dt>{t("cases.firstNames")}</dt>
              <dd>{patient.firstNames}</dd>
              <dt>{t("cases.sex")}</dt>
              <dd>{t(`cases.sex${patient.sex}`)}</dd>
              <dt>{t("cases.birthDate")}</dt>
              <dd>{patient.birthDate.split("-").reverse().join("/")}</dd>
              <dt>{t("cases.birthplaceCode")}</dt>
              <dd>{patient.birthplaceCode}</dd>
            </dl>
          ) : (
            <p>
              {t("cases.label")} : {patient.label} <span className="muted">({t("cases.notQualified")})</span>
            </p>
          )}
          <h3>{t("cases.consentHistory")}</h3>
          <ul className="plain-list">
            {summary.consents.map((consent) => (
              <li key={`${consent.recordedBy}-${consent.recordedAt}`}>
                {t("cases.consentRecord", {
                  consent: t(`cases.consent.${consent.status}`),
                  name: who(consent.recordedBy),
                  date: formatDate(consent.recordedAt),
                })}
              </li>
            ))}
          </ul>
        </section>
        <section className="card" aria-labelledby="case-export-title">
          <h2 id="case-export-title">{t("cases.exportTitle")}</h2>
          <p className="hint">{t("cases.exportIntro")}</p>
          <CaseExportButtons caseId={caseId} />
        </section>
        <section className="card" aria-labelledby="case-messages-title">
          <h2 id="case-messages-title">{t("cases.messagesTitle")}</h2>
          {messages === null ? <Spinner label={t("app.loading")} /> : null}
          {messages !== null && shown.length === 0 ? <p>{t("cases.noMessage")}</p> : null}
          <ol className="plain-list case-messages">
            {shown.map((message) => (
              <li key={message.id} className="case-message" data-testid="case-message">
                <p className="case-message-meta">
                  <strong>{who(message.senderUserId)}</strong>{" "}
                  <time dateTime={new Date(message.sentAt).toISOString()}>{formatDate(message.sentAt)}</time>
                  {(message.content as { urgent?: boolean }).urgent ? (
                    <span className="urgent-mark"> {t("urgent.mark")}</span>
                  ) : null}
                </p>
                <MessageBody message={message} me={me} />
              </li>
            ))}
          </ol>
        </section>
        <AddToCase
          caseId={caseId}
          members={
            conversations
              ?.find((c) => c.conversation.id === summary.conversationId)
              ?.conversation.members.map((m) => m.userId) ?? []
          }
          onAdded={() => void load().catch(() => {})}
        />
      </div>
    </Page>
  );
}

/**
 * Adds colleagues to the case's conversation. For anyone outside the care team, the patient's
 * consent is asked first (CSP L1110-4: sharing outside the care team needs it); the SDK refuses
 * without it (CASE_CONSENT_REQUIRED) and records it, encrypted, before they join.
 */
function AddToCase({
  caseId,
  members,
  onAdded,
}: {
  caseId: string;
  /** The conversation's members: already there, not offered. */
  members: string[];
  onAdded(): void;
}) {
  const { t, tn } = useI18n();
  const book = useCaseBook();
  const [picked, setPicked] = useState<PickedColleague[]>([]);
  const [outsiders, setOutsiders] = useState<PickedColleague[] | null>(null);
  const [consent, setConsent] = useState<ConsentStatus | "">("");
  const [done, setDone] = useState<string | null>(null);
  const action = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setDone(null);
    if (picked.length === 0) {
      action.setError(t("chat.pickAtLeastOne"));
      return;
    }
    const added = await action.run(
      async () => {
        if (outsiders === null) {
          const team = await book.careTeam(caseId);
          const outside = picked.filter((p) => !team.has(p.userId));
          if (outside.length > 0) {
            // Ask first; the next submit adds them with the consent chosen.
            setOutsiders(outside);
            return false;
          }
          await book.addToCase(
            caseId,
            picked.map((p) => p.userId),
          );
          return true;
        }
        if (consent !== "informed" && consent !== "consented") {
          throw new ConsentMissing();
        }
        await book.addToCase(
          caseId,
          picked.map((p) => p.userId),
          { consent },
        );
        return true;
      },
      (caught) => {
        if (!(caught instanceof ConsentMissing)) return false;
        action.setError(t("cases.consentToAdd"));
        return true;
      },
    );
    if (!added) return;
    setDone(tn("cases.added", picked.length));
    setPicked([]);
    setOutsiders(null);
    setConsent("");
    onAdded();
  }

  return (
    <section className="card" aria-labelledby="case-add-title">
      <h2 id="case-add-title">{t("cases.addTitle")}</h2>
      <p className="hint">{t("cases.addIntro")}</p>
      {done ? <Alert kind="success">{done}</Alert> : null}
      <form className="stack" onSubmit={submit} aria-labelledby="case-add-title">
        <MemberPicker
          picked={picked}
          excluded={members}
          onChange={(next) => {
            setPicked(next);
            setOutsiders(null);
          }}
        />
        {outsiders ? (
          <fieldset className="choices consent-check" data-testid="consent-check">
            <legend>{t("cases.consentToAddLegend")}</legend>
            <p>{t("cases.outsideTeam", { names: outsiders.map((o) => o.name).join(", ") })}</p>
            {CONSENT_STATUSES.filter((s) => s !== "refused").map((status) => (
              <label key={status} className="choice">
                <input
                  type="radio"
                  name="add-consent"
                  value={status}
                  checked={consent === status}
                  onChange={() => setConsent(status)}
                />
                {t(`cases.consentToAdd.${status}`)}
              </label>
            ))}
          </fieldset>
        ) : null}
        {action.error ? <Alert kind="error">{action.error}</Alert> : null}
        <div className="actions">
          <SubmitButton busy={action.busy}>
            {outsiders ? t("cases.confirmAndAdd") : t("cases.add")}
          </SubmitButton>
        </div>
      </form>
    </section>
  );
}

/** The consent was not chosen in the confirmation step (a form state, not a server error). */
class ConsentMissing extends Error {}
