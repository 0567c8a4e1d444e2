import { ConfrereError, ErrorCode, type PostEntryResponse } from "@confrere/protocol";
import type { LogEntriesTable } from "../db/schema-messaging.ts";
import type { ItemOutcome } from "./group-commit.ts";

/** An application message to append, already checked for MLS framing (log.ts). */
export interface AppendItem {
  sender: { userId: string; deviceId: string };
  /** Set when the message came over a socket: the session is re-checked in the batch's transaction. */
  sessionId: string | null;
  conversationId: string;
  clientMessageId: string;
  epoch: number;
  body: Buffer;
  /** The body as it came (base64url), pushed to the recipients as is. */
  bodyText: string;
  /** No push notification for it (a receipt, an edit): see the send envelope. */
  silent?: boolean;
}

/** A device saying how far it has fetched a conversation. */
export interface AckItem {
  who: { userId: string; deviceId: string };
  conversationId: string;
  seq: number;
}

export interface DeliveryMove {
  conversationId: string;
  userId: string;
  seq: number;
}

export interface StoredEntryRef {
  seq: number;
  epoch: number;
  senderDeviceId: string;
  kind: string;
}

/** What a batch of messages is checked against (see appendBatch). Keys are `key(a, b)`. */
export interface AppendChecks {
  /** The sessions still open. */
  live: Set<string>;
  /** The (conversation, user) pairs that are members. */
  members: Set<string>;
  /** The (conversation, device) pairs in the MLS group. */
  groupDevices: Set<string>;
  /** Entries already stored under these (conversation, client message id) pairs. */
  existing: Map<string, StoredEntryRef>;
}

/**
 * What one batch reads and writes, in one transaction of the store (a batch of acknowledgements on
 * PostgreSQL: in statements of their own, see `statements`). Keys of the sets and maps are
 * `key(a, b)`. The SQLite implementation runs one prepared statement per key, in process; the
 * PostgreSQL one, one statement per method, each a round trip: a batch of messages takes five
 * (begin, lock, checks, append, commit), a batch of acknowledgements two (positions, acknowledge).
 */
export interface MessageBatchTx {
  /** Conversations' current epoch and last sequence number (locked for the transaction on PostgreSQL). */
  conversations(ids: string[]): Promise<Map<string, { epoch: number; lastSeq: number }>>;
  /**
   * Read after the lock: a batch that waited for it sees what the batch before it stored (a message
   * sent twice at once is a duplicate, not two entries).
   */
  appendChecks(query: {
    sessionIds: string[];
    now: number;
    members: [string, string][];
    groupDevices: [string, string][];
    existing: [string, string][];
  }): Promise<AppendChecks>;
  /**
   * Stores the entries and each conversation's new last sequence number; gives each of those
   * conversations' member user ids, the recipients of what happened in it.
   */
  append(rows: LogEntriesTable[], lastSeqs: Map<string, number>): Promise<Map<string, string[]>>;
  /**
   * For (conversation, user) pairs that are members: the conversation's last sequence number, and the
   * furthest position any device of the user reached in it (0 before the first acknowledgement).
   */
  memberPositions(pairs: [string, string][]): Promise<Map<string, { lastSeq: number; furthest: number }>>;
  /**
   * Records the devices' positions (a position never goes back), and gives, for each member's move
   * keyed by `key(conversationId, userId)`, the other members who sent an entry after `after` up to
   * `upTo`: the only ones whose messages the move delivers.
   */
  acknowledge(
    rows: { deviceId: string; conversationId: string; userId: string; seq: number }[],
    now: number,
    moves: { conversationId: string; userId: string; after: number; upTo: number }[],
  ): Promise<Map<string, string[]>>;
}

export interface MessageBatchStore {
  /** Runs `work` in one transaction. */
  transaction<T>(work: (tx: MessageBatchTx) => Promise<T>): Promise<T>;
  /**
   * Runs `work` whose every write is a single statement that needs nothing else to hold (an
   * acknowledgement's). PostgreSQL runs each statement as its own transaction: under READ COMMITTED
   * one around them would see and lock nothing more, and cost two round trips. SQLite, with no round
   * trips, runs it as a transaction all the same.
   */
  statements<T>(work: (tx: MessageBatchTx) => Promise<T>): Promise<T>;
}

export function key(a: string, b: string): string {
  return `${a}\u0000${b}`;
}

function uniquePairs(pairs: [string, string][]): [string, string][] {
  const seen = new Map<string, [string, string]>();
  for (const pair of pairs) seen.set(key(pair[0], pair[1]), pair);
  return [...seen.values()];
}

export interface AppendedBatch {
  outcomes: ItemOutcome<PostEntryResponse>[];
  /** The entries stored, with the body as received, for pushing. */
  stored: { row: LogEntriesTable; bodyText: string; silent: boolean }[];
  recipients: Map<string, string[]>;
}

/**
 * Appends a batch of application messages in one transaction, with the checks `appendApplicationMessage`
 * makes for one (log.ts): the session still open, the sender a member whose device is in the group,
 * a resent id answered with its first acknowledgement, the epoch current. A refused message refuses
 * itself only; the others of the batch go on.
 */
export async function appendBatch(
  store: MessageBatchStore,
  items: AppendItem[],
  now: number,
): Promise<AppendedBatch> {
  return store.transaction(async (tx) => {
    const conversations = await tx.conversations([...new Set(items.map((i) => i.conversationId))]);
    const { live, members, groupDevices, existing } = await tx.appendChecks({
      sessionIds: [...new Set(items.flatMap((i) => (i.sessionId ? [i.sessionId] : [])))],
      now,
      members: uniquePairs(items.map((i) => [i.conversationId, i.sender.userId])),
      groupDevices: uniquePairs(items.map((i) => [i.conversationId, i.sender.deviceId])),
      existing: uniquePairs(items.map((i) => [i.conversationId, i.clientMessageId])),
    });

    const outcomes: ItemOutcome<PostEntryResponse>[] = [];
    const stored: AppendedBatch["stored"] = [];
    const lastSeqs = new Map<string, number>();
    for (const item of items) {
      try {
        outcomes.push({ ok: true, value: decide(item) });
      } catch (error) {
        outcomes.push({ ok: false, error });
      }
    }
    const recipients = stored.length
      ? await tx.append(
          stored.map((s) => s.row),
          lastSeqs,
        )
      : new Map<string, string[]>();
    return { outcomes, stored, recipients };

    function decide(item: AppendItem): PostEntryResponse {
      const operation = "sendMessage";
      if (item.sessionId && !live.has(item.sessionId)) {
        throw new ConfrereError(
          ErrorCode.AUTH_REQUIRED,
          401,
          `${operation}: the session was closed; log in again`,
        );
      }
      const conversation = conversations.get(item.conversationId);
      if (!conversation || !members.has(key(item.conversationId, item.sender.userId))) {
        throw new ConfrereError(
          ErrorCode.CONVERSATION_NOT_FOUND,
          404,
          `${operation}: no such conversation among yours`,
        );
      }
      if (!groupDevices.has(key(item.conversationId, item.sender.deviceId))) {
        throw new ConfrereError(
          ErrorCode.NOT_A_MEMBER,
          403,
          `${operation}: this device is not (yet) in the conversation's group; wait for another member to add it`,
        );
      }
      const duplicateKey = key(item.conversationId, item.clientMessageId);
      const duplicate = existing.get(duplicateKey);
      if (duplicate) {
        if (duplicate.senderDeviceId !== item.sender.deviceId || duplicate.kind !== "application") {
          throw new ConfrereError(
            ErrorCode.MESSAGE_ID_REUSED,
            409,
            `${operation}: this message id was used for another message; generate a new one`,
          );
        }
        return { seq: duplicate.seq, epoch: duplicate.epoch, duplicate: true };
      }
      if (item.epoch !== conversation.epoch) {
        throw new ConfrereError(
          ErrorCode.EPOCH_MISMATCH,
          409,
          `${operation}: the group moved to epoch ${conversation.epoch}; apply the new commits and send again`,
          { currentEpoch: conversation.epoch },
        );
      }
      conversation.lastSeq += 1;
      const seq = conversation.lastSeq;
      const row: LogEntriesTable = {
        conversation_id: item.conversationId,
        seq,
        kind: "application",
        epoch: conversation.epoch,
        sender_user_id: item.sender.userId,
        sender_device_id: item.sender.deviceId,
        client_message_id: item.clientMessageId,
        body: item.body,
        created_at: now,
      };
      stored.push({ row, bodyText: item.bodyText, silent: item.silent === true });
      lastSeqs.set(item.conversationId, seq);
      // A second send of the same id within this batch is a duplicate of this one.
      existing.set(duplicateKey, {
        seq,
        epoch: conversation.epoch,
        senderDeviceId: item.sender.deviceId,
        kind: "application",
      });
      return { seq, epoch: conversation.epoch, duplicate: false };
    }
  });
}

export interface AcknowledgedBatch {
  outcomes: ItemOutcome<void>[];
  /** Members whose furthest position moved on, each with the senders it delivered messages of. */
  deliveries: { move: DeliveryMove; senders: string[] }[];
}

/**
 * Records a batch of devices' positions. A position never goes back, and never past the log's end;
 * when it moves a member's furthest position on, that move is announced (once per member and batch)
 * to the members who sent what it passed over: their ticks are the only use of it. Announced to
 * every member, the acknowledgements of one message to a group of 100 made about 1,800 frames
 * (40 now; bench/README.md).
 */
export async function acknowledgeBatch(
  store: MessageBatchStore,
  items: AckItem[],
  now: number,
): Promise<AcknowledgedBatch> {
  return store.statements(async (tx) => {
    const pairs = uniquePairs(items.map((i) => [i.conversationId, i.who.userId]));
    const positions = await tx.memberPositions(pairs);
    const outcomes: ItemOutcome<void>[] = [];
    // One row per device and conversation: PostgreSQL refuses to upsert the same row twice in a statement.
    const rows = new Map<string, { deviceId: string; conversationId: string; userId: string; seq: number }>();
    const moved = new Map<string, DeliveryMove & { from: number }>();
    for (const item of items) {
      const memberKey = key(item.conversationId, item.who.userId);
      const member = positions.get(memberKey);
      if (member === undefined) {
        outcomes.push({
          ok: false,
          error: new ConfrereError(
            ErrorCode.CONVERSATION_NOT_FOUND,
            404,
            "ack: no such conversation among yours",
          ),
        });
        continue;
      }
      const position = Math.min(item.seq, member.lastSeq);
      const rowKey = key(item.who.deviceId, item.conversationId);
      if ((rows.get(rowKey)?.seq ?? -1) < position) {
        rows.set(rowKey, {
          deviceId: item.who.deviceId,
          conversationId: item.conversationId,
          userId: item.who.userId,
          seq: position,
        });
      }
      const reached = member.furthest;
      if (position > reached) {
        member.furthest = position;
        const from = moved.get(memberKey)?.from ?? reached;
        moved.set(memberKey, {
          conversationId: item.conversationId,
          userId: item.who.userId,
          seq: position,
          from,
        });
      }
      outcomes.push({ ok: true, value: undefined });
    }
    const moves = [...moved.values()];
    // A move always comes with a row: its position is past the member's furthest, so past this device's.
    const senders = rows.size
      ? await tx.acknowledge(
          [...rows.values()],
          now,
          moves.map((m) => ({ ...m, after: m.from, upTo: m.seq })),
        )
      : new Map<string, string[]>();
    const deliveries = moves.map(({ conversationId, userId, seq }) => ({
      move: { conversationId, userId, seq },
      senders: senders.get(key(conversationId, userId)) ?? [],
    }));
    return { outcomes, deliveries };
  });
}
