import type { Subscription } from "@confrere/protocol";
import { useEffect, useState } from "react";
import { useI18n } from "../i18n/i18n.tsx";
import { onSubscription } from "../lib/billing-events.ts";
import { daysUntil } from "../lib/billing-format.ts";
import { Link, useLocation } from "../lib/router.tsx";
import { useSession } from "../session.tsx";

/** The trial's last two weeks are announced; before that the banner would only be noise. */
const TRIAL_NOTICE_DAYS = 14;

/**
 * A one-line notice above every screen when the trial ends soon, a payment failed or the
 * subscription lapsed, with a link to /abonnement. It never blocks anything: a doctor reads and
 * answers whatever the subscription says.
 */
export function BillingBanner() {
  const { t, tn, formatDate } = useI18n();
  const { api, account, status } = useSession();
  const { path } = useLocation();
  const [subscription, setSubscription] = useState<Subscription | null>(null);
  // Only a verified professional has a subscription (operators and secretaries have none to pay).
  const userId = status === "signed-in" && account?.state === "verified" ? account.id : null;

  useEffect(() => {
    setSubscription(null);
    if (!userId) return;
    let live = true;
    api
      .billingMe()
      .then((me) => {
        if (live) setSubscription(me.subscription);
      })
      // Offline or refused: no banner, nothing else changes.
      .catch(() => {});
    const stop = onSubscription((fresh) => {
      if (live) setSubscription(fresh);
    });
    return () => {
      live = false;
      stop();
    };
  }, [api, userId]);

  // The subscription screen says it all already.
  if (!subscription || path === "/abonnement" || path === "/facturation") return null;
  let text: string | null = null;
  if (subscription.state === "trialing" && subscription.trialEndsAt !== null) {
    const days = daysUntil(subscription.trialEndsAt);
    if (days <= TRIAL_NOTICE_DAYS) text = tn("billing.banner.trial", days);
  } else if (subscription.state === "past_due") {
    text = subscription.graceEndsAt
      ? t("billing.banner.pastDue", { date: formatDate(subscription.graceEndsAt, "date") })
      : t("billing.banner.pastDueNoDate");
  } else if (subscription.state === "lapsed") {
    text = t("billing.banner.lapsed");
  }
  if (!text) return null;
  return (
    <aside
      className={`billing-banner billing-banner-${subscription.state}`}
      aria-label={t("billing.banner.label")}
      data-testid="billing-banner"
    >
      <p>
        {text}{" "}
        <Link to="/abonnement" className="banner-link">
          {t("billing.banner.link")}
        </Link>
      </p>
    </aside>
  );
}
