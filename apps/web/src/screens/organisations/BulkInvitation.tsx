import {
  type BulkInvitationResponse,
  type BulkPreviewResponse,
  InvitationLimits,
  type InvitationStateCounts,
  type Organisation,
} from "@confrere/protocol";
import { type FormEvent, useCallback, useEffect, useId, useMemo, useState } from "react";
import { Alert, SubmitButton } from "../../components/ui.tsx";
import { fr, type MessageKey } from "../../i18n/fr.ts";
import { useI18n } from "../../i18n/i18n.tsx";
import { PROFESSIONS } from "../../lib/directory-codes.ts";
import { useAction } from "../../lib/use-action.ts";
import { useSession } from "../../session.tsx";
import { CodesField } from "./CreateOrganisation.tsx";
import { type BulkLine, parseBulkLines, splitCodes } from "./codes.ts";

/**
 * A territory invites the professionals of its area: (1) filters (professions, communes) give
 * the count and the list of those not on Confrère; (2) the administrator pastes "RPPS;e-mail"
 * lines (the directory has no personal e-mail); (3) each line gets its own result.
 */
export function BulkInvitation({ organisation }: { organisation: Organisation }) {
  const { t } = useI18n();
  const { api } = useSession();
  const [counts, setCounts] = useState<InvitationStateCounts | null>(null);
  const [lines, setLines] = useState("");
  const action = useAction();

  const loadCounts = useCallback(
    async () => setCounts((await api.organisationInvitations(organisation.id, { limit: 1 })).counts),
    [api, organisation.id],
  );
  useEffect(() => {
    void action.run(loadCounts);
  }, [action.run, loadCounts]);

  return (
    <section className="card" aria-labelledby="bulk-title">
      <h2 id="bulk-title">{t("bulk.title")}</h2>
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      {counts ? (
        <p data-testid="invitation-counts">
          {t("bulk.counts", {
            total: counts.total,
            pending: counts.pending,
            accepted: counts.accepted,
            expired: counts.expired,
          })}
        </p>
      ) : null}
      <BulkPreview
        organisation={organisation}
        onUse={(ids) =>
          setLines((previous) => [previous.trim(), ...ids.map((id) => `${id};`)].filter(Boolean).join("\n"))
        }
      />
      <BulkSend organisation={organisation} text={lines} onText={setLines} onSent={() => void loadCounts()} />
    </section>
  );
}

function BulkPreview({ organisation, onUse }: { organisation: Organisation; onUse(ids: string[]): void }) {
  const { t, tn } = useI18n();
  const { api } = useSession();
  const [professions, setProfessions] = useState<string[]>(["10"]);
  const [communes, setCommunes] = useState("");
  const [preview, setPreview] = useState<BulkPreviewResponse | null>(null);
  const action = useAction();
  const ids = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const found = await action.run(() =>
      api.previewBulkInvitations(organisation.id, {
        professions,
        ...(splitCodes(communes).length ? { communes: splitCodes(communes) } : {}),
      }),
    );
    if (found) setPreview(found);
  }
  const notInvited = preview?.professionals.filter((p) => !p.isInvited) ?? [];

  return (
    <div className="stack">
      <h3>{t("bulk.step1")}</h3>
      <form className="stack" onSubmit={submit} aria-label={t("bulk.step1")}>
        <fieldset className="choices choices-grid">
          <legend>{t("bulk.professions")}</legend>
          {PROFESSIONS.map(({ code, label }) => (
            <label key={code} className="choice">
              <input
                type="checkbox"
                checked={professions.includes(code)}
                onChange={(event) =>
                  setProfessions((previous) =>
                    event.target.checked ? [...previous, code] : previous.filter((c) => c !== code),
                  )
                }
              />
              {label}
            </label>
          ))}
        </fieldset>
        <CodesField
          id={`${ids}-communes`}
          label={t("bulk.communes")}
          hint={t("bulk.communesHint")}
          value={communes}
          onChange={setCommunes}
        />
        {professions.length === 0 ? <p className="field-error">{t("bulk.pickProfession")}</p> : null}
        {action.error ? <Alert kind="error">{action.error}</Alert> : null}
        <SubmitButton busy={action.busy}>{t("bulk.preview")}</SubmitButton>
      </form>
      {preview ? (
        <div className="stack" data-testid="bulk-preview">
          <p role="status">
            {tn("bulk.found", preview.count)}
            {preview.isPartial ? ` ${t("bulk.partial", { count: preview.professionals.length })}` : ""}
          </p>
          {preview.professionals.length ? (
            <div className="table-wrap bulk-table">
              <table>
                <caption className="visually-hidden">{t("bulk.step1")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("bulk.colName")}</th>
                    <th scope="col">RPPS / ADELI</th>
                    <th scope="col">{t("directory.profession")}</th>
                    <th scope="col">{t("bulk.colCommune")}</th>
                    <th scope="col">{t("bulk.colInvited")}</th>
                  </tr>
                </thead>
                <tbody>
                  {preview.professionals.map((p) => (
                    <tr key={p.nationalId}>
                      <td>
                        {p.lastName} {p.firstName}
                      </td>
                      <td className="mono">{p.nationalId.slice(1)}</td>
                      <td>{p.profession?.label ?? "—"}</td>
                      <td>{p.commune?.label ?? "—"}</td>
                      <td>{p.isInvited ? t("bulk.invited") : ""}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          {notInvited.length ? (
            <button
              type="button"
              className="btn btn-secondary"
              onClick={() => onUse(notInvited.map((p) => p.nationalId.slice(1)))}
            >
              {t("bulk.useList", { count: notInvited.length })}
            </button>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

function BulkSend({
  organisation,
  text,
  onText,
  onSent,
}: {
  organisation: Organisation;
  text: string;
  onText(text: string): void;
  onSent(): void;
}) {
  const { t, tn } = useI18n();
  const { api } = useSession();
  const [result, setResult] = useState<{ lines: BulkLine[]; answer: BulkInvitationResponse } | null>(null);
  const action = useAction();
  const id = useId();
  const parsed = useMemo(() => parseBulkLines(text), [text]);
  const tooMany = parsed.length > InvitationLimits.maxBulkLines;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (parsed.length === 0 || tooMany) return;
    const answer = await action.run(() =>
      api.bulkInvite(
        organisation.id,
        parsed.map(({ nationalId, email }) => ({ nationalId, email })),
      ),
    );
    if (answer) {
      setResult({ lines: parsed, answer });
      onSent();
    }
  }

  function reason(code: string | null): string {
    if (!code) return "";
    const key = `error.${code}`;
    return key in fr ? t(key as MessageKey) : code;
  }

  return (
    <div className="stack">
      <h3>{t("bulk.step2")}</h3>
      <form className="stack" onSubmit={submit} aria-label={t("bulk.step2")}>
        <div className="field">
          <label htmlFor={id}>{t("bulk.lines")}</label>
          <p className="hint" id={`${id}-hint`}>
            {t("bulk.linesHint", { max: InvitationLimits.maxBulkLines })}
          </p>
          <textarea
            id={id}
            aria-describedby={`${id}-hint`}
            value={text}
            onChange={(event) => onText(event.target.value)}
            rows={8}
            spellCheck={false}
            className="mono"
            name="bulk-lines"
          />
          <p className="hint" aria-live="polite">
            {parsed.length ? tn("bulk.lineCount", parsed.length) : ""}
          </p>
        </div>
        {tooMany ? (
          <Alert kind="error">{t("bulk.tooMany", { max: InvitationLimits.maxBulkLines })}</Alert>
        ) : null}
        {action.error ? <Alert kind="error">{action.error}</Alert> : null}
        <SubmitButton busy={action.busy}>{t("bulk.send")}</SubmitButton>
      </form>
      {result ? (
        <div className="stack" data-testid="bulk-result">
          <Alert kind={result.answer.created ? "success" : "info"}>
            {t("bulk.summary", {
              created: result.answer.created,
              skipped: result.answer.skipped,
              rejected: result.answer.rejected,
            })}
          </Alert>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">{t("bulk.results")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("bulk.colLine")}</th>
                  <th scope="col">{t("bulk.colOutcome")}</th>
                  <th scope="col">{t("bulk.colReason")}</th>
                </tr>
              </thead>
              <tbody>
                {[...result.answer.lines]
                  .sort((a, b) => a.index - b.index)
                  .map((line) => (
                    <tr key={line.index} data-outcome={line.outcome} data-testid="bulk-line">
                      <td className="mono">{result.lines[line.index]?.source ?? line.nationalId}</td>
                      <td>{t(`bulk.outcome.${line.outcome}`)}</td>
                      <td>{reason(line.code)}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        </div>
      ) : null}
    </div>
  );
}
