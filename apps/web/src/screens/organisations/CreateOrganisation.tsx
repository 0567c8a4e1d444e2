import type { CreateOrganisationRequest, TerritoryType } from "@confrere/protocol";
import { type FormEvent, useId, useState } from "react";
import { Alert, Field, SelectField, SubmitButton } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { navigate } from "../../lib/router.tsx";
import { useAction } from "../../lib/use-action.ts";
import { useSession } from "../../session.tsx";
import { splitCodes } from "./codes.ts";

const TERRITORY_TYPES: readonly TerritoryType[] = ["cpts", "communaute_de_communes", "departement"];

/** Operators: an establishment from its FINESS (named after the directory), or a territory. */
export function CreateOrganisation() {
  const { t } = useI18n();
  const { api } = useSession();
  const [kind, setKind] = useState<"establishment" | "territory">("establishment");
  const [finess, setFiness] = useState("");
  const [name, setName] = useState("");
  const [territoryType, setTerritoryType] = useState<TerritoryType>("cpts");
  const [communes, setCommunes] = useState("");
  const [departements, setDepartements] = useState("");
  const [sponsored, setSponsored] = useState(false);
  const action = useAction();
  const ids = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const request: CreateOrganisationRequest =
      kind === "establishment"
        ? { kind, finess: finess.trim(), ...(name.trim() ? { name: name.trim() } : {}) }
        : {
            kind,
            territoryType,
            name: name.trim(),
            communes: splitCodes(communes),
            departements: splitCodes(departements),
            sponsored,
          };
    const created = await action.run(() => api.createOrganisation(request));
    if (created) navigate(`/organisations/${created.organisation.id}`);
  }

  return (
    <section className="card" aria-labelledby="create-title">
      <h2 id="create-title">{t("organisations.create")}</h2>
      <form className="stack" onSubmit={submit} aria-labelledby="create-title">
        <fieldset className="choices">
          <legend>{t("organisations.kind")}</legend>
          {(["establishment", "territory"] as const).map((option) => (
            <label key={option} className="choice">
              <input
                type="radio"
                name="kind"
                value={option}
                checked={kind === option}
                onChange={() => setKind(option)}
              />
              {t(`organisations.kind.${option}`)}
            </label>
          ))}
        </fieldset>
        {kind === "establishment" ? (
          <>
            <Field
              label={t("organisations.finess")}
              hint={t("organisations.finessHint")}
              value={finess}
              onChange={(event) => setFiness(event.target.value)}
              required
              maxLength={20}
              autoComplete="off"
              name="finess"
            />
            <Field
              label={t("organisations.nameOptional")}
              hint={t("organisations.nameOptionalHint")}
              value={name}
              onChange={(event) => setName(event.target.value)}
              maxLength={200}
              name="name"
            />
          </>
        ) : (
          <>
            <SelectField
              label={t("organisations.territoryType")}
              options={TERRITORY_TYPES.map((type) => ({
                value: type,
                label: t(`organisations.territoryType.${type}`),
              }))}
              value={territoryType}
              onChange={(event) => setTerritoryType(event.target.value as TerritoryType)}
              name="territoryType"
            />
            <Field
              label={t("organisations.name")}
              value={name}
              onChange={(event) => setName(event.target.value)}
              required
              maxLength={200}
              name="name"
            />
            <CodesField
              id={`${ids}-communes`}
              label={t("organisations.communes")}
              hint={t("organisations.communesHint")}
              value={communes}
              onChange={setCommunes}
            />
            <CodesField
              id={`${ids}-departements`}
              label={t("organisations.departements")}
              hint={t("organisations.departementsHint")}
              value={departements}
              onChange={setDepartements}
            />
            <label className="checkbox">
              <input
                type="checkbox"
                checked={sponsored}
                onChange={(event) => setSponsored(event.target.checked)}
              />
              {t("organisations.sponsored")}
            </label>
          </>
        )}
        {action.error ? <Alert kind="error">{action.error}</Alert> : null}
        <SubmitButton busy={action.busy}>{t("organisations.createSubmit")}</SubmitButton>
      </form>
    </section>
  );
}

/** A list of codes, typed or pasted, one per line or separated by commas. */
export function CodesField({
  id,
  label,
  hint,
  value,
  onChange,
}: {
  id: string;
  label: string;
  hint: string;
  value: string;
  onChange(value: string): void;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <p className="hint" id={`${id}-hint`}>
        {hint}
      </p>
      <textarea
        id={id}
        aria-describedby={`${id}-hint`}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        rows={3}
        spellCheck={false}
        autoCapitalize="characters"
      />
    </div>
  );
}
