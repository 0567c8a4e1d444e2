import type { SecondFactorMethod } from "@confrere/protocol";
import { ErrorCode } from "@confrere/protocol";
import { type FormEvent, useState } from "react";
import { PscButton, usePscEnabled } from "../components/PscButton.tsx";
import {
  Alert,
  Field,
  Page,
  PasswordField,
  RecoveryCodeField,
  SubmitButton,
  TotpField,
} from "../components/ui.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { defaultDeviceName } from "../lib/device.ts";
import { hasCode } from "../lib/errors.ts";
import { getPasskeyAssertion, passkeysSupported } from "../lib/passkeys.ts";
import { Link, navigate } from "../lib/router.tsx";
import { useAction } from "../lib/use-action.ts";
import { useSession } from "../session.tsx";

interface Challenge {
  token: string;
  methods: SecondFactorMethod[];
}

/** Login in two steps: e-mail and password, then a second factor (TOTP, passkey or recovery code). */
export function LoginScreen() {
  const { t } = useI18n();
  const { api, adopt, notice } = useSession();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [challenge, setChallenge] = useState<Challenge | null>(null);
  const [unverified, setUnverified] = useState(false);
  const [resent, setResent] = useState(false);
  const pscEnabled = usePscEnabled();
  const action = useAction();

  async function submitPassword(event: FormEvent) {
    event.preventDefault();
    setUnverified(false);
    const step = await action.run(
      () => api.login({ email: email.trim(), password, deviceName: defaultDeviceName() }),
      (error) => {
        setUnverified(hasCode(error, ErrorCode.AUTH_EMAIL_UNVERIFIED));
        return false;
      },
    );
    if (!step) return;
    setPassword("");
    if (step.status === "second_factor_required") {
      setChallenge({ token: step.challengeToken, methods: step.methods });
      return;
    }
    const account = await action.run(() => adopt(step.session));
    if (!account) return;
    navigate(step.status === "second_factor_enrolment_required" ? "/activation" : "/", { replace: true });
  }

  async function resend() {
    await action.run(() => api.request("POST", "/api/v1/auth/resend-verification", { email: email.trim() }));
    setResent(true);
  }

  if (challenge) {
    return <SecondFactorStep challenge={challenge} onRestart={() => setChallenge(null)} />;
  }
  return (
    <Page title={t("login.title")} narrow>
      {notice ? <Alert kind="info">{t(notice)}</Alert> : null}
      <form onSubmit={submitPassword} className="stack" noValidate={false}>
        <Field
          label={t("form.email")}
          type="email"
          autoComplete="username"
          value={email}
          onChange={(event) => setEmail(event.target.value)}
          required
          name="email"
        />
        <PasswordField label={t("form.password")} value={password} onChange={setPassword} />
        {action.error ? <Alert kind="error">{action.error}</Alert> : null}
        {unverified ? (
          resent ? (
            <Alert kind="success">{t("checkEmail.resent")}</Alert>
          ) : (
            <button type="button" className="btn btn-secondary" onClick={resend}>
              {t("login.emailUnverifiedResend")}
            </button>
          )
        ) : null}
        <SubmitButton busy={action.busy}>{t("login.submit")}</SubmitButton>
      </form>
      {pscEnabled ? (
        <div className="psc-login">
          <p className="separator">{t("psc.or")}</p>
          <PscButton purpose="login" />
        </div>
      ) : null}
      <p>
        <Link to="/mot-de-passe-oublie">{t("login.forgot")}</Link>
      </p>
      <p>
        {t("login.noAccount")} <Link to="/inscription">{t("login.register")}</Link>
      </p>
    </Page>
  );
}

function SecondFactorStep({ challenge, onRestart }: { challenge: Challenge; onRestart(): void }) {
  const { t } = useI18n();
  const { api, adopt } = useSession();
  const usable = challenge.methods.filter((m) => m !== "webauthn" || passkeysSupported());
  const [method, setMethod] = useState<SecondFactorMethod>(
    usable.includes("totp") ? "totp" : (usable[0] ?? "recovery_code"),
  );
  const [code, setCode] = useState("");
  const action = useAction();

  async function finish(complete: () => Promise<{ session: Parameters<typeof adopt>[0] }>) {
    const account = await action.run(async () => adopt((await complete()).session));
    if (account) navigate("/", { replace: true });
    else setCode("");
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (method === "totp") void finish(() => api.loginTotp(challenge.token, code));
    else if (method === "recovery_code")
      void finish(() => api.loginRecoveryCode(challenge.token, code.replace(/\s+/g, "")));
    else
      void finish(async () => {
        const { options } = await api.loginPasskeyOptions(challenge.token);
        return api.loginPasskey(challenge.token, await getPasskeyAssertion(options));
      });
  }

  return (
    <Page title={t("login.secondFactor.title")} narrow>
      <p>{t("login.secondFactor.intro")}</p>
      <form onSubmit={submit} className="stack">
        <fieldset className="choices">
          <legend>{t("login.method")}</legend>
          {usable.map((m) => (
            <label key={m} className="choice">
              <input
                type="radio"
                name="method"
                value={m}
                checked={method === m}
                onChange={() => {
                  setMethod(m);
                  setCode("");
                  action.setError(null);
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
        <SubmitButton busy={action.busy}>
          {method === "webauthn" ? t("login.passkeyStart") : t("login.verify")}
        </SubmitButton>
      </form>
      <p>
        <button type="button" className="btn-link" onClick={onRestart}>
          {t("login.back")}
        </button>
      </p>
    </Page>
  );
}
