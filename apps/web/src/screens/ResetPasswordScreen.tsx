import { type FormEvent, useState } from "react";
import { Alert, Page, PasswordField, RecoveryCodeField, SubmitButton, TotpField } from "../components/ui.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { getPasskeyAssertion, passkeysSupported } from "../lib/passkeys.ts";
import { Link, useLinkToken } from "../lib/router.tsx";
import { useAction } from "../lib/use-action.ts";
import { useSession } from "../session.tsx";

type Method = "totp" | "recovery_code" | "webauthn";

/**
 * `/nouveau-mot-de-passe?token=…`: a new password, confirmed by the second factor (a mailbox alone
 * must not open the account). The server closes every session afterwards.
 */
export function ResetPasswordScreen() {
  const { t } = useI18n();
  const { api } = useSession();
  const token = useLinkToken();
  const [password, setPassword] = useState("");
  const [method, setMethod] = useState<Method>("totp");
  const [code, setCode] = useState("");
  const [done, setDone] = useState(false);
  const action = useAction();
  const methods: Method[] = passkeysSupported()
    ? ["totp", "webauthn", "recovery_code"]
    : ["totp", "recovery_code"];

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!token) return;
    const ok = await action.run(async () => {
      const input = { token, newPassword: password };
      if (method === "totp") return api.completePasswordReset({ ...input, totpCode: code });
      if (method === "recovery_code")
        return api.completePasswordReset({ ...input, recoveryCode: code.replace(/\s+/g, "") });
      // The ApiClient has no named call for these options yet: the low-level request is typed here.
      const { options } = await api.request<{ options: Record<string, unknown> }>(
        "POST",
        "/api/v1/auth/password-reset/webauthn/options",
        { token },
      );
      return api.completePasswordReset({ ...input, webauthn: await getPasskeyAssertion(options) });
    });
    if (ok) {
      setPassword("");
      setDone(true);
    } else setCode("");
  }

  return (
    <Page title={t("reset.title")} narrow>
      {!token ? <Alert kind="error">{t("reset.noToken")}</Alert> : null}
      {done ? (
        <>
          <Alert kind="success">{t("reset.done")}</Alert>
          <p>
            <Link className="btn btn-primary" to="/connexion">
              {t("login.submit")}
            </Link>
          </p>
        </>
      ) : (
        <>
          <p>{t("reset.intro")}</p>
          <form onSubmit={submit} className="stack">
            <PasswordField label={t("form.newPassword")} value={password} onChange={setPassword} isNew />
            <fieldset className="choices">
              <legend>{t("reset.secondFactor")}</legend>
              {methods.map((m) => (
                <label key={m} className="choice">
                  <input
                    type="radio"
                    name="method"
                    value={m}
                    checked={method === m}
                    onChange={() => {
                      setMethod(m);
                      setCode("");
                    }}
                  />
                  {t(`login.method.${m}`)}
                </label>
              ))}
            </fieldset>
            {method === "totp" ? <TotpField value={code} onChange={setCode} /> : null}
            {method === "recovery_code" ? <RecoveryCodeField value={code} onChange={setCode} /> : null}
            {method === "webauthn" ? <p className="hint">{t("login.passkeyHint")}</p> : null}
            {action.error ? <Alert kind="error">{action.error}</Alert> : null}
            <SubmitButton busy={action.busy || !token}>{t("reset.submit")}</SubmitButton>
          </form>
        </>
      )}
    </Page>
  );
}
