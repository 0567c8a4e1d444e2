import type { AdminOrganisationListResponse, MyOrganisationsResponse } from "@confrere/protocol";
import { type FormEvent, useCallback, useEffect, useState } from "react";
import { Alert, Field, Page, Spinner, SubmitButton } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { Link } from "../../lib/router.tsx";
import { useAction } from "../../lib/use-action.ts";
import { useSession } from "../../session.tsx";
import { CreateOrganisation } from "./CreateOrganisation.tsx";
import { kindLabel } from "./labels.ts";

export function OrganisationList() {
  const { t } = useI18n();
  const { account } = useSession();
  return (
    <Page title={t("organisations.title")}>
      <div className="sections">
        <MyOrganisations />
        {account?.role === "operator" ? (
          <>
            <AllOrganisations />
            <CreateOrganisation />
          </>
        ) : null}
      </div>
    </Page>
  );
}

function MyOrganisations() {
  const { t } = useI18n();
  const { api } = useSession();
  const [mine, setMine] = useState<MyOrganisationsResponse["organisations"] | null>(null);
  const action = useAction();
  useEffect(() => {
    void action.run(async () => setMine((await api.myOrganisations()).organisations));
  }, [api, action.run]);
  return (
    <section className="card" aria-labelledby="mine-title">
      <h2 id="mine-title">{t("organisations.mine")}</h2>
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      {mine === null && !action.error ? <Spinner label={t("app.loading")} /> : null}
      {mine?.length === 0 ? <p className="hint">{t("organisations.mineNone")}</p> : null}
      {mine?.length ? (
        <ul className="plain-list link-list">
          {mine.map(({ organisation, role }) => (
            <li key={organisation.id}>
              <Link to={`/organisations/${organisation.id}`}>{organisation.name}</Link>{" "}
              <span className="muted">
                · {kindLabel(organisation, t)} · {t(`organisations.role.${role}`)}
              </span>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

/** Operators: every organisation, by name, with its counts. */
function AllOrganisations() {
  const { t, tn } = useI18n();
  const { api } = useSession();
  const [q, setQ] = useState("");
  const [list, setList] = useState<AdminOrganisationListResponse["organisations"] | null>(null);
  const action = useAction();
  const load = useCallback(
    async (text: string) => setList((await api.listOrganisations(text ? { q: text } : {})).organisations),
    [api],
  );
  useEffect(() => {
    void action.run(() => load(""));
  }, [action.run, load]);
  function submit(event: FormEvent) {
    event.preventDefault();
    void action.run(() => load(q.trim()));
  }
  return (
    <section className="card" aria-labelledby="all-title">
      <h2 id="all-title">{t("organisations.all")}</h2>
      <search>
        <form className="inline-form" onSubmit={submit}>
          <Field
            label={t("organisations.searchName")}
            type="search"
            value={q}
            onChange={(event) => setQ(event.target.value)}
            maxLength={200}
            name="organisation-q"
          />
          <SubmitButton busy={action.busy}>{t("admin.searchSubmit")}</SubmitButton>
        </form>
      </search>
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      {list?.length === 0 ? <p className="hint">{t("organisations.none")}</p> : null}
      {list?.length ? (
        <ul className="plain-list link-list">
          {list.map(({ organisation, counts }) => (
            <li key={organisation.id} data-testid="organisation">
              <Link to={`/organisations/${organisation.id}`}>{organisation.name}</Link>{" "}
              <span className="muted">
                · {kindLabel(organisation, t)} · {tn("organisations.admins", counts.admins)} ·{" "}
                {tn("organisations.members", counts.members)}
                {organisation.kind === "establishment"
                  ? ` · ${tn("organisations.services", counts.services)}`
                  : ""}
              </span>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
