import { useI18n } from "../../i18n/i18n.tsx";
import { Link } from "../../lib/router.tsx";
import { useSession } from "../../session.tsx";

export function AccountSection() {
  const { t, formatDate } = useI18n();
  const { account } = useSession();
  if (!account) return null;
  return (
    <section className="card" aria-labelledby="account-title">
      <h2 id="account-title">{t("profile.account")}</h2>
      <dl className="facts">
        <dt>{t("form.displayName")}</dt>
        <dd>{account.displayName}</dd>
        <dt>{t("form.email")}</dt>
        <dd>{account.email}</dd>
        <dt>{t("profile.state")}</dt>
        <dd data-testid="account-state">{t(`state.${account.state}`)}</dd>
        <dt>{t("profile.role")}</dt>
        <dd>{t(`role.${account.role}`)}</dd>
        <dt>{t("profile.createdAt")}</dt>
        <dd>{formatDate(account.createdAt, "date")}</dd>
        {account.identityVerifiedAt ? (
          <>
            <dt>{t("profile.identityVerifiedAt")}</dt>
            <dd>{formatDate(account.identityVerifiedAt, "date")}</dd>
          </>
        ) : null}
      </dl>
      {account.state === "active" ? (
        <p className="hint">
          {t("profile.identityPending")} <Link to="/identite">{t("identity.cta")}</Link>
        </p>
      ) : null}
    </section>
  );
}
