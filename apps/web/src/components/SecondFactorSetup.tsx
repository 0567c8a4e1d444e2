import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { useI18n } from "../i18n/i18n.tsx";
import { defaultDeviceName } from "../lib/device.ts";
import { createPasskey, passkeysSupported } from "../lib/passkeys.ts";
import { useAction } from "../lib/use-action.ts";
import { useSession } from "../session.tsx";
import { Alert, Field, Spinner, SubmitButton, TotpField } from "./ui.tsx";

/** Enrolling a factor answers with recovery codes when it was the account's first one. */
export type Enrolled = { recoveryCodes?: string[] };

/**
 * Authenticator app: the server's QR code (an SVG it generated) shown as an image — never
 * injected as markup — plus the secret for typing by hand, then a first code to confirm.
 */
export function TotpSetup({ onEnrolled }: { onEnrolled(result: Enrolled): void }) {
  const { t } = useI18n();
  const { api } = useSession();
  const id = useId();
  const [setup, setSetup] = useState<{ secret: string; qrCodeSvg: string } | null>(null);
  const [code, setCode] = useState("");
  const start = useAction();
  const confirm = useAction();

  // Started once when the form opens: each start replaces the pending secret on the server.
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    void start.run(async () => setSetup(await api.startTotpEnrolment()));
  }, [api, start.run]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const result = await confirm.run(() => api.confirmTotp(code));
    if (result) onEnrolled(result);
    else setCode("");
  }

  if (start.error) return <Alert kind="error">{start.error}</Alert>;
  if (!setup) return <Spinner label={t("app.loading")} />;
  const qrSource = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(setup.qrCodeSvg)}`;
  return (
    <form onSubmit={submit} className="stack" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t("enrol.totp.title")}</h2>
      <p>{t("enrol.totp.scan")}</p>
      <img className="qr" src={qrSource} alt={t("enrol.totp.qrAlt")} width={200} height={200} />
      <p>{t("enrol.totp.manual")}</p>
      <p>
        <span className="visually-hidden">{t("enrol.totp.secretLabel")} : </span>
        <code className="secret" data-testid="totp-secret" data-secret={setup.secret}>
          {setup.secret.replace(/(.{4})/g, "$1 ").trim()}
        </code>
      </p>
      <p>{t("enrol.totp.confirm")}</p>
      <TotpField value={code} onChange={setCode} />
      {confirm.error ? <Alert kind="error">{confirm.error}</Alert> : null}
      <SubmitButton busy={confirm.busy}>{t("enrol.totp.submit")}</SubmitButton>
    </form>
  );
}

export function PasskeySetup({ onEnrolled }: { onEnrolled(result: Enrolled): void }) {
  const { t } = useI18n();
  const { api } = useSession();
  const id = useId();
  const [name, setName] = useState(() => t("enrol.passkey.defaultName", { device: defaultDeviceName() }));
  const action = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const result = await action.run(async () => {
      const { options } = await api.passkeyRegistrationOptions();
      const response = await createPasskey(options);
      return api.registerPasskey(response, name.trim() || undefined);
    });
    if (result) onEnrolled(result);
  }

  if (!passkeysSupported()) return <Alert kind="error">{t("enrol.passkey.unsupported")}</Alert>;
  return (
    <form onSubmit={submit} className="stack" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t("enrol.passkey.title")}</h2>
      <Field
        label={t("enrol.passkey.name")}
        value={name}
        onChange={(event) => setName(event.target.value)}
        maxLength={100}
      />
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      <SubmitButton busy={action.busy}>{t("enrol.passkey.submit")}</SubmitButton>
    </form>
  );
}
