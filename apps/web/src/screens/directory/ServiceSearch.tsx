import type { ServiceSummary } from "@confrere/protocol";
import { useEffect, useRef, useState } from "react";
import { Alert, Field, Spinner } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { describeError } from "../../lib/errors.ts";
import { navigate } from "../../lib/router.tsx";
import { useDebounced } from "../../lib/use-debounced.ts";
import { useSession } from "../../session.tsx";

/**
 * The "Services" tab: find "Cardiologie CH Auxerre" and write to the service as a whole (a group
 * with the staff on its roster now).
 */
export function ServiceSearch() {
  const { t, tn } = useI18n();
  const { api } = useSession();
  const [q, setQ] = useState("");
  const settled = useDebounced(q.trim(), 300);
  const [results, setResults] = useState<ServiceSummary[] | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const latest = useRef(0);

  useEffect(() => {
    if (!/[\p{L}\p{N}]/u.test(settled)) {
      setResults(null);
      setError(null);
      return;
    }
    const request = ++latest.current;
    setLoading(true);
    setError(null);
    api
      .searchServices({ q: settled })
      .then(({ results: found }) => {
        if (request === latest.current) setResults(found);
      })
      .catch((caught: unknown) => {
        if (request === latest.current) setError(describeError(caught, t));
      })
      .finally(() => {
        if (request === latest.current) setLoading(false);
      });
  }, [settled, api, t]);

  const empty = !/[\p{L}\p{N}]/u.test(q);
  return (
    <div className="stack">
      <search>
        <form onSubmit={(event) => event.preventDefault()}>
          <Field
            label={t("services.query")}
            hint={t("services.queryHint")}
            type="search"
            value={q}
            onChange={(event) => setQ(event.target.value)}
            maxLength={200}
            autoComplete="off"
            name="service-q"
          />
        </form>
      </search>
      {error ? <Alert kind="error">{error}</Alert> : null}
      {empty ? <p className="hint">{t("services.start")}</p> : null}
      {loading && !results ? <Spinner label={t("directory.searching")} /> : null}
      <p className="visually-hidden" role="status">
        {results && !empty ? tn("directory.count", results.length) : ""}
      </p>
      {results && !empty ? (
        <>
          {results.length === 0 ? <p>{t("services.none")}</p> : null}
          <ul className="results" aria-label={t("directory.results")} aria-busy={loading}>
            {results.map((service) => (
              <ServiceCard key={service.id} service={service} />
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}

function ServiceCard({ service }: { service: ServiceSummary }) {
  const { t, tn } = useI18n();
  const name = `${service.name} — ${service.establishmentName}`;
  const reachable = service.rosterSize > 0;
  return (
    <li className="result" data-testid="service-result">
      <div className="result-head">
        <h2 className="result-name">{service.name}</h2>
      </div>
      <p className="result-line">
        {[service.establishmentName, service.commune, service.departement].filter(Boolean).join(" · ")}
      </p>
      <p className="hint">{reachable ? tn("services.roster", service.rosterSize) : t("services.nobody")}</p>
      <div className="actions">
        <button
          type="button"
          className="btn btn-primary btn-small"
          aria-label={t("services.writeTo", { name })}
          disabled={!reachable}
          onClick={() => navigate(`/ecrire/service/${encodeURIComponent(service.id)}`)}
        >
          {t("services.write")}
        </button>
      </div>
    </li>
  );
}
