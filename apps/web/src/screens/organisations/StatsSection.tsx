import type { Organisation, OrganisationStatsResponse } from "@confrere/protocol";
import { useEffect, useState } from "react";
import { Alert, Spinner } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { useAction } from "../../lib/use-action.ts";
import { useSession } from "../../session.tsx";

/** Counts only: how many members, verified, by profession, per roster. Never a message or who talks to whom. */
export function StatsSection({ organisation, changes }: { organisation: Organisation; changes: number }) {
  const { t } = useI18n();
  const { api } = useSession();
  const [stats, setStats] = useState<OrganisationStatsResponse | null>(null);
  const action = useAction();
  useEffect(() => {
    if (changes >= 0) void action.run(async () => setStats(await api.organisationStats(organisation.id)));
  }, [api, organisation.id, changes, action.run]);
  return (
    <section className="card" aria-labelledby="stats-title">
      <h2 id="stats-title">{t("organisations.stats")}</h2>
      <p className="hint">{t("organisations.statsIntro")}</p>
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      {stats ? (
        <>
          <dl className="facts" data-testid="stats">
            <dt>{t("organisations.stats.members")}</dt>
            <dd>{stats.members}</dd>
            <dt>{t("organisations.stats.verified")}</dt>
            <dd>{stats.verifiedMembers}</dd>
            <dt>{t("organisations.stats.admins")}</dt>
            <dd>{stats.admins}</dd>
            {organisation.kind === "establishment" ? (
              <>
                <dt>{t("organisations.stats.services")}</dt>
                <dd>{stats.services}</dd>
              </>
            ) : null}
          </dl>
          {stats.byProfession.length ? (
            <div className="table-wrap">
              <table>
                <caption>{t("organisations.stats.byProfession")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("directory.profession")}</th>
                    <th scope="col">{t("organisations.stats.count")}</th>
                  </tr>
                </thead>
                <tbody>
                  {stats.byProfession.map((row) => (
                    <tr key={row.code ?? "none"}>
                      <td>{row.label ?? row.code ?? t("organisations.stats.notLinked")}</td>
                      <td>{row.count}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          {stats.rosterSizes.length ? (
            <div className="table-wrap">
              <table>
                <caption>{t("organisations.stats.rosters")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("organisations.service")}</th>
                    <th scope="col">{t("organisations.stats.count")}</th>
                  </tr>
                </thead>
                <tbody>
                  {stats.rosterSizes.map((row) => (
                    <tr key={row.serviceId}>
                      <td>{row.name}</td>
                      <td>{row.size}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </>
      ) : action.error ? null : (
        <Spinner label={t("app.loading")} />
      )}
    </section>
  );
}
