import { useI18n } from "../../i18n/i18n.tsx";
import { Link } from "../../lib/router.tsx";
import { useSession } from "../../session.tsx";

/** The way to the subscription screen from the profile (the banner links there only when needed). */
export function BillingSection() {
  const { t } = useI18n();
  const { account } = useSession();
  // Operators and administrators who are not professionals have nothing to pay.
  if (!account || (account.state !== "verified" && account.state !== "active")) return null;
  return (
    <section className="card" aria-labelledby="billing-entry-title">
      <h2 id="billing-entry-title">{t("billing.title")}</h2>
      <p className="hint">{t("billing.entry.intro")}</p>
      <p>
        <Link to="/abonnement">{t("billing.entry.link")}</Link>
      </p>
    </section>
  );
}
