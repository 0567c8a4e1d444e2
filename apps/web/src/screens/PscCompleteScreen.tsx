import type { PscProfessional } from "@confrere/protocol";
import { useEffect, useRef, useState } from "react";
import { Alert, Page, Spinner } from "../components/ui.tsx";
import { fr, type MessageKey } from "../i18n/fr.ts";
import { useI18n } from "../i18n/i18n.tsx";
import { Link, navigate, useLinkToken } from "../lib/router.tsx";
import { useAction } from "../lib/use-action.ts";
import { useSession } from "../session.tsx";

type Outcome = { kind: "linked" } | { kind: "no_account"; professional: PscProfessional };

/**
 * `/psc/complete?ticket=…` (or `?error=CODE`): where the server sends the browser back from Pro
 * Santé Connect. The single-use ticket is redeemed once: a login opens the session as a password
 * login does; a link verifies the signed-in account.
 */
export default function PscCompleteScreen() {
  const { t } = useI18n();
  const { api, adopt, refresh, status } = useSession();
  const ticket = useLinkToken("ticket");
  const [errorCode] = useState(() => new URLSearchParams(window.location.search).get("error"));
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const action = useAction();
  // The ticket is single-use: redeem it once, even if React runs the effect twice.
  const called = useRef(false);

  useEffect(() => {
    if (!ticket || called.current) return;
    called.current = true;
    void action.run(async () => {
      const result = await api.completePsc(ticket);
      if (result.outcome === "logged_in") {
        await adopt(result.session);
        navigate("/", { replace: true });
      } else if (result.outcome === "linked") {
        await refresh();
        setOutcome({ kind: "linked" });
      } else setOutcome({ kind: "no_account", professional: result.professional });
    });
  }, [api, adopt, refresh, ticket, action.run]);

  const providerError = errorCode
    ? `error.${errorCode}` in fr
      ? t(`error.${errorCode}` as MessageKey)
      : t("psc.failed")
    : null;
  const failed = providerError ?? action.error ?? (!ticket ? t("psc.noTicket") : null);

  return (
    <Page title={t("psc.title")} narrow>
      {failed ? <Alert kind="error">{failed}</Alert> : null}
      {!failed && !outcome ? <Spinner label={t("psc.working")} /> : null}
      {outcome?.kind === "linked" ? (
        <>
          <Alert kind="success">{t("psc.linked")}</Alert>
          <p className="actions">
            <Link className="btn btn-primary" to="/annuaire">
              {t("nav.directory")}
            </Link>
            <Link className="btn btn-secondary" to="/">
              {t("nav.messages")}
            </Link>
          </p>
        </>
      ) : null}
      {outcome?.kind === "no_account" ? (
        <>
          <Alert kind="info">
            {t("psc.noAccount", {
              name: `${outcome.professional.firstName} ${outcome.professional.lastName}`,
            })}
          </Alert>
          <p className="actions">
            <Link className="btn btn-primary" to="/connexion">
              {t("psc.logInThenLink")}
            </Link>
            <Link className="btn btn-secondary" to="/inscription">
              {t("login.register")}
            </Link>
          </p>
        </>
      ) : null}
      {failed ? (
        <p className="actions">
          <Link className="btn btn-secondary" to={status === "signed-in" ? "/identite" : "/connexion"}>
            {t("psc.again")}
          </Link>
        </p>
      ) : null}
    </Page>
  );
}
