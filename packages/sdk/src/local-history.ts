import type { StoredMessage } from "./client.ts";
import { getJson, type LocalStore, putJson } from "./store.ts";

/**
 * The device's decrypted history, by conversation. Keys: `msg/<conversation>/<seq, 12 digits>`
 * holds a message, `ref/<conversation>/<message id>` its sequence number.
 *
 * A conversation's history is read from the store once, in one range read, then kept in memory
 * and kept current by {@link save}: the chat and the conversation list read it after every event,
 * and reading 10,000 encrypted IndexedDB values one by one took seconds each time. Keeping it is
 * safe because one client at a time writes a device's store (the web app's Web Lock, the CLI's
 * single process). Callers must not change the messages {@link list} returns: {@link find} gives a
 * copy to change and save.
 */
export class LocalHistory {
  private readonly loaded = new Map<string, Promise<History>>();

  constructor(private readonly store: LocalStore) {}

  /** The conversation's messages, in order. */
  async list(conversationId: string): Promise<StoredMessage[]> {
    return [...(await this.load(conversationId)).bySeq.values()];
  }

  /** A copy of one message, to change and {@link save}; null if this device does not have it. */
  async find(conversationId: string, messageId: string): Promise<StoredMessage | null> {
    const seq = await getJson<number>(this.store, `ref/${conversationId}/${messageId}`);
    if (seq === null) return null;
    const message = (await this.load(conversationId)).bySeq.get(seq);
    return message ? structuredClone(message) : null;
  }

  async save(message: StoredMessage): Promise<void> {
    await putJson(this.store, seqKey(message.conversationId, message.seq), message);
    await putJson(this.store, `ref/${message.conversationId}/${message.id}`, message.seq);
    const history = await this.loaded.get(message.conversationId);
    if (!history) return;
    const kept = structuredClone(message);
    const { bySeq } = history;
    if (bySeq.has(message.seq) || message.seq > history.lastSeq) {
      bySeq.set(message.seq, kept);
      history.lastSeq = Math.max(history.lastSeq, message.seq);
    } else {
      // Rare (a message older than the newest one kept): rebuild in order.
      const ordered = [...bySeq.entries(), [message.seq, kept] as const].sort((a, b) => a[0] - b[0]);
      bySeq.clear();
      for (const [seq, m] of ordered) bySeq.set(seq, m);
    }
  }

  /** Drops what is kept in memory (after the store was cleared or messages deleted under it). */
  forget(): void {
    this.loaded.clear();
  }

  private load(conversationId: string): Promise<History> {
    let history = this.loaded.get(conversationId);
    if (!history) {
      history = this.read(conversationId);
      this.loaded.set(conversationId, history);
      // A failed read is not kept: the next call reads again.
      history.catch(() => this.loaded.delete(conversationId));
    }
    return history;
  }

  private async read(conversationId: string): Promise<History> {
    const history: History = { bySeq: new Map(), lastSeq: 0 };
    // Keys sort by padded seq: the map is in order.
    for (const [, bytes] of await this.store.entries(`msg/${conversationId}/`)) {
      const message = JSON.parse(decoder.decode(bytes)) as StoredMessage;
      history.bySeq.set(message.seq, message);
      history.lastSeq = Math.max(history.lastSeq, message.seq);
    }
    return history;
  }
}

interface History {
  bySeq: Map<number, StoredMessage>;
  lastSeq: number;
}

const decoder = new TextDecoder();

export function seqKey(conversationId: string, seq: number): string {
  return `msg/${conversationId}/${String(seq).padStart(12, "0")}`;
}
