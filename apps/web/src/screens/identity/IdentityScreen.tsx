import { Alert, Page } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { Link } from "../../lib/router.tsx";
import { useSession } from "../../session.tsx";
import { ClaimSection } from "./ClaimSection.tsx";
import { PscSection } from "./PscSection.tsx";
import { SentInvitationsSection } from "./SentInvitationsSection.tsx";

/**
 * "Vérifier mon identité" (`/identite`, and home while the account is not verified): the two
 * roads to a verified professional identity, Pro Santé Connect (immediate) or an RPPS/ADELI claim
 * with a photo of the card, reviewed by an operator. Below, the invitations the account sent (a
 * colleague's, or an organisation's vouch for a professional), once it has sent any.
 */
export default function IdentityScreen() {
  const { t, formatDate } = useI18n();
  const { account } = useSession();
  if (!account) return null;

  if (account.state === "verified") {
    return (
      <Page title={t("identity.title")}>
        <Alert kind="success">
          {account.identityVerifiedAt
            ? t("identity.verifiedOn", { date: formatDate(account.identityVerifiedAt, "date") })
            : t("identity.verified")}
        </Alert>
        {account.nationalId ? (
          <p>
            {t("identity.linkedTo")} <span className="mono">{account.nationalId}</span>
          </p>
        ) : null}
        <div className="actions">
          <Link className="btn btn-primary" to="/annuaire">
            {t("nav.directory")}
          </Link>
          <Link className="btn btn-secondary" to="/">
            {t("nav.messages")}
          </Link>
        </div>
        <SentInvitationsSection />
      </Page>
    );
  }
  if (account.state === "suspended") {
    return (
      <Page title={t("identity.title")}>
        <Alert kind="error">{t("error.AUTH_ACCOUNT_SUSPENDED")}</Alert>
      </Page>
    );
  }
  return (
    <Page title={t("identity.title")}>
      <Alert kind="info">{t("messages.identityRequired")}</Alert>
      <div className="sections">
        <PscSection />
        <ClaimSection />
        <SentInvitationsSection />
      </div>
    </Page>
  );
}
