import { type FormEvent, useState } from "react";
import { Alert, Field, Page, PasswordField, SubmitButton } from "../components/ui.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { Link } from "../lib/router.tsx";
import { useAction } from "../lib/use-action.ts";
import { useSession } from "../session.tsx";

/** Sign-up, then "check your e-mail" (the same answer whether or not the address is taken). */
export function RegisterScreen() {
  const { t } = useI18n();
  const { api } = useSession();
  const [email, setEmail] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [password, setPassword] = useState("");
  const [sentTo, setSentTo] = useState<string | null>(null);
  const action = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const address = email.trim();
    const done = await action.run(() =>
      api.register({ email: address, password, displayName: displayName.trim() }),
    );
    if (done) {
      setPassword("");
      setSentTo(address);
    }
  }

  if (sentTo) return <CheckEmail email={sentTo} />;
  return (
    <Page title={t("register.title")} narrow>
      <p>{t("register.intro")}</p>
      <form onSubmit={submit} className="stack">
        <Field
          label={t("form.email")}
          type="email"
          autoComplete="email"
          value={email}
          onChange={(event) => setEmail(event.target.value)}
          required
          name="email"
        />
        <Field
          label={t("form.displayName")}
          hint={t("form.displayNameHint")}
          autoComplete="name"
          value={displayName}
          onChange={(event) => setDisplayName(event.target.value)}
          required
          maxLength={120}
          name="displayName"
        />
        <PasswordField label={t("form.password")} value={password} onChange={setPassword} isNew />
        {action.error ? <Alert kind="error">{action.error}</Alert> : null}
        <SubmitButton busy={action.busy}>{t("register.submit")}</SubmitButton>
      </form>
      <p>
        {t("register.haveAccount")} <Link to="/connexion">{t("register.login")}</Link>
      </p>
    </Page>
  );
}

function CheckEmail({ email }: { email: string }) {
  const { t } = useI18n();
  const { api } = useSession();
  const [resent, setResent] = useState(false);
  const action = useAction();
  async function resend() {
    const done = await action.run(() => api.request("POST", "/api/v1/auth/resend-verification", { email }));
    if (done !== undefined) setResent(true);
  }
  return (
    <Page title={t("checkEmail.title")} narrow>
      <p>{t("checkEmail.body", { email })}</p>
      {resent ? <Alert kind="success">{t("checkEmail.resent")}</Alert> : null}
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      <button type="button" className="btn btn-secondary" onClick={resend} disabled={action.busy}>
        {t("checkEmail.resend")}
      </button>
    </Page>
  );
}
