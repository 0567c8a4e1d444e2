import { useEffect, useRef, useState } from "react";
import { Alert, Page, Spinner } from "../components/ui.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { Link, useLinkToken } from "../lib/router.tsx";
import { useAction } from "../lib/use-action.ts";
import { useSession } from "../session.tsx";

/** `/verifier-email?token=…` from the e-mail: confirms the address, then invites to log in. */
export function VerifyEmailScreen() {
  const { t } = useI18n();
  const { api } = useSession();
  const token = useLinkToken();
  const [email, setEmail] = useState<string | null>(null);
  const action = useAction();
  // The link is single-use: call once, even if React runs the effect twice.
  const called = useRef(false);
  useEffect(() => {
    if (!token || called.current) return;
    called.current = true;
    void action.run(async () => setEmail((await api.verifyEmail(token)).account.email));
  }, [api, token, action.run]);

  return (
    <Page title={t("verify.title")} narrow>
      {!token ? <Alert kind="error">{t("verify.noToken")}</Alert> : null}
      {token && !email && !action.error ? <Spinner label={t("verify.working")} /> : null}
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      {email ? <Alert kind="success">{t("verify.done", { email })}</Alert> : null}
      {email || action.error ? (
        <p>
          <Link className="btn btn-primary" to="/connexion">
            {t("login.submit")}
          </Link>
        </p>
      ) : null}
    </Page>
  );
}
