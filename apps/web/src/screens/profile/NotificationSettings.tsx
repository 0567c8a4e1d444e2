import type { PushPreview, PushStatusResponse } from "@confrere/protocol";
import { useCallback, useEffect, useState } from "react";
import { Alert, Spinner } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { useAction } from "../../lib/use-action.ts";
import { useSession } from "../../session.tsx";

/** The VAPID key as `PushManager.subscribe()` wants it: the 65 raw bytes. */
function base64UrlBytes(value: string): Uint8Array<ArrayBuffer> {
  const base64 = value.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** The service worker's registration, or null where push cannot work (no worker, no PushManager). */
async function pushRegistration(): Promise<ServiceWorkerRegistration | null> {
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window))
    return null;
  return (await navigator.serviceWorker.getRegistration()) ?? null;
}

/**
 * "Notifications": enable them on this device (asks the browser's permission), disable them, and
 * choose what they show: “Nouveau message de Dr X” or only “Nouveau message”. Never the text.
 */
export function NotificationSettings() {
  const { t } = useI18n();
  const { api } = useSession();
  const [status, setStatus] = useState<PushStatusResponse | null>(null);
  const [isSupported, setIsSupported] = useState(true);
  const [done, setDone] = useState<string | null>(null);
  const action = useAction();

  const load = useCallback(async () => {
    setIsSupported((await pushRegistration()) !== null);
    setStatus(await api.pushStatus());
  }, [api]);
  useEffect(() => {
    void action.run(load);
  }, [action.run, load]);

  async function enable() {
    setDone(null);
    await action.run(async () => {
      const registration = await pushRegistration();
      if (!registration || !status) throw new Error(t("notifications.unsupported"));
      if ((await Notification.requestPermission()) !== "granted") throw new Error(t("notifications.denied"));
      const applicationServerKey = base64UrlBytes(status.vapidPublicKey);
      // A subscription made for another server key would be refused by the push service: renew it.
      const existing = await registration.pushManager.getSubscription();
      const existingKey = existing?.options.applicationServerKey;
      const isSameKey =
        existingKey != null && new Uint8Array(existingKey).join() === applicationServerKey.join();
      if (existing && !isSameKey) await existing.unsubscribe();
      const subscription =
        existing && isSameKey
          ? existing
          : await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey });
      const json = subscription.toJSON();
      setStatus(
        await api.subscribePush({
          endpoint: json.endpoint ?? subscription.endpoint,
          keys: { p256dh: json.keys?.p256dh ?? "", auth: json.keys?.auth ?? "" },
          preview: status.preview,
        }),
      );
      setDone(t("notifications.enabled"));
    });
  }

  async function disable() {
    setDone(null);
    await action.run(async () => {
      const registration = await pushRegistration();
      await (await registration?.pushManager.getSubscription())?.unsubscribe();
      setStatus(await api.unsubscribePush());
      setDone(t("notifications.disabled"));
    });
  }

  async function choose(preview: PushPreview) {
    setDone(null);
    await action.run(async () => {
      setStatus(
        status?.isSubscribed ? await api.setPushPreference(preview) : status && { ...status, preview },
      );
      setDone(t("notifications.saved"));
    });
  }

  return (
    <section className="card" aria-labelledby="notifications-title">
      <h2 id="notifications-title">{t("notifications.title")}</h2>
      <p className="hint">{t("notifications.intro")}</p>
      {done ? <Alert kind="success">{done}</Alert> : null}
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      {status === null ? <Spinner label={t("app.loading")} /> : null}
      {status && !isSupported ? <Alert kind="info">{t("notifications.unsupported")}</Alert> : null}
      {status ? (
        <>
          <p>{status.isSubscribed ? t("notifications.stateOn") : t("notifications.stateOff")}</p>
          <fieldset className="choices">
            <legend>{t("notifications.previewLegend")}</legend>
            {(["sender", "none"] as const).map((option) => (
              <label key={option} className="choice">
                <input
                  type="radio"
                  name="push-preview"
                  value={option}
                  checked={status.preview === option}
                  disabled={action.busy}
                  onChange={() => void choose(option)}
                />
                {option === "sender" ? t("notifications.previewSender") : t("notifications.previewNone")}
              </label>
            ))}
          </fieldset>
          {status.isSubscribed ? (
            <button type="button" className="btn btn-secondary" disabled={action.busy} onClick={disable}>
              {t("notifications.disable")}
            </button>
          ) : (
            <button
              type="button"
              className="btn btn-secondary"
              disabled={action.busy || !isSupported}
              onClick={enable}
            >
              {t("notifications.enable")}
            </button>
          )}
        </>
      ) : null}
    </section>
  );
}
