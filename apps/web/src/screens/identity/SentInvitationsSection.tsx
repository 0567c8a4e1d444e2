import type { Invitation } from "@confrere/protocol";
import { useCallback, useEffect, useState } from "react";
import { Alert } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { useAction } from "../../lib/use-action.ts";
import { useSession } from "../../session.tsx";

/** Invitations asked for at a time; "Charger la suite" asks for the next ones. */
const PAGE_SIZE = 20;

/**
 * "Invitations envoyées": the invitations the account sent, a colleague's or an organisation's
 * vouch, newest first, a page at a time. Shown only to those who sent at least one.
 */
export function SentInvitationsSection() {
  const { t, formatDate } = useI18n();
  const { api } = useSession();
  const [invitations, setInvitations] = useState<Invitation[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const action = useAction();

  const load = useCallback(
    async (cursor?: string) => {
      const page = await api.sentInvitations({ limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) });
      setInvitations((shown) => (cursor && shown ? [...shown, ...page.invitations] : page.invitations));
      setNextCursor(page.nextCursor);
    },
    [api],
  );
  useEffect(() => {
    void action.run(() => load());
  }, [action.run, load]);

  if (!invitations?.length && !action.error) return null;
  return (
    <section className="card" aria-labelledby="sent-invitations-title">
      <h2 id="sent-invitations-title">{t("sentInvitations.title")}</h2>
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      {invitations?.length ? (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">{t("sentInvitations.title")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("sentInvitations.colEmail")}</th>
                <th scope="col">{t("sentInvitations.colOrganisation")}</th>
                <th scope="col">{t("sentInvitations.colProfessional")}</th>
                <th scope="col">{t("sentInvitations.colState")}</th>
                <th scope="col">{t("sentInvitations.colSent")}</th>
              </tr>
            </thead>
            <tbody>
              {invitations.map((invitation) => (
                <tr key={invitation.id} data-testid="sent-invitation">
                  <td>{invitation.email}</td>
                  <td>{invitation.organisationName ?? t("sentInvitations.personal")}</td>
                  <td className="mono">{invitation.nationalId?.slice(1) ?? "—"}</td>
                  <td>{t(`sentInvitations.state.${invitation.state}`)}</td>
                  <td>{formatDate(invitation.createdAt, "date")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {nextCursor && invitations ? (
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() => void action.run(() => load(nextCursor))}
          disabled={action.busy}
        >
          {t("sentInvitations.loadMore")}
        </button>
      ) : null}
    </section>
  );
}
