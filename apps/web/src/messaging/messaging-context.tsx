import type { Conversation } from "@confrere/protocol";
import {
  ConfrereClient,
  getJson,
  putJson,
  type StoredMessage,
  type WebSocketConstructor,
} from "@confrere/sdk";
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from "react";
import { useSession } from "../session.tsx";

export interface ConversationSummary {
  conversation: Conversation;
  title: string;
  /** A group's name as this device knows it (it travels encrypted); null for a direct conversation. */
  name: string | null;
  last: StoredMessage | null;
  unread: number;
}

interface Messaging {
  client: ConfrereClient;
  conversations: ConversationSummary[] | null;
  reload(): Promise<void>;
  /** Marks the conversation read up to `seq` on this device (the unread badge). */
  markSeen(conversationId: string, seq: number): Promise<void>;
  /** Up to where this device has shown (and sent read receipts for) the conversation. */
  seenUpTo(conversationId: string): Promise<number>;
  /** The display name of a member of any conversation, as the server's roster has it. */
  nameOf(userId: string): string | null;
}

export type MessagingStage = "opening" | "ready" | "other-tab" | "failed";

const MessagingContext = createContext<Messaging | null>(null);
const DEVICE_LOCK = "confrere-device";
const seenKey = (conversationId: string) => `web/seen/${conversationId}`;

/** A group's current name: the latest `group-info` of the history (sent at creation and renames). */
export function groupNameOf(messages: readonly StoredMessage[]): string | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    const content = messages[i]!.content;
    if (content.type === "group-info") return content.name;
  }
  return null;
}

/** Messages worth a line in the list: not receipts, edits or reactions (those change others). */
export function isShown(message: StoredMessage): boolean {
  return message.content.type !== "receipt" && message.content.type !== "group-info";
}

/** How long a screen waits for the device's lock before saying another tab holds it. */
const LOCK_WAIT_MS = 3000;
/**
 * How long the start waits for the socket's first catch-up before catching up over HTTP instead (a
 * network where the socket does not open, or opens slowly).
 */
const SOCKET_CATCH_UP_WAIT_MS = 5000;

/**
 * The device's messaging client. Only one tab may run it (a Web Lock): two clients applying the
 * same MLS log to one stored state would each advance the epoch and break it (E2EE.md, trap 5).
 */
export function MessagingProvider({
  children,
  onStage,
}: {
  children: ReactNode;
  onStage(stage: MessagingStage, error?: unknown): void;
}) {
  const { store, fetch, setMessagingTeardown, account } = useSession();
  const [client, setClient] = useState<ConfrereClient | null>(null);
  const [conversations, setConversations] = useState<ConversationSummary[] | null>(null);
  const names = useRef(new Map<string, string>());
  const stageRef = useRef(onStage);
  stageRef.current = onStage;

  useEffect(() => {
    if (!store) return;
    let stopped = false;
    let release: (() => void) | null = null;
    let running: ConfrereClient | null = null;

    async function start() {
      const created = new ConfrereClient({
        baseUrl: window.location.origin,
        store: store!,
        WebSocket: window.WebSocket as unknown as WebSocketConstructor,
        fetch,
      });
      if (!(await created.restore())) throw new Error("messaging: no session on this device");
      await created.ensureDevice();
      if (stopped) return;
      running = created;
      setMessagingTeardown(() => created.disconnect());
      // The socket's first catch-up is the start's: a catch-up of our own as well would be a second
      // (one begun before the socket is ready can miss what arrives meanwhile, so its is done anyway).
      const socketCaughtUp = created.connect();
      let waited: ReturnType<typeof setTimeout> | undefined;
      const inTime = navigator.onLine
        ? await Promise.race([
            socketCaughtUp.then(() => true),
            new Promise<false>((resolve) => {
              waited = setTimeout(() => resolve(false), SOCKET_CATCH_UP_WAIT_MS);
            }),
          ])
        : false;
      clearTimeout(waited);
      if (!inTime) await created.sync().catch(() => {});
      if (stopped) return;
      setClient(created);
      stageRef.current("ready");
    }

    const locks = (navigator as { locks?: LockManager }).locks;
    const run = async () => {
      try {
        await start();
      } catch (error) {
        if (!stopped) stageRef.current("failed", error);
      }
    };
    // Waiting for the lock rather than asking once: moving between screens of this tab (messages,
    // télé-expertise), or reloading, the page going away lets go of it a moment after this one asks.
    // Still held after that wait, it is another tab's.
    const waiting = new AbortController();
    const giveUp = setTimeout(() => waiting.abort(), LOCK_WAIT_MS);
    if (locks) {
      locks
        .request(DEVICE_LOCK, { signal: waiting.signal }, async () => {
          clearTimeout(giveUp);
          if (stopped) return;
          await run();
          // Held until this screen goes away.
          await new Promise<void>((resolve) => {
            release = resolve;
            if (stopped) resolve();
          });
        })
        .catch(() => {
          if (!stopped) stageRef.current("other-tab");
        });
    } else void run();

    return () => {
      stopped = true;
      clearTimeout(giveUp);
      waiting.abort();
      running?.disconnect();
      setMessagingTeardown(null);
      release?.();
    };
  }, [store, fetch, setMessagingTeardown]);

  const reload = useCallback(async () => {
    if (!client || !account) return;
    const list = await client.conversations();
    const summaries: ConversationSummary[] = [];
    for (const conversation of list) {
      for (const member of conversation.members) names.current.set(member.userId, member.displayName);
      const others = conversation.members.filter((m) => m.userId !== account.id);
      const history = await client.messages(conversation.id);
      const messages = history.filter(isShown);
      const seen = (store ? await getJson<number>(store, seenKey(conversation.id)) : null) ?? 0;
      const name = conversation.kind === "group" ? groupNameOf(history) : null;
      summaries.push({
        conversation,
        name,
        title: name ?? (others.map((m) => m.displayName).join(", ") || account.displayName),
        last: messages[messages.length - 1] ?? null,
        unread: messages.filter((m) => m.senderUserId !== account.id && m.seq > seen).length,
      });
    }
    summaries.sort(
      (a, b) => (b.last?.sentAt ?? b.conversation.createdAt) - (a.last?.sentAt ?? a.conversation.createdAt),
    );
    setConversations(summaries);
  }, [client, account, store]);

  useEffect(() => {
    if (!client) return;
    // Offline, the list stays as last loaded; the next event after reconnection reloads it.
    const load = () => void reload().catch(() => {});
    load();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const soon = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(load, 150);
    };
    const offs = [
      client.events.on("message", soon),
      client.events.on("conversation", soon),
      client.events.on("update", soon),
    ];
    return () => {
      if (timer) clearTimeout(timer);
      for (const off of offs) off();
    };
  }, [client, reload]);

  const markSeen = useCallback(
    async (conversationId: string, seq: number) => {
      if (!store) return;
      const seen = (await getJson<number>(store, seenKey(conversationId))) ?? 0;
      if (seq <= seen) return;
      await putJson(store, seenKey(conversationId), seq);
      setConversations(
        (list) => list?.map((s) => (s.conversation.id === conversationId ? { ...s, unread: 0 } : s)) ?? null,
      );
    },
    [store],
  );

  const seenUpTo = useCallback(
    async (conversationId: string) =>
      store ? ((await getJson<number>(store, seenKey(conversationId))) ?? 0) : 0,
    [store],
  );

  const value = useMemo<Messaging | null>(
    () =>
      client
        ? {
            client,
            conversations,
            reload,
            markSeen,
            seenUpTo,
            nameOf: (userId) => names.current.get(userId) ?? null,
          }
        : null,
    [client, conversations, reload, markSeen, seenUpTo],
  );
  return value ? <MessagingContext.Provider value={value}>{children}</MessagingContext.Provider> : null;
}

export function useMessaging(): Messaging {
  const value = useContext(MessagingContext);
  if (!value) throw new Error("useMessaging: inside <MessagingProvider> only");
  return value;
}
