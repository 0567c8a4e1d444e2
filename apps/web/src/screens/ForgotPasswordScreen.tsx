import { type FormEvent, useState } from "react";
import { Alert, Field, Page, SubmitButton } from "../components/ui.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { Link } from "../lib/router.tsx";
import { useAction } from "../lib/use-action.ts";
import { useSession } from "../session.tsx";

export function ForgotPasswordScreen() {
  const { t } = useI18n();
  const { api } = useSession();
  const [email, setEmail] = useState("");
  const [sentTo, setSentTo] = useState<string | null>(null);
  const action = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const address = email.trim();
    if (await action.run(() => api.requestPasswordReset(address))) setSentTo(address);
  }

  return (
    <Page title={t("forgot.title")} narrow>
      {sentTo ? (
        <Alert kind="success">{t("forgot.sent", { email: sentTo })}</Alert>
      ) : (
        <>
          <p>{t("forgot.intro")}</p>
          <form onSubmit={submit} className="stack">
            <Field
              label={t("form.email")}
              type="email"
              autoComplete="username"
              value={email}
              onChange={(event) => setEmail(event.target.value)}
              required
              name="email"
            />
            {action.error ? <Alert kind="error">{action.error}</Alert> : null}
            <SubmitButton busy={action.busy}>{t("forgot.submit")}</SubmitButton>
          </form>
        </>
      )}
      <p>
        <Link to="/connexion">{t("login.title")}</Link>
      </p>
    </Page>
  );
}
