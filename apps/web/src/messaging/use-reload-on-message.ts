import { useEffect } from "react";
import { useMessaging } from "./messaging-context.tsx";

/**
 * Runs `reload` whenever a message of `conversationId` arrives on this device: screens built from
 * one conversation's content (a patient case, a télé-expertise request) follow the other side's
 * steps without rereading the whole history on every message of every conversation.
 */
export function useReloadOnMessage(conversationId: string | null, reload: () => Promise<void>): void {
  const { client } = useMessaging();
  useEffect(() => {
    if (!conversationId) return;
    return client.events.on("message", (m) => {
      if (m.conversationId === conversationId) void reload().catch(() => {});
    });
  }, [client, conversationId, reload]);
}
