import type { Organisation } from "@confrere/protocol";
import { type FormEvent, useId, useState } from "react";
import { Alert, SubmitButton } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { DEPARTEMENTS } from "../../lib/directory-codes.ts";
import { useAction } from "../../lib/use-action.ts";
import { useSession } from "../../session.tsx";
import { CodesField } from "./CreateOrganisation.tsx";
import { splitCodes } from "./codes.ts";

const departementName = new Map(DEPARTEMENTS.map(({ code, label }) => [code, label]));

/** A territory's communes and départements; operators change them. */
export function PerimeterSection({
  organisation,
  canEdit,
  onChange,
}: {
  organisation: Organisation;
  canEdit: boolean;
  onChange(): void;
}) {
  const { t, tn } = useI18n();
  const { api } = useSession();
  const { communes, departements } = organisation.perimeter;
  const [editing, setEditing] = useState(false);
  const [communeText, setCommuneText] = useState(communes.join(", "));
  const [departementText, setDepartementText] = useState(departements.join(", "));
  const [done, setDone] = useState(false);
  const action = useAction();
  const ids = useId();

  async function save(event: FormEvent) {
    event.preventDefault();
    const result = await action.run(() =>
      api.updateOrganisation(organisation.id, {
        communes: splitCodes(communeText),
        departements: splitCodes(departementText),
      }),
    );
    if (result) {
      setEditing(false);
      setDone(true);
      onChange();
    }
  }

  return (
    <section className="card" aria-labelledby="perimeter-title">
      <h2 id="perimeter-title">{t("organisations.perimeter")}</h2>
      {done ? <Alert kind="success">{t("organisations.perimeterSaved")}</Alert> : null}
      <dl className="facts">
        <dt>{t("organisations.departements")}</dt>
        <dd>
          {departements.length
            ? departements.map((code) => `${code} ${departementName.get(code) ?? ""}`.trim()).join(", ")
            : "—"}
        </dd>
        <dt>{t("organisations.communes")}</dt>
        <dd>
          {communes.length ? (
            <details>
              <summary>{tn("organisations.communeCount", communes.length)}</summary>
              <p className="mono">{communes.join(", ")}</p>
            </details>
          ) : (
            "—"
          )}
        </dd>
      </dl>
      {canEdit && !editing ? (
        <button type="button" className="btn btn-secondary" onClick={() => setEditing(true)}>
          {t("organisations.editPerimeter")}
        </button>
      ) : null}
      {editing ? (
        <form className="stack" onSubmit={save} aria-label={t("organisations.editPerimeter")}>
          <CodesField
            id={`${ids}-communes`}
            label={t("organisations.communes")}
            hint={t("organisations.communesHint")}
            value={communeText}
            onChange={setCommuneText}
          />
          <CodesField
            id={`${ids}-departements`}
            label={t("organisations.departements")}
            hint={t("organisations.departementsHint")}
            value={departementText}
            onChange={setDepartementText}
          />
          {action.error ? <Alert kind="error">{action.error}</Alert> : null}
          <div className="actions">
            <SubmitButton busy={action.busy}>{t("organisations.save")}</SubmitButton>
            <button type="button" className="btn btn-secondary" onClick={() => setEditing(false)}>
              {t("admin.cancel")}
            </button>
          </div>
        </form>
      ) : null}
    </section>
  );
}
