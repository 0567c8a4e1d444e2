import type { DirectoryProfessional } from "@confrere/protocol";
import { type FormEvent, useState } from "react";
import { Alert, Field, SubmitButton } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { fullName, placeLines } from "../../lib/directory-format.ts";
import { useAction } from "../../lib/use-action.ts";
import { useSession } from "../../session.tsx";

/**
 * Finds a verified colleague to add (to a roster, to a territory): a directory search of which
 * only the professionals on Confrère can be picked, each with an "Ajouter" button.
 */
export function ColleaguePicker({
  label,
  onPick,
  exclude = [],
}: {
  label: string;
  onPick(userId: string, name: string): Promise<unknown>;
  exclude?: readonly string[];
}) {
  const { t } = useI18n();
  const { api } = useSession();
  const [q, setQ] = useState("");
  const [results, setResults] = useState<DirectoryProfessional[] | null>(null);
  const action = useAction();

  async function search(event: FormEvent) {
    event.preventDefault();
    const found = await action.run(() => api.searchDirectory({ q: q.trim(), limit: 50 }));
    if (found) setResults(found.results.filter((p) => p.onConfrere && p.userId));
  }

  return (
    <div className="stack">
      <search>
        <form className="inline-form" onSubmit={search} aria-label={label}>
          <Field
            label={label}
            hint={t("organisations.pickHint")}
            type="search"
            value={q}
            onChange={(event) => setQ(event.target.value)}
            required
            maxLength={200}
            name="colleague-q"
          />
          <SubmitButton busy={action.busy}>{t("admin.searchSubmit")}</SubmitButton>
        </form>
      </search>
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      {results?.length === 0 ? <p className="hint">{t("organisations.pickNone")}</p> : null}
      {results?.length ? (
        <ul className="plain-list picks">
          {results.map((professional) => {
            const name = fullName(professional);
            const userId = professional.userId!;
            return (
              <li key={professional.nationalId} className="pick">
                <span>
                  <strong>{name}</strong>
                  <span className="muted">
                    {" "}
                    ·{" "}
                    {[professional.profession?.label, ...placeLines(professional.places)]
                      .filter(Boolean)
                      .join(" · ")}
                  </span>
                </span>
                {exclude.includes(userId) ? (
                  <span className="badge">{t("organisations.alreadyIn")}</span>
                ) : (
                  <button
                    type="button"
                    className="btn btn-secondary btn-small"
                    aria-label={t("organisations.addLabel", { name })}
                    disabled={action.busy}
                    onClick={() => void action.run(() => onPick(userId, name))}
                  >
                    {t("organisations.add")}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      ) : null}
    </div>
  );
}
