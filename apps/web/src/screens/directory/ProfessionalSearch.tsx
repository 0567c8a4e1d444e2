import type { DirectoryProfessional, DirectorySearchResponse } from "@confrere/protocol";
import { useEffect, useMemo, useRef, useState } from "react";
import { Alert, Field, SelectField, Spinner } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { DEPARTEMENTS, KNOWN_SPECIALTIES, mergeCodes, PROFESSIONS } from "../../lib/directory-codes.ts";
import { fullName, placeLines } from "../../lib/directory-format.ts";
import { describeError } from "../../lib/errors.ts";
import { navigate } from "../../lib/router.tsx";
import { useDebounced } from "../../lib/use-debounced.ts";
import { safetyCodePath } from "../../lock/safety-links.ts";
import { useSession } from "../../session.tsx";
import { InviteProfessional } from "./InviteProfessional.tsx";

/** The server refuses more words than this (each is a prefix look-up in its index). */
const MAX_WORDS = 8;
/** The pause in typing after which the directory is asked. */
const DEBOUNCE_MS = 300;

interface Criteria {
  q: string;
  profession: string;
  specialty: string;
  departement: string;
}

/** Words as the server cuts them: letters and digits, accents folded, anything else a separator. */
function wordsOf(text: string): string[] {
  return text
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** Search of the Annuaire Santé: free text plus profession, specialty and département filters. */
export function ProfessionalSearch() {
  const { t, tn } = useI18n();
  const { api } = useSession();
  const [criteria, setCriteria] = useState<Criteria>({
    q: "",
    profession: "",
    specialty: "",
    departement: "",
  });
  // A string key: the debounced value must compare equal when nothing changed.
  const settled = useDebounced(JSON.stringify(criteria), DEBOUNCE_MS);
  const [answer, setAnswer] = useState<DirectorySearchResponse | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [seenSpecialties, setSeenSpecialties] = useState<Map<string, string | null>>(new Map());
  const latest = useRef(0);

  const words = wordsOf(criteria.q);
  const tooManyWords = words.length > MAX_WORDS;

  useEffect(() => {
    const current = JSON.parse(settled) as Criteria;
    const asked = wordsOf(current.q);
    const hasFilter = Boolean(current.profession || current.specialty || current.departement);
    if ((asked.length === 0 && !hasFilter) || asked.length > MAX_WORDS) {
      setAnswer(null);
      setError(null);
      return;
    }
    // Only the answer to the latest question is shown, whatever order the answers come in.
    const request = ++latest.current;
    setLoading(true);
    setError(null);
    api
      .searchDirectory({
        ...(asked.length ? { q: current.q.trim() } : {}),
        ...(current.profession ? { profession: current.profession } : {}),
        ...(current.specialty ? { specialty: current.specialty } : {}),
        ...(current.departement ? { departement: current.departement } : {}),
      })
      .then((response) => {
        if (request !== latest.current) return;
        setAnswer(response);
        setSeenSpecialties((previous) => {
          const next = new Map(previous);
          for (const result of response.results)
            for (const specialty of result.specialties) next.set(specialty.code, specialty.label);
          return next.size === previous.size ? previous : next;
        });
      })
      .catch((caught: unknown) => {
        if (request === latest.current) setError(describeError(caught, t));
      })
      .finally(() => {
        if (request === latest.current) setLoading(false);
      });
  }, [settled, api, t]);

  const specialties = useMemo(
    () =>
      mergeCodes(
        KNOWN_SPECIALTIES,
        [...seenSpecialties].map(([code, label]) => ({ code, label })),
      ).map(({ code, label }) => ({ value: code, label })),
    [seenSpecialties],
  );
  const set = (field: keyof Criteria) => (value: string) =>
    setCriteria((previous) => ({ ...previous, [field]: value }));
  const empty = words.length === 0 && !criteria.profession && !criteria.specialty && !criteria.departement;

  return (
    <div className="stack">
      <search className="directory-search">
        <form className="stack" onSubmit={(event) => event.preventDefault()}>
          <Field
            label={t("directory.query")}
            hint={t("directory.queryHint")}
            type="search"
            value={criteria.q}
            onChange={(event) => set("q")(event.target.value)}
            maxLength={200}
            autoComplete="off"
            name="q"
            error={tooManyWords ? t("directory.tooManyWords", { count: MAX_WORDS }) : null}
          />
          <div className="filters">
            <SelectField
              label={t("directory.profession")}
              anyLabel={t("directory.any")}
              options={PROFESSIONS.map(({ code, label }) => ({ value: code, label }))}
              value={criteria.profession}
              onChange={(event) => set("profession")(event.target.value)}
              name="profession"
            />
            <SelectField
              label={t("directory.specialty")}
              anyLabel={t("directory.any")}
              options={specialties}
              value={criteria.specialty}
              onChange={(event) => set("specialty")(event.target.value)}
              name="specialty"
            />
            <SelectField
              label={t("directory.departement")}
              anyLabel={t("directory.any")}
              options={DEPARTEMENTS.map(({ code, label }) => ({ value: code, label: `${code} – ${label}` }))}
              value={criteria.departement}
              onChange={(event) => set("departement")(event.target.value)}
              name="departement"
            />
          </div>
        </form>
      </search>
      {error ? <Alert kind="error">{error}</Alert> : null}
      {empty ? <p className="hint">{t("directory.start")}</p> : null}
      {loading && !answer ? <Spinner label={t("directory.searching")} /> : null}
      <p className="visually-hidden" role="status">
        {answer && !empty ? tn("directory.count", answer.results.length) : ""}
      </p>
      {answer && !empty ? (
        <>
          {answer.results.length === 0 ? <p>{t("directory.none")}</p> : null}
          {answer.isPartial ? <Alert kind="info">{t("directory.partial")}</Alert> : null}
          <ul className="results" aria-label={t("directory.results")} aria-busy={loading}>
            {answer.results.map((professional) => (
              <ProfessionalCard key={professional.nationalId} professional={professional} />
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}

function ProfessionalCard({ professional }: { professional: DirectoryProfessional }) {
  const { t } = useI18n();
  const { account } = useSession();
  const [inviting, setInviting] = useState(false);
  const name = fullName(professional);
  const isMe = professional.userId !== null && professional.userId === account?.id;
  const specialties = professional.specialties.map((s) => s.label ?? s.code).join(", ");
  const places = placeLines(professional.places);
  return (
    <li className="result" data-testid="directory-result">
      <div className="result-head">
        <h2 className="result-name">{name}</h2>
        {professional.onConfrere ? <span className="badge">{t("directory.onConfrere")}</span> : null}
        {professional.active ? null : <span className="badge badge-muted">{t("directory.inactive")}</span>}
      </div>
      <p className="result-line">
        {[professional.profession?.label, specialties].filter(Boolean).join(" · ")}
        <span className="muted"> · {professional.idType}</span>
      </p>
      {places.length ? (
        <ul className="plain-list places">
          {places.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      ) : null}
      <div className="actions">
        {isMe ? <span className="muted">{t("directory.itsYou")}</span> : null}
        {!isMe && professional.userId ? (
          <button
            type="button"
            className="btn btn-primary btn-small"
            aria-label={t("directory.writeTo", { name })}
            onClick={() => navigate(`/ecrire/${encodeURIComponent(professional.userId!)}`)}
          >
            {t("directory.write")}
          </button>
        ) : null}
        {!isMe && professional.userId ? (
          <button
            type="button"
            className="btn btn-secondary btn-small"
            aria-label={t("lock.safetyCodeWith", { name })}
            onClick={() => navigate(safetyCodePath(professional.userId!))}
          >
            {t("lock.safetyCode")}
          </button>
        ) : null}
        {!professional.onConfrere && professional.active && !inviting ? (
          <button
            type="button"
            className="btn btn-secondary btn-small"
            aria-label={t("directory.inviteLabel", { name })}
            onClick={() => setInviting(true)}
          >
            {t("directory.invite")}
          </button>
        ) : null}
      </div>
      {inviting ? (
        <InviteProfessional professional={professional} name={name} onClose={() => setInviting(false)} />
      ) : null}
    </li>
  );
}
