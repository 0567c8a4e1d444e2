import type { CaseSummary } from "@confrere/sdk";
import { useEffect, useState } from "react";
import { Alert, Field, Page, Spinner } from "../components/ui.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { describeError } from "../lib/errors.ts";
import { Link } from "../lib/router.tsx";
import { useDebounced } from "../lib/use-debounced.ts";
import { patientName } from "./case-format.ts";
import { useMessaging } from "./messaging-context.tsx";
import { useCaseBook } from "./use-case-book.ts";
import "./care.css";

/**
 * `/dossiers`: the patient cases this device can read, newest first, and a search over them. The
 * search runs on the device (patients' names never reach the server), ignoring accents and case.
 */
export function CasesScreen() {
  const { t, formatDate } = useI18n();
  const { client, conversations } = useMessaging();
  const book = useCaseBook();
  const [query, setQuery] = useState("");
  const settled = useDebounced(query, 150);
  const [found, setFound] = useState<CaseSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    const load = () =>
      (settled.trim() ? book.search(settled) : book.list())
        .then((list) => {
          if (!cancelled) setFound([...list].reverse());
        })
        .catch((caught) => {
          if (!cancelled) setError(describeError(caught, t));
        });
    void load();
    const off = client.events.on("message", (m) => {
      if (m.content.type === "case-open") void load();
    });
    return () => {
      cancelled = true;
      off();
    };
  }, [book, client, settled, t]);

  const conversationTitle = (id: string) => conversations?.find((c) => c.conversation.id === id)?.title ?? "";

  return (
    <Page title={t("cases.title")}>
      <p className="hint">{t("cases.intro")}</p>
      <div className="case-search">
        <Field
          label={t("cases.search")}
          hint={t("cases.searchHint")}
          type="search"
          value={query}
          onChange={(event) => setQuery(event.target.value)}
          autoComplete="off"
          spellCheck={false}
          name="case-search"
        />
      </div>
      {error ? <Alert kind="error">{error}</Alert> : null}
      {found === null && !error ? <Spinner label={t("app.loading")} /> : null}
      {found?.length === 0 ? (
        <p data-testid="cases-empty">{query.trim() ? t("cases.noMatch") : t("cases.none")}</p>
      ) : null}
      {found?.length ? (
        <ul className="plain-list case-list" aria-label={t("cases.listLabel")}>
          {found.map((c) => (
            <li key={c.caseId} data-testid="case-item">
              <Link to={`/dossiers/${encodeURIComponent(c.caseId)}`} className="case-item">
                <strong>{patientName(c.patient)}</strong>
                {c.title ? <span> · {c.title}</span> : null}
                <span className="muted case-item-meta">
                  {t("cases.openedIn", {
                    conversation: conversationTitle(c.conversationId),
                    date: formatDate(c.openedAt, "date"),
                  })}
                </span>
              </Link>
            </li>
          ))}
        </ul>
      ) : null}
    </Page>
  );
}
