import type { DirectoryProfessional } from "@confrere/protocol";
import { useState } from "react";
import { InlineSearch } from "../components/InlineSearch.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { fullName, placeLines } from "../lib/directory-format.ts";
import { useAction } from "../lib/use-action.ts";
import { useSession } from "../session.tsx";

/** A colleague picked from the directory: only verified professionals on Confrère have a userId. */
export interface PickedColleague {
  userId: string;
  name: string;
}

/**
 * Picks colleagues from the Annuaire (verified professionals on Confrère only), for a new group or
 * to add to one. A search field and a button, not a form: it lives inside the caller's form.
 */
export function MemberPicker({
  picked,
  onChange,
  excluded = [],
}: {
  picked: PickedColleague[];
  onChange(next: PickedColleague[]): void;
  /** People who can't be picked (already in the group). */
  excluded?: string[];
}) {
  const { t } = useI18n();
  const { api, account } = useSession();
  const [results, setResults] = useState<DirectoryProfessional[] | null>(null);
  const search = useAction();

  async function run(q: string) {
    const found = await search.run(() => api.searchDirectory({ q, limit: 20 }));
    if (found) setResults(found.results);
  }

  const taken = new Set([...excluded, ...picked.map((p) => p.userId), account?.id ?? ""]);
  const reachable = (results ?? []).filter(
    (r): r is DirectoryProfessional & { userId: string } => r.userId !== null && !taken.has(r.userId),
  );

  return (
    <div className="member-picker">
      <InlineSearch
        label={t("chat.search")}
        hint={t("chat.searchHint")}
        busy={search.busy}
        error={search.error}
        onSearch={(q) => void run(q)}
      />
      <div aria-live="polite">
        {results !== null && reachable.length === 0 ? <p className="hint">{t("chat.searchNone")}</p> : null}
        {reachable.length ? (
          <ul className="plain-list picker-results" aria-label={t("chat.searchResults")}>
            {reachable.map((professional) => {
              const name = fullName(professional);
              const details = [professional.profession?.label, placeLines(professional.places)[0]]
                .filter(Boolean)
                .join(" · ");
              return (
                <li key={professional.nationalId} data-testid="picker-result">
                  <span>
                    <strong>{name}</strong>
                    {details ? <span className="muted"> · {details}</span> : null}
                  </span>
                  <button
                    type="button"
                    className="btn btn-secondary btn-small"
                    aria-label={t("chat.pick", { name })}
                    onClick={() => onChange([...picked, { userId: professional.userId, name }])}
                  >
                    {t("chat.pickShort")}
                  </button>
                </li>
              );
            })}
          </ul>
        ) : null}
      </div>
      {picked.length ? (
        <ul className="plain-list picked" aria-label={t("chat.picked")}>
          {picked.map((p) => (
            <li key={p.userId} data-testid="picked">
              <span>{p.name}</span>
              <button
                type="button"
                className="btn btn-link"
                aria-label={t("chat.unpick", { name: p.name })}
                onClick={() => onChange(picked.filter((x) => x.userId !== p.userId))}
              >
                {t("chat.unpickShort")}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
