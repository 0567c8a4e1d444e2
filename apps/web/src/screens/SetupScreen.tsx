import { type FormEvent, useEffect, useState } from "react";
import { Alert, Field, Page, PasswordField, SubmitButton } from "../components/ui.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { Link, useLinkToken } from "../lib/router.tsx";
import { useAction } from "../lib/use-action.ts";
import { useSession } from "../session.tsx";

/** `/installation?token=…`, the one-time link printed at the first start: the first operator. */
export function SetupScreen() {
  const { t } = useI18n();
  const { api } = useSession();
  const token = useLinkToken();
  const [needed, setNeeded] = useState<boolean | null>(null);
  const [email, setEmail] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [password, setPassword] = useState("");
  const [done, setDone] = useState(false);
  const action = useAction();

  useEffect(() => {
    api.setupStatus().then(
      (status) => setNeeded(status.needsFirstOperator),
      () => setNeeded(true),
    );
  }, [api]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!token) return;
    const created = await action.run(() =>
      api.createFirstOperator({ token, email: email.trim(), password, displayName: displayName.trim() }),
    );
    if (created) {
      setPassword("");
      setDone(true);
    }
  }

  const loginLink = (
    <p>
      <Link className="btn btn-primary" to="/connexion">
        {t("login.submit")}
      </Link>
    </p>
  );
  if (done) {
    return (
      <Page title={t("setup.title")} narrow>
        <Alert kind="success">{t("setup.done")}</Alert>
        {loginLink}
      </Page>
    );
  }
  if (needed === false) {
    return (
      <Page title={t("setup.title")} narrow>
        <Alert kind="info">{t("setup.alreadyDone")}</Alert>
        {loginLink}
      </Page>
    );
  }
  return (
    <Page title={t("setup.title")} narrow>
      <p>{t("setup.intro")}</p>
      {!token ? <Alert kind="error">{t("setup.noToken")}</Alert> : null}
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
        <SubmitButton busy={action.busy || !token}>{t("setup.submit")}</SubmitButton>
      </form>
    </Page>
  );
}
