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
 * invited (the link proved it); logging in then asks for the second factor as usual.
 */
export default function InvitationScreen() {
  const { t } = useI18n();
  const { api } = useSession();
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
          {preview.state === "pending" ? (
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
          ) : (
            <>
              <Alert kind={preview.state === "accepted" ? "info" : "error"}>
                {t(`invitation.state.${preview.state}`)}
              </Alert>
              <p>
                <Link to="/connexion">{t("login.submit")}</Link>
              </p>
            </>
          )}
        </div>
      ) : null}
    </Page>
  );
}
