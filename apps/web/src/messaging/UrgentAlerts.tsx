import type { UrgentAlert } from "@confrere/protocol";
import type { StoredMessage } from "@confrere/sdk";
import { useCallback, useEffect, useRef, useState } from "react";
import { useI18n } from "../i18n/i18n.tsx";
import { describeError } from "../lib/errors.ts";
import { Link } from "../lib/router.tsx";
import { useSession } from "../session.tsx";
import { isUrgent } from "./case-format.ts";
import { excerpt } from "./chat-text.ts";
import { useMessaging } from "./messaging-context.tsx";

/** Waits before asking again for an urgent message's alert: the server records it just after the message. */
const ALERT_RETRY_MS = [300, 1_000, 3_000, 10_000];

interface Shown {
  alert: UrgentAlert;
  message: StoredMessage | null;
}

/**
 * The banner of urgent messages not yet acknowledged: it stays, on every messaging screen, until
 * "J'ai vu" is pressed (the server then stops re-notifying and records who saw it, ids only).
 */
export function UrgentAlerts() {
  const { t } = useI18n();
  const { account } = useSession();
  const { client, conversations, nameOf } = useMessaging();
  const [shown, setShown] = useState<Shown[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const me = account?.id ?? "";
  const retries = useRef<ReturnType<typeof setTimeout>[]>([]);

  const load = useCallback(async (): Promise<Shown[]> => {
    const { alerts } = await client.api.urgentAlerts();
    const pending = alerts.filter((a) => a.acknowledgedAt === null);
    const result: Shown[] = [];
    for (const alert of pending) {
      const history = await client.messages(alert.conversationId).catch(() => []);
      result.push({ alert, message: history.find((m) => m.seq === alert.seq) ?? null });
    }
    setShown(result);
    return result;
  }, [client]);

  useEffect(() => {
    const refresh = () => void load().catch(() => {});
    refresh();
    const off = client.events.on("message", (m) => {
      if (!isUrgent(m) || m.senderUserId === me) return;
      // The alert is written right after the message is stored: ask until it is there.
      const attempt = (i: number) =>
        void load()
          .then((list) => {
            const found = list.some(
              (s) => s.alert.conversationId === m.conversationId && s.alert.seq === m.seq,
            );
            const delay = ALERT_RETRY_MS[i];
            if (!found && delay !== undefined) retries.current.push(setTimeout(() => attempt(i + 1), delay));
          })
          .catch(() => {});
      attempt(0);
    });
    window.addEventListener("focus", refresh);
    return () => {
      off();
      window.removeEventListener("focus", refresh);
      for (const timer of retries.current) clearTimeout(timer);
      retries.current = [];
    };
  }, [client, load, me]);

  async function acknowledge(alert: UrgentAlert) {
    setBusy(alert.id);
    setError(null);
    try {
      await client.api.acknowledgeUrgent(alert.id);
      setShown((list) => list.filter((s) => s.alert.id !== alert.id));
    } catch (caught) {
      setError(describeError(caught, t));
    } finally {
      setBusy(null);
    }
  }

  if (shown.length === 0 && !error) return null;
  return (
    <section className="urgent-banner" aria-labelledby="urgent-banner-title" data-testid="urgent-banner">
      <h2 id="urgent-banner-title" className="urgent-banner-title">
        {t("urgent.bannerTitle")}
      </h2>
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
      <div aria-live="assertive">
        <ul className="plain-list">
          {shown.map(({ alert, message }) => {
            const sender = alert.senderId ? (nameOf(alert.senderId) ?? t("messages.unknownPerson")) : null;
            const where = conversations?.find((c) => c.conversation.id === alert.conversationId)?.title ?? "";
            return (
              <li key={alert.id} className="urgent-alert" data-testid="urgent-alert">
                <p>
                  <strong>{sender ? t("urgent.from", { name: sender }) : t("urgent.fromUnknown")}</strong>
                  {where && where !== sender ? <span className="muted"> · {where}</span> : null}
                </p>
                {message ? <p className="urgent-excerpt">{excerpt(message, 160)}</p> : null}
                <div className="actions">
                  <Link
                    to={`/conversations/${encodeURIComponent(alert.conversationId)}`}
                    className="btn btn-secondary btn-small"
                  >
                    {t("urgent.open")}
                  </Link>
                  <button
                    type="button"
                    className="btn btn-danger btn-small"
                    disabled={busy === alert.id}
                    onClick={() => void acknowledge(alert)}
                    aria-label={
                      sender ? t("urgent.acknowledgeFrom", { name: sender }) : t("urgent.acknowledge")
                    }
                  >
                    {t("urgent.acknowledge")}
                  </button>
                </div>
              </li>
            );
          })}
        </ul>
      </div>
    </section>
  );
}
