import type { Subscription } from "@confrere/protocol";
import { Alert } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { daysUntil, goToPaymentPage } from "../../lib/billing-format.ts";
import { Link } from "../../lib/router.tsx";
import { useAction } from "../../lib/use-action.ts";
import { useSession } from "../../session.tsx";

/** Where the professional stands, in words: trial and its countdown, paid, unpaid, lapsed, sponsored. */
export function SubscriptionSummary({ subscription }: { subscription: Subscription }) {
  const { t, tn, formatDate } = useI18n();
  const { api } = useSession();
  const portal = useAction();
  const day = (at: number) => formatDate(at, "date");

  async function openPortal() {
    const answer = await portal.run(() => api.billingPortal());
    if (answer) goToPaymentPage(answer.url);
  }

  const portalButton = (label: string) => (
    <button
      type="button"
      className="btn btn-primary"
      onClick={() => void openPortal()}
      disabled={portal.busy}
    >
      {label}
    </button>
  );

  return (
    <section className="card" aria-labelledby="subscription-title" data-testid="subscription">
      <h2 id="subscription-title">{t("billing.state.title")}</h2>
      <p>
        <span className={`badge billing-state billing-state-${subscription.state}`}>
          {t(`billing.state.${subscription.state}`)}
        </span>
      </p>
      {subscription.state === "none" ? (
        <p>
          {t("billing.none.body")} <Link to="/identite">{t("identity.cta")}</Link>
        </p>
      ) : null}
      {subscription.state === "trialing" && subscription.trialEndsAt !== null ? (
        <>
          <p className="countdown">
            <strong>{tn("billing.trial.left", daysUntil(subscription.trialEndsAt))}</strong>
          </p>
          <p>{t("billing.trial.until", { date: day(subscription.trialEndsAt) })}</p>
        </>
      ) : null}
      {subscription.state === "active" ? (
        <>
          {subscription.paidThrough !== null ? (
            <p>{t("billing.active.until", { date: day(subscription.paidThrough) })}</p>
          ) : null}
          {subscription.nextRenewalAt !== null ? (
            <p>{t("billing.active.renewal", { date: day(subscription.nextRenewalAt) })}</p>
          ) : null}
          {subscription.paymentMethod ? (
            <p className="hint">
              {t("billing.method.label")} {t(`billing.method.${subscription.paymentMethod}`)}
            </p>
          ) : null}
          {subscription.hasAutomaticRenewal ? portalButton(t("billing.portal.manage")) : null}
        </>
      ) : null}
      {subscription.state === "past_due" ? (
        <>
          <p>
            {subscription.graceEndsAt !== null
              ? t("billing.pastDue.body", { date: day(subscription.graceEndsAt) })
              : t("billing.pastDue.bodyNoDate")}
          </p>
          <p>{t("billing.pastDue.stillWorks")}</p>
          {subscription.hasAutomaticRenewal ? (
            portalButton(t("billing.portal.fix"))
          ) : (
            <p>
              <a href="#plans-title">{t("billing.pastDue.choosePlan")}</a>
            </p>
          )}
        </>
      ) : null}
      {subscription.state === "lapsed" ? (
        <>
          <p>{t("billing.lapsed.body")}</p>
          <h3>{t("billing.lapsed.worksTitle")}</h3>
          <ul>
            <li>{t("billing.lapsed.works.read")}</li>
            <li>{t("billing.lapsed.works.answer")}</li>
            <li>{t("billing.lapsed.works.export")}</li>
          </ul>
          <h3>{t("billing.lapsed.blockedTitle")}</h3>
          <ul>
            <li>{t("billing.lapsed.blocked.start")}</li>
            <li>{t("billing.lapsed.blocked.invite")}</li>
          </ul>
          <p>{t("billing.lapsed.reactivate")}</p>
          {subscription.hasAutomaticRenewal ? portalButton(t("billing.portal.fix")) : null}
        </>
      ) : null}
      {subscription.state === "sponsored" && subscription.sponsor ? (
        <>
          <p className="sponsor">
            <strong>{t("billing.sponsored.by", { name: subscription.sponsor.name })}</strong>
          </p>
          <p>
            {t("billing.sponsored.body", {
              name: subscription.sponsor.name,
              date: day(subscription.sponsor.seatEndsAt - 1),
            })}
          </p>
        </>
      ) : null}
      {portal.error ? <Alert kind="error">{portal.error}</Alert> : null}
    </section>
  );
}
