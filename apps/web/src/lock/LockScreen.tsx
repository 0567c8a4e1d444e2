import { type FormEvent, type KeyboardEvent, type ReactNode, useEffect, useRef, useState } from "react";
import { Alert, Field } from "../components/ui.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { navigate } from "../lib/router.tsx";
import { useSession } from "../session.tsx";
import { useLock } from "./lock-context.tsx";
import { assertPasskey } from "./lock-passkey.ts";
import { checkPin, MAX_PIN_FAILURES } from "./lock-settings.ts";

/**
 * Everything the app shows, hidden and out of reach (`inert`, `visibility: hidden`) while the lock is
 * on, with the lock screen over it. The content stays mounted: the messaging client keeps its
 * WebSocket and receives while locked.
 */
export function LockGate({ children }: { children: ReactNode }) {
  const { isLocked, isPending } = useLock();
  const isHidden = isLocked || isPending;
  return (
    <>
      <div className={isHidden ? "lock-content is-locked" : "lock-content"} inert={isHidden}>
        {children}
      </div>
      {isLocked ? <LockScreen /> : null}
    </>
  );
}

const FOCUSABLE = "button:not(:disabled), input:not(:disabled), a[href]";

function LockScreen() {
  const { t, tn } = useI18n();
  const { account, signOut, setNotice } = useSession();
  const { settings, failures, unlock, recordFailure } = useLock();
  const [pin, setPin] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const dialog = useRef<HTMLDivElement>(null);

  useEffect(() => {
    dialog.current?.querySelector<HTMLElement>("input, button")?.focus();
  }, []);

  // Focus stays in the dialog (WAI-ARIA modal dialog pattern): Tab wraps around its controls.
  function trapFocus(event: KeyboardEvent<HTMLDivElement>) {
    if (event.key !== "Tab" || !dialog.current) return;
    const controls = [...dialog.current.querySelectorAll<HTMLElement>(FOCUSABLE)];
    const first = controls[0];
    const last = controls[controls.length - 1];
    if (!first || !last) return;
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  }

  async function leave(wiped: boolean) {
    await signOut("here");
    if (wiped) setNotice("lock.wiped");
    navigate("/connexion", { replace: true });
  }

  async function submitPin(event: FormEvent) {
    event.preventDefault();
    if (settings?.method !== "pin" || busy) return;
    setBusy(true);
    setError(null);
    try {
      if (await checkPin(pin, settings.pin)) {
        unlock();
        return;
      }
      setPin("");
      const count = await recordFailure();
      // Like a phone: the PIN of a shared workstation must not be guessable by trying them all.
      if (count >= MAX_PIN_FAILURES) {
        await leave(true);
        return;
      }
      setError(tn("lock.wrongPin", MAX_PIN_FAILURES - count));
    } finally {
      setBusy(false);
    }
  }

  async function unlockWithPasskey() {
    if (settings?.method !== "passkey" || !account || busy) return;
    setBusy(true);
    setError(null);
    try {
      const result = await assertPasskey(account.id, settings.credentialId);
      if (result.ok) unlock();
      else setError(t(result.reason === "other-user" ? "lock.passkeyOtherUser" : "lock.passkeyFailed"));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div
      className="lock-screen"
      role="dialog"
      aria-modal="true"
      aria-labelledby="lock-title"
      aria-describedby="lock-intro"
      ref={dialog}
      onKeyDown={trapFocus}
    >
      <div className="lock-panel">
        <h1 id="lock-title">{t("lock.title")}</h1>
        <p id="lock-intro">{t("lock.intro", { name: account?.displayName ?? "" })}</p>
        {error ? <Alert kind="error">{error}</Alert> : null}
        {settings?.method === "pin" ? (
          <form onSubmit={(event) => void submitPin(event)} className="stack">
            <Field
              label={t("lock.pin")}
              type="password"
              inputMode="numeric"
              autoComplete="off"
              maxLength={8}
              value={pin}
              hint={failures > 0 ? tn("lock.triesLeft", MAX_PIN_FAILURES - failures) : undefined}
              onChange={(event) => setPin(event.target.value.replace(/\D/g, ""))}
            />
            <div className="actions">
              <button type="submit" className="btn btn-primary" disabled={busy || pin.length < 4}>
                {t("lock.unlock")}
              </button>
            </div>
          </form>
        ) : (
          <div className="actions">
            <button
              type="button"
              className="btn btn-primary"
              disabled={busy}
              onClick={() => void unlockWithPasskey()}
            >
              {t("lock.unlockPasskey")}
            </button>
          </div>
        )}
        <div className="actions">
          <button
            type="button"
            className="btn btn-secondary"
            disabled={busy}
            onClick={() => void leave(false)}
          >
            {t("logout.here")}
          </button>
        </div>
        <p className="hint">{t("lock.logoutHint")}</p>
      </div>
    </div>
  );
}
