import type { ExpertiseRole, ExpertiseState } from "@confrere/protocol";
import type { ExpertiseView } from "@confrere/sdk";
import { useEffect, useState } from "react";
import { Alert, Page, SelectField, Spinner } from "../components/ui.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { Link } from "../lib/router.tsx";
import { useMessaging } from "../messaging/messaging-context.tsx";
import { describeExpertiseError, EXPERTISE_STATES } from "./expertise-format.ts";
import { useCounterpart } from "./use-counterpart.ts";
import { useExpertiseDesk } from "./use-expertise-desk.ts";

/** `/tele-expertise`: my requests, newest first, filtered by my side and by state. */
export function ExpertiseList() {
  const { t, formatDate } = useI18n();
  const { client } = useMessaging();
  const desk = useExpertiseDesk();
  const counterpart = useCounterpart();
  const [role, setRole] = useState<ExpertiseRole | "">("");
  const [state, setState] = useState<ExpertiseState | "">("");
  const [found, setFound] = useState<ExpertiseView[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    const load = () =>
      desk
        .list({ ...(role ? { role } : {}), ...(state ? { state } : {}) })
        .then((list) => {
          if (!cancelled) {
            setFound(list);
            setError(null);
          }
        })
        .catch((caught) => {
          if (!cancelled) setError(describeExpertiseError(caught, t));
        });
    void load();
    // Every step of a request is also a message: one arriving may be a new request or a new state.
    const off = client.events.on("message", (m) => {
      if (m.content.type.startsWith("expertise-")) void load();
    });
    return () => {
      cancelled = true;
      off();
    };
  }, [desk, client, role, state, t]);

  return (
    <Page title={t("expertise.title")}>
      <p className="hint">{t("expertise.intro")}</p>
      <p>
        <Link to="/tele-expertise/nouvelle" className="btn btn-primary">
          {t("expertise.new")}
        </Link>
      </p>
      <div className="filters expertise-filters">
        <SelectField
          label={t("expertise.filterRole")}
          anyLabel={t("expertise.filterAny")}
          value={role}
          onChange={(event) => setRole(event.target.value as ExpertiseRole | "")}
          options={[
            { value: "requerant", label: t("expertise.role.requerant") },
            { value: "requis", label: t("expertise.role.requis") },
          ]}
        />
        <SelectField
          label={t("expertise.filterState")}
          anyLabel={t("expertise.filterAny")}
          value={state}
          onChange={(event) => setState(event.target.value as ExpertiseState | "")}
          options={EXPERTISE_STATES.map((value) => ({ value, label: t(`expertise.state.${value}`) }))}
        />
      </div>
      {error ? <Alert kind="error">{error}</Alert> : null}
      {found === null && !error ? <Spinner label={t("app.loading")} /> : null}
      {found?.length === 0 ? <p data-testid="expertise-empty">{t("expertise.none")}</p> : null}
      {found?.length ? (
        <ul className="plain-list expertise-list" aria-label={t("expertise.listLabel")}>
          {found.map((e) => (
            <li key={e.id} data-testid="expertise-item">
              <Link to={`/tele-expertise/${encodeURIComponent(e.id)}`} className="expertise-item">
                <strong>{e.request?.question ?? t("expertise.notYetHere")}</strong>
                <span className="expertise-item-meta">
                  <span className={`expertise-state expertise-state-${e.state}`}>
                    {t(`expertise.state.${e.state}`)}
                  </span>
                  {e.urgency === "urgent" ? (
                    <span className="expertise-urgent">{t("expertise.urgency.urgent")}</span>
                  ) : null}
                  <span className="muted">
                    {t(`expertise.side.${e.role}`, { name: counterpart(e) })} ·{" "}
                    {formatDate(e.sentAt, "dateTime")}
                  </span>
                </span>
              </Link>
            </li>
          ))}
        </ul>
      ) : null}
    </Page>
  );
}
