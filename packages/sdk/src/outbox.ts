import { ConfrereError, ErrorCode, type MessageContent } from "@confrere/protocol";
import type { UrgentEnvelope } from "./availability.ts";
import { RetryTimer } from "./retry-timer.ts";
import { getJson, type LocalStore, putJson } from "./store.ts";

/** A message written while the server could not be reached, waiting on the device to be sent. */
export interface QueuedMessage {
  id: string;
  conversationId: string;
  content: MessageContent;
  /** What the server sees of an urgent message (it alerts on it); absent for an ordinary one. */
  envelope?: UrgentEnvelope;
  queuedAt: number;
  /** Position in the queue, so that messages written in the same millisecond keep their order. */
  order: number;
  /** Set when the server refused it for good (e.g. removed from the group): shown, not retried. */
  failedCode?: string;
}

const PREFIX = "outbox/";

/**
 * Is this failure "not now" (keep the message and try later) rather than a refusal? No network
 * (status 0), or the server saying it can't take it at the moment (503: its database restarting,
 * its queue full): either way the same message, with the same id, will go through later.
 */
export function isUnreachable(error: unknown): boolean {
  return error instanceof ConfrereError && error.code === ErrorCode.SERVICE_UNAVAILABLE;
}

/** Retries of a flush that stopped on "not now": 2 s, then doubling up to a minute. */
const RETRY_FIRST_MS = 2_000;
const RETRY_MAX_MS = 60_000;

/**
 * Outgoing messages kept on the device (in its encrypted store) while offline, as WhatsApp keeps
 * them with a clock icon, and sent in order when the connection returns. Each keeps the message
 * id it was given when written, so a send that reached the server before the network dropped is
 * not stored twice when it is sent again.
 */
export class Outbox {
  private flushing: Promise<void> | null = null;
  private readonly retry = new RetryTimer(() => void this.flush(), RETRY_FIRST_MS, RETRY_MAX_MS);

  constructor(
    private readonly store: LocalStore,
    private readonly send: (
      conversationId: string,
      content: MessageContent,
      id: string,
      envelope: UrgentEnvelope,
    ) => Promise<unknown>,
    private readonly changed: (conversationId: string) => void,
  ) {}

  /** Queues a message behind those already waiting, and plans a retry. */
  async add(message: Omit<QueuedMessage, "order">): Promise<QueuedMessage> {
    const last = (await this.store.keys(PREFIX)).map((k) => Number(k.slice(PREFIX.length).split("/")[0]));
    const queued = { ...message, order: Math.max(0, ...last) + 1 };
    await putJson(this.store, key(queued), queued);
    this.changed(message.conversationId);
    // It was queued because the server could not take it: try again shortly without waiting for
    // a reconnection (the server may have answered 503 over a connection that stays up).
    this.retry.schedule();
    return queued;
  }

  async list(conversationId?: string): Promise<QueuedMessage[]> {
    const keys = (await this.store.keys(PREFIX)).sort();
    const messages: QueuedMessage[] = [];
    for (const k of keys) {
      const message = await getJson<QueuedMessage>(this.store, k);
      if (message && (!conversationId || message.conversationId === conversationId)) messages.push(message);
    }
    return messages;
  }

  async remove(message: QueuedMessage): Promise<void> {
    await this.store.delete(key(message));
    this.changed(message.conversationId);
  }

  /**
   * Sends what waits, oldest first; stops at the first "still unreachable" and tries again a little
   * later on its own (a reconnection or the browser's `online` event flushes sooner). One flush at
   * a time.
   */
  flush(): Promise<void> {
    this.flushing ??= this.flushOnce().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  /** No more retries (logout, disconnection): a later `flush` starts them again if needed. */
  stop(): void {
    this.retry.stop();
  }

  private async flushOnce(): Promise<void> {
    for (const message of await this.list()) {
      if (message.failedCode) continue;
      try {
        await this.send(message.conversationId, message.content, message.id, message.envelope ?? {});
        await this.remove(message);
        this.retry.succeeded();
      } catch (error) {
        if (isUnreachable(error)) {
          this.retry.schedule();
          return;
        }
        const failedCode = error instanceof ConfrereError ? error.code : ErrorCode.INTERNAL_ERROR;
        await putJson(this.store, key(message), { ...message, failedCode });
        this.changed(message.conversationId);
      }
    }
  }
}

/** Keys sort in queue order. */
function key(message: QueuedMessage): string {
  return `${PREFIX}${String(message.order).padStart(12, "0")}/${message.id}`;
}
