import { ConfrereError } from "@confrere/protocol";
import type { ConfrereClient, QueuedMessage } from "@confrere/sdk";
import { useCallback, useEffect, useState } from "react";
import { useI18n } from "../i18n/i18n.tsx";
import { describeError } from "../lib/errors.ts";

/** The messages of a conversation waiting on this device, kept current as the outbox changes. */
export function useQueuedMessages(client: ConfrereClient, conversationId: string): QueuedMessage[] {
  const [queued, setQueued] = useState<QueuedMessage[]>([]);
  const load = useCallback(
    async () => setQueued(await client.outbox.list(conversationId)),
    [client, conversationId],
  );
  useEffect(() => {
    void load();
    const off = client.events.on("outbox", (e) => {
      if (e.conversationId === conversationId) void load();
    });
    // The browser says the network is back before the socket reconnects: try at once.
    const online = () => void client.outbox.flush();
    window.addEventListener("online", online);
    return () => {
      off();
      window.removeEventListener("online", online);
    };
  }, [client, conversationId, load]);
  return queued;
}

/**
 * The messages of a conversation written while offline: they wait on the device (a clock, as in
 * WhatsApp) and leave on their own when the connection returns. One the server refused stays,
 * with the reason, until it is removed.
 */
export function QueuedMessages({ client, queued }: { client: ConfrereClient; queued: QueuedMessage[] }) {
  const { t, formatDate } = useI18n();
  return queued.map((message) => {
    const text =
      message.content.type === "text"
        ? message.content.text
        : message.content.type === "attachment"
          ? message.content.attachment.fileName
          : "…";
    const failed = message.failedCode !== undefined;
    return (
      <li
        key={message.id}
        className="message mine"
        data-testid="message"
        data-state={failed ? "failed" : "queued"}
      >
        <div className="bubble">
          <p className="message-text">{text}</p>
          <p className="message-meta">
            <time>{formatDate(message.queuedAt, "time")}</time>
            {failed ? (
              <>
                <span role="alert">
                  {t("chat.queuedFailed", {
                    reason: describeError(new ConfrereError(message.failedCode ?? "", 0, ""), t),
                  })}
                </span>
                <button
                  type="button"
                  className="btn btn-secondary btn-small"
                  onClick={() => void client.outbox.remove(message)}
                >
                  {t("chat.queuedRemove")}
                </button>
              </>
            ) : (
              <span
                className="ticks ticks-sending"
                role="img"
                aria-label={t("chat.queued")}
                title={t("chat.queued")}
              >
                ◷
              </span>
            )}
          </p>
        </div>
      </li>
    );
  });
}
