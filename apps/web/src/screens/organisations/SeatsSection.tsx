import type { OrganisationBillingResponse, OrganisationMember } from "@confrere/protocol";
import { useEffect, useId, useState } from "react";
import { Alert, Field } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { useAction } from "../../lib/use-action.ts";
import { useSession } from "../../session.tsx";

const PAGE = 200;
/** Enough for a large territory; the filter narrows what is shown. */
const MAX_MEMBERS = 2_000;
const SHOWN = 10;

/**
 * Seats bought, used and free; who holds them and how (named by an administrator, or every
 * member automatically); giving a seat to a member and taking it back.
 */
export function SeatsSection({
  organisationId,
  billing,
  onChange,
}: {
  organisationId: string;
  billing: OrganisationBillingResponse;
  onChange(billing: OrganisationBillingResponse): void;
}) {
  const { t } = useI18n();
  const { api } = useSession();
  const switchId = useId();
  const [members, setMembers] = useState<OrganisationMember[] | null>(null);
  const [filter, setFilter] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const action = useAction();
  const { seats } = billing;

  // The people an administrator can name: the organisation's own member list (names only).
  useEffect(() => {
    let live = true;
    void action.run(async () => {
      const all: OrganisationMember[] = [];
      let after: string | undefined;
      do {
        const page = await api.organisationMembers(organisationId, {
          limit: PAGE,
          ...(after ? { after } : {}),
        });
        all.push(...page.members);
        after = page.nextAfter ?? undefined;
      } while (after && all.length < MAX_MEMBERS);
      if (live) setMembers(all);
    });
    return () => {
      live = false;
    };
  }, [api, organisationId, action.run]);

  async function change(run: () => Promise<OrganisationBillingResponse>, message: string) {
    setDone(null);
    const fresh = await action.run(run);
    if (fresh) {
      onChange(fresh);
      setDone(message);
    }
  }

  const assigned = new Set(billing.holders.filter((h) => h.how === "assigned").map((h) => h.userId));
  const needle = filter.trim().toLocaleLowerCase();
  const candidates = (members ?? []).filter(
    (member) =>
      member.isVerified &&
      !assigned.has(member.userId) &&
      (needle === "" || member.displayName.toLocaleLowerCase().includes(needle)),
  );

  return (
    <section className="card" aria-labelledby="seats-title">
      <h2 id="seats-title">{t("sponsor.seats.title")}</h2>
      <dl className="facts seat-counts" data-testid="seat-counts">
        <dt>{t("sponsor.seats.purchased")}</dt>
        <dd>{seats.purchased}</dd>
        <dt>{t("sponsor.seats.used")}</dt>
        <dd>{seats.used}</dd>
        <dt>{t("sponsor.seats.available")}</dt>
        <dd>{seats.available}</dd>
      </dl>
      {billing.uncoveredMembers > 0 ? (
        <Alert kind="info">{t("sponsor.seats.uncovered", { count: billing.uncoveredMembers })}</Alert>
      ) : null}
      <div className="checkbox">
        <input
          type="checkbox"
          role="switch"
          aria-checked={billing.autoAssignAll}
          id={switchId}
          checked={billing.autoAssignAll}
          disabled={action.busy}
          aria-describedby={`${switchId}-hint`}
          onChange={(event) => {
            const on = event.target.checked;
            void change(
              () => api.setSeatAutoAssign(organisationId, on),
              on ? t("sponsor.seats.autoOn") : t("sponsor.seats.autoOff"),
            );
          }}
        />
        <label htmlFor={switchId}>{t("sponsor.seats.auto")}</label>
      </div>
      <p className="hint" id={`${switchId}-hint`}>
        {t("sponsor.seats.autoHint")}
      </p>
      {done ? <Alert kind="success">{done}</Alert> : null}
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}

      <h3>{t("sponsor.seats.holders")}</h3>
      {billing.holders.length === 0 ? <p className="hint">{t("sponsor.seats.noHolders")}</p> : null}
      {billing.holders.length ? (
        <ul className="plain-list people">
          {billing.holders.map((holder) => (
            <li key={holder.userId} className="pick" data-testid="seat-holder">
              <span>
                <strong>{holder.displayName}</strong>{" "}
                <span className="badge badge-muted">{t(`sponsor.seats.how.${holder.how}`)}</span>
              </span>
              {holder.how === "assigned" ? (
                <button
                  type="button"
                  className="btn btn-danger btn-small"
                  disabled={action.busy}
                  aria-label={t("sponsor.seats.unassignLabel", { name: holder.displayName })}
                  onClick={() => {
                    if (!window.confirm(t("sponsor.seats.confirmUnassign", { name: holder.displayName })))
                      return;
                    void change(
                      () => api.unassignSeat(organisationId, holder.userId),
                      t("sponsor.seats.unassigned", { name: holder.displayName }),
                    );
                  }}
                >
                  {t("sponsor.seats.unassign")}
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}

      <h3>{t("sponsor.seats.assignTitle")}</h3>
      <Field
        label={t("sponsor.seats.filter")}
        type="search"
        value={filter}
        onChange={(event) => setFilter(event.target.value)}
        maxLength={200}
        name="seat-filter"
      />
      {members !== null && candidates.length === 0 ? (
        <p className="hint">{t("sponsor.seats.noCandidate")}</p>
      ) : null}
      {candidates.length ? (
        <ul className="plain-list picks">
          {candidates.slice(0, SHOWN).map((member) => (
            <li key={member.userId} className="pick" data-testid="seat-candidate">
              <strong>{member.displayName}</strong>
              <button
                type="button"
                className="btn btn-secondary btn-small"
                disabled={action.busy || seats.purchased === 0}
                aria-label={t("sponsor.seats.assignLabel", { name: member.displayName })}
                onClick={() =>
                  void change(
                    () => api.assignSeat(organisationId, member.userId),
                    t("sponsor.seats.assigned", { name: member.displayName }),
                  )
                }
              >
                {t("sponsor.seats.assign")}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {candidates.length > SHOWN ? (
        <p className="hint">{t("sponsor.seats.more", { count: candidates.length - SHOWN })}</p>
      ) : null}
    </section>
  );
}
