import type { ColleagueAvailability } from "@confrere/protocol";
import { useEffect, useState } from "react";
import { useI18n } from "../i18n/i18n.tsx";
import { Link } from "../lib/router.tsx";
import { type CaseLabel, patientName } from "./case-format.ts";
import { useMessaging } from "./messaging-context.tsx";

/** The header a message of a patient case carries: "Dossier · DUPONT Marie", a link to the case. */
export function CaseTag({ caseId, label }: { caseId: string; label: CaseLabel | undefined }) {
  const { t } = useI18n();
  return (
    <p className="case-tag" data-testid="case-tag">
      <Link to={`/dossiers/${encodeURIComponent(caseId)}`}>
        <span className="case-tag-kind">{t("cases.tag")}</span>{" "}
        {label ? patientName(label.patient) : t("cases.unknownCase")}
        {label?.title ? <span className="case-tag-title"> · {label.title}</span> : null}
      </Link>
    </p>
  );
}

/** A colleague's status (never their hours) under a direct conversation's title. */
export function ColleagueAvailabilityLine({ userId }: { userId: string }) {
  const { t, formatDate } = useI18n();
  const { client } = useMessaging();
  const [availability, setAvailability] = useState<ColleagueAvailability | null>(null);
  useEffect(() => {
    let cancelled = false;
    // Offline or refused: no line, the conversation works the same.
    client.api
      .colleagueAvailability(userId)
      .then((found) => {
        if (!cancelled) setAvailability(found);
      })
      .catch(() => {});
    return () => {
      cancelled = true;
    };
  }, [client, userId]);
  if (!availability) return null;
  return (
    <p className={`availability availability-${availability.status}`} data-testid="colleague-availability">
      <span className="availability-dot" aria-hidden="true" />
      {t(`availability.status.${availability.status}`)}
      {availability.until ? ` ${t("availability.until", { time: formatDate(availability.until) })}` : ""}
    </p>
  );
}
