import type { OrganisationDetailResponse } from "@confrere/protocol";
import { useCallback, useEffect, useState } from "react";
import { Alert, Page, Spinner } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { Link } from "../../lib/router.tsx";
import { useAction } from "../../lib/use-action.ts";
import { useSession } from "../../session.tsx";
import { BulkInvitation } from "./BulkInvitation.tsx";
import { kindLabel } from "./labels.ts";
import { MembersSection } from "./MembersSection.tsx";
import { PerimeterSection } from "./PerimeterSection.tsx";
import { RetentionSection } from "./RetentionSection.tsx";
import { ServicesSection } from "./ServicesSection.tsx";
import { StatsSection } from "./StatsSection.tsx";

/** One organisation: what its administrators (and operators) run. */
export function OrganisationDetail({ id }: { id: string }) {
  const { t } = useI18n();
  const { api, account } = useSession();
  const [detail, setDetail] = useState<OrganisationDetailResponse | null>(null);
  // Every change below can move the counts: the statistics reload after it.
  const [changes, setChanges] = useState(0);
  const action = useAction();
  const load = useCallback(async () => setDetail(await api.organisation(id)), [api, id]);
  useEffect(() => {
    void action.run(load);
  }, [action.run, load]);
  const changed = useCallback(() => setChanges((n) => n + 1), []);

  if (!detail) {
    return (
      <Page title={t("organisations.title")}>
        {action.error ? <Alert kind="error">{action.error}</Alert> : <Spinner label={t("app.loading")} />}
        <p>
          <Link to="/organisations">{t("organisations.back")}</Link>
        </p>
      </Page>
    );
  }
  const { organisation, myRole } = detail;
  const canAdminister = myRole === "admin" || myRole === "operator";
  // Perimeters and administrators are the platform's decisions (operator-only routes).
  const isOperator = account?.role === "operator";
  return (
    <Page title={organisation.name}>
      <p>
        <Link to="/organisations">{t("organisations.back")}</Link>
      </p>
      <dl className="facts">
        <dt>{t("organisations.kind")}</dt>
        <dd>{kindLabel(organisation, t)}</dd>
        {organisation.finess ? (
          <>
            <dt>FINESS</dt>
            <dd className="mono">{organisation.finess}</dd>
          </>
        ) : null}
        {organisation.communeLabel || organisation.departement ? (
          <>
            <dt>{t("organisations.place")}</dt>
            <dd>{[organisation.communeLabel, organisation.departement].filter(Boolean).join(" · ")}</dd>
          </>
        ) : null}
        <dt>{t("organisations.myRole")}</dt>
        <dd>{t(`organisations.role.${myRole}`)}</dd>
        {organisation.sponsored ? (
          <>
            <dt>{t("organisations.sponsoredShort")}</dt>
            <dd>{t("organisations.sponsoredYes")}</dd>
          </>
        ) : null}
      </dl>
      {canAdminister ? (
        <p>
          <Link to={`/organisations/${organisation.id}/facturation`} className="btn btn-secondary">
            {t("sponsor.link")}
          </Link>
        </p>
      ) : null}
      {canAdminister ? (
        <div className="sections">
          {organisation.kind === "territory" ? (
            <PerimeterSection
              organisation={organisation}
              canEdit={isOperator}
              onChange={() => {
                void load();
                changed();
              }}
            />
          ) : null}
          {organisation.kind === "establishment" ? (
            <ServicesSection organisation={organisation} onChange={changed} />
          ) : null}
          <MembersSection
            organisation={organisation}
            isOperator={isOperator}
            changes={changes}
            onChange={changed}
          />
          {organisation.kind === "territory" ? <BulkInvitation organisation={organisation} /> : null}
          <StatsSection organisation={organisation} changes={changes} />
          <RetentionSection organisation={organisation} />
        </div>
      ) : (
        <Alert kind="info">{t("organisations.memberOnly")}</Alert>
      )}
    </Page>
  );
}
