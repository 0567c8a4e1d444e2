import type { InvitationPreviewResponse } from "@confrere/protocol";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { Alert, Field, Page, PasswordField, Spinner, SubmitButton } from "../components/ui.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { Link, useLinkToken } from "../lib/router.tsx";
import { useAction } from "../lib/use-action.ts";
import { useSession } from "../session.tsx";

/**
 * `/invitation?token=…` from the invitation e-mail (public): who invites, for which organisation,
 * then a name and a password (the registration rules) create the account. The address is the one
 * invited (the link proved it); logging in then asks for the second factor as usual. When the
 * address already has an account, its holder logs in and accepts with it here instead.
 */
export default function InvitationScreen() {
  const { t } = useI18n();
  const { api, status, account } = useSession();
  const token = useLinkToken();
  const [preview, setPreview] = useState<InvitationPreviewResponse | null>(null);
  const [displayName, setDisplayName] = useState("");
  const [password, setPassword] = useState("");
  const [accepted, setAccepted] = useState<string | null>(null);
  const loading = useAction();
  const action = useAction();
  const asked = useRef(false);

  useEffect(() => {
    if (!token || asked.current) return;
    asked.current = true;
    void loading.run(async () => setPreview(await api.previewInvitation(token)));
  }, [api, token, loading.run]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!token) return;
    const result = await action.run(() =>
      api.acceptInvitation({ token, password, displayName: displayName.trim() }),
    );
    if (result) {
      setPassword("");
      setAccepted(result.account.email);
    }
  }

  if (accepted) {
    return (
      <Page title={t("invitation.title")} narrow>
        <Alert kind="success">{t("invitation.done", { email: accepted })}</Alert>
        <p>
          <Link className="btn btn-primary" to="/connexion">
            {t("login.submit")}
          </Link>
        </p>
      </Page>
    );
  }
  return (
    <Page title={t("invitation.title")} narrow>
      {!token ? <Alert kind="error">{t("invitation.noToken")}</Alert> : null}
      {token && !preview && !loading.error ? <Spinner label={t("app.loading")} /> : null}
      {loading.error ? <Alert kind="error">{loading.error}</Alert> : null}
      {preview ? (
        <div className="stack">
          <p data-testid="invitation-preview">
            {preview.organisationName
              ? t("invitation.fromOrganisation", {
                  inviter: preview.inviterName,
                  organisation: preview.organisationName,
                })
              : t("invitation.fromColleague", { inviter: preview.inviterName })}
          </p>
          {preview.state === "pending" && status === "signed-in" && account ? (
            <AcceptSignedIn token={token!} preview={preview} />
          ) : null}
          {preview.state === "pending" && status !== "signed-in" && preview.hasAccount ? (
            <>
              <Alert kind="info">{t("invitation.hasAccount", { email: preview.email })}</Alert>
              <p>
                <Link className="btn btn-primary" to="/connexion">
                  {t("login.submit")}
                </Link>
              </p>
            </>
          ) : null}
          {preview.state === "pending" && status !== "signed-in" && !preview.hasAccount ? (
            <form className="stack" onSubmit={submit}>
              <p className="hint">{t("invitation.intro", { email: preview.email })}</p>
              <Field
                label={t("form.email")}
                type="email"
                value={preview.email}
                readOnly
                autoComplete="username"
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
              <SubmitButton busy={action.busy}>{t("invitation.submit")}</SubmitButton>
            </form>
          ) : null}
          {preview.state !== "pending" ? (
            <>
              <Alert kind={preview.state === "accepted" ? "info" : "error"}>
                {t(`invitation.state.${preview.state}`)}
              </Alert>
              <p>
                <Link to="/connexion">{t("login.submit")}</Link>
              </p>
            </>
          ) : null}
        </div>
      ) : null}
    </Page>
  );
}

/**
 * Signed in: the account of the invited address accepts with one click (an organisation's
 * invitation then links it to the professional vouched for, and makes it a member); another
 * account is told to sign out and log in with the invited address.
 */
function AcceptSignedIn({ token, preview }: { token: string; preview: InvitationPreviewResponse }) {
  const { t } = useI18n();
  const { api, account, refresh, signOut } = useSession();
  const [joined, setJoined] = useState(false);
  const action = useAction();
  if (!account) return null;

  if (account.email !== preview.email) {
    return (
      <div className="stack">
        <Alert kind="error">
          {t("invitation.otherAccount", { email: preview.email, mine: account.email })}
        </Alert>
        <p>
          <button type="button" className="btn btn-secondary" onClick={() => void signOut("here")}>
            {t("invitation.signOut")}
          </button>
        </p>
      </div>
    );
  }
  if (joined) {
    return (
      <div className="stack">
        <Alert kind="success">
          {preview.organisationName
            ? t("invitation.joined", { organisation: preview.organisationName })
            : t("invitation.acceptedColleague")}
        </Alert>
        <p>
          <Link className="btn btn-primary" to="/">
            {t("invitation.continue")}
          </Link>
        </p>
      </div>
    );
  }

  async function accept(event: FormEvent) {
    event.preventDefault();
    const result = await action.run(() => api.acceptInvitationSignedIn(token));
    if (result) {
      // The account may now be verified and a member: the rest of the app reads it afresh.
      await refresh();
      setJoined(true);
    }
  }
  return (
    <form className="stack" onSubmit={accept}>
      <p className="hint">{t("invitation.signedInIntro", { email: account.email })}</p>
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      <SubmitButton busy={action.busy}>{t("invitation.acceptSignedIn")}</SubmitButton>
    </form>
  );
}
