import type { DeviceInfo } from "@confrere/protocol";
import { useCallback, useEffect, useState } from "react";
import { Alert, Spinner } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { useAction } from "../../lib/use-action.ts";
import { useSession } from "../../session.tsx";

/** The account's devices and their open sessions, each with a "Déconnecter" button. */
export function DevicesSection() {
  const { t, formatDate } = useI18n();
  const { api } = useSession();
  const [devices, setDevices] = useState<DeviceInfo[] | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const action = useAction();

  const load = useCallback(async () => setDevices((await api.devices()).devices), [api]);
  useEffect(() => {
    void action.run(load);
  }, [action.run, load]);

  async function revokeSession(sessionId: string) {
    const ok = await action.run(async () => {
      await api.revokeSession(sessionId);
      await load();
      return true;
    });
    if (ok) setDone(t("devices.sessionRevoked"));
  }

  async function revokeDevice(device: DeviceInfo) {
    if (!window.confirm(t("devices.confirmRevokeDevice", { device: device.name }))) return;
    const ok = await action.run(async () => {
      await api.revokeDevice(device.id);
      await load();
      return true;
    });
    if (ok) setDone(t("devices.revoked", { device: device.name }));
  }

  return (
    <section className="card" aria-labelledby="devices-title">
      <h2 id="devices-title">{t("devices.title")}</h2>
      <p className="hint">{t("devices.intro")}</p>
      {done ? <Alert kind="success">{done}</Alert> : null}
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      {devices === null ? <Spinner label={t("app.loading")} /> : null}
      {devices?.length === 0 ? <p>{t("devices.none")}</p> : null}
      <ul className="devices">
        {devices?.map((device) => (
          <li key={device.id} className="device" data-testid="device">
            <div className="device-head">
              <strong>{device.name}</strong>
              {device.isCurrent ? <span className="badge">{t("devices.current")}</span> : null}
            </div>
            <p className="hint">
              {t("devices.added", { date: formatDate(device.createdAt) })} ·{" "}
              {t("devices.lastSeen", { date: formatDate(device.lastSeenAt) })}
            </p>
            <ul className="sessions">
              {device.sessions.map((session) => (
                <li key={session.id} data-testid="session">
                  <span>
                    {t("devices.session", { date: formatDate(session.createdAt) })}
                    {session.ip ? ` · ${t("devices.sessionIp", { ip: session.ip })}` : ""}
                    {session.scope === "enrolment" ? ` · ${t("devices.sessionEnrolment")}` : ""}
                    {session.isCurrent ? ` · ${t("devices.currentSession")}` : ""}
                  </span>
                  {session.isCurrent ? null : (
                    <button
                      type="button"
                      className="btn btn-secondary btn-small"
                      aria-label={t("devices.revokeSessionLabel", {
                        date: formatDate(session.createdAt),
                        device: device.name,
                      })}
                      onClick={() => void revokeSession(session.id)}
                      disabled={action.busy}
                    >
                      {t("devices.revokeSession")}
                    </button>
                  )}
                </li>
              ))}
            </ul>
            {device.isCurrent ? null : (
              <button
                type="button"
                className="btn btn-danger btn-small"
                aria-label={t("devices.revokeDeviceLabel", { device: device.name })}
                onClick={() => void revokeDevice(device)}
                disabled={action.busy}
              >
                {t("devices.revokeDevice")}
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
