import { type FormEvent, useState } from "react";
import { Alert, Field, SelectField } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { passkeysSupported } from "../../lib/passkeys.ts";
import { useLock } from "../../lock/lock-context.tsx";
import { assertPasskey } from "../../lock/lock-passkey.ts";
import {
  isLockDelay,
  LOCK_DELAYS_MINUTES,
  type LockDelay,
  makePinVerifier,
  PIN_PATTERN,
} from "../../lock/lock-settings.ts";
import { useSession } from "../../session.tsx";

/**
 * "Verrouillage de cet appareil": the optional idle lock for shared workstations (off by default),
 * with a PIN of 4 to 8 digits or the person's passkey. Kept on this device only.
 */
export function LockSection() {
  const { t } = useI18n();
  const { account } = useSession();
  const { settings, save, lockNow } = useLock();
  const [editing, setEditing] = useState(false);
  const [method, setMethod] = useState<"pin" | "passkey">("pin");
  const [delay, setDelay] = useState<LockDelay>(settings?.delayMinutes ?? 5);
  const [pin, setPin] = useState("");
  const [confirm, setConfirm] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const delays = LOCK_DELAYS_MINUTES.map((minutes) => ({
    value: String(minutes),
    label: t("lock.delayOption", { minutes }),
  }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setDone(null);
    if (method === "pin") {
      if (!PIN_PATTERN.test(pin)) return setError(t("lock.pinInvalid"));
      if (pin !== confirm) return setError(t("lock.pinMismatch"));
    }
    setBusy(true);
    try {
      if (method === "pin") {
        await save({ method: "pin", delayMinutes: delay, pin: await makePinVerifier(pin) });
      } else {
        if (!account) return;
        // Proves the passkey works on this device before relying on it, and keeps its id.
        const checked = await assertPasskey(account.id);
        if (!checked.ok)
          return setError(
            t(checked.reason === "other-user" ? "lock.passkeyOtherUser" : "lock.passkeyFailed"),
          );
        await save({ method: "passkey", delayMinutes: delay, credentialId: checked.credentialId });
      }
      setPin("");
      setConfirm("");
      setEditing(false);
      setDone(t("lock.saved", { minutes: delay }));
    } finally {
      setBusy(false);
    }
  }

  async function turnOff() {
    setBusy(true);
    try {
      await save(null);
      setDone(t("lock.turnedOff"));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="lock-section-title">
      <h2 id="lock-section-title">{t("lock.sectionTitle")}</h2>
      <p className="hint">{t("lock.sectionHint")}</p>
      {done ? <Alert kind="success">{done}</Alert> : null}
      {error ? <Alert kind="error">{error}</Alert> : null}
      <p data-testid="lock-status">
        {settings
          ? t(settings.method === "pin" ? "lock.onPin" : "lock.onPasskey", { minutes: settings.delayMinutes })
          : t("lock.off")}
      </p>
      {editing ? (
        <form
          onSubmit={(event) => void submit(event)}
          className="subcard stack"
          aria-label={t("lock.formLabel")}
        >
          <SelectField
            label={t("lock.delay")}
            options={delays}
            value={String(delay)}
            onChange={(event) => {
              const minutes = Number(event.target.value);
              if (isLockDelay(minutes)) setDelay(minutes);
            }}
          />
          <fieldset>
            <legend>{t("lock.method")}</legend>
            <label>
              <input
                type="radio"
                name="lock-method"
                checked={method === "pin"}
                onChange={() => setMethod("pin")}
              />{" "}
              {t("lock.methodPin")}
            </label>
            <label>
              <input
                type="radio"
                name="lock-method"
                checked={method === "passkey"}
                disabled={!passkeysSupported()}
                onChange={() => setMethod("passkey")}
              />{" "}
              {t("lock.methodPasskey")}
            </label>
          </fieldset>
          {method === "pin" ? (
            <>
              <Field
                label={t("lock.newPin")}
                hint={t("lock.pinHint")}
                type="password"
                inputMode="numeric"
                autoComplete="off"
                maxLength={8}
                value={pin}
                onChange={(event) => setPin(event.target.value.replace(/\D/g, ""))}
              />
              <Field
                label={t("lock.confirmPin")}
                type="password"
                inputMode="numeric"
                autoComplete="off"
                maxLength={8}
                value={confirm}
                onChange={(event) => setConfirm(event.target.value.replace(/\D/g, ""))}
              />
            </>
          ) : (
            <p className="hint">{t("lock.passkeyHint")}</p>
          )}
          <div className="actions">
            <button type="submit" className="btn btn-primary" disabled={busy}>
              {t("lock.save")}
            </button>
            <button type="button" className="btn-link" onClick={() => setEditing(false)}>
              {t("factors.cancel")}
            </button>
          </div>
        </form>
      ) : (
        <div className="actions">
          <button
            type="button"
            className="btn btn-secondary"
            onClick={() => {
              setDelay(settings?.delayMinutes ?? 5);
              setMethod(settings?.method ?? "pin");
              setEditing(true);
              setDone(null);
            }}
          >
            {settings ? t("lock.change") : t("lock.turnOn")}
          </button>
          {settings ? (
            <>
              <button type="button" className="btn btn-secondary" onClick={lockNow}>
                {t("lock.lockNow")}
              </button>
              <button
                type="button"
                className="btn btn-secondary"
                disabled={busy}
                onClick={() => void turnOff()}
              >
                {t("lock.turnOff")}
              </button>
            </>
          ) : null}
        </div>
      )}
    </section>
  );
}
