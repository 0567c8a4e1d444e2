import type { LogEntry, PostEntryResponse } from "@confrere/protocol";
import type { Clock } from "../clock.ts";
import type { DatabaseHandle } from "../db/database.ts";
import type { Bus } from "./bus.ts";
import { GroupCommit } from "./group-commit.ts";
import {
  type AckItem,
  type AppendItem,
  acknowledgeBatch,
  appendBatch,
  type MessageBatchStore,
} from "./message-batch.ts";
import { postgresMessageBatchStore } from "./message-batch-postgres.ts";
import { sqliteMessageBatchStore } from "./message-batch-sqlite.ts";

/** Messages per transaction at most: a full batch commits in a few milliseconds on either store. */
const MAX_BATCH = 512;
/** Message bytes per transaction at most: 64 KiB messages go 64 at a time. */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;
/** Sends waiting for their commit at most; past it a sender is told to retry (503). */
const MAX_QUEUED = 20_000;

/**
 * The hot path of messaging: application messages and devices' positions, each through its own group
 * commit, pushed to the recipients once committed. Commits (handshakes) keep their own one-by-one
 * path in log.ts: they are rare and need the roster checks.
 */
export class MessageWriter {
  private readonly appends: GroupCommit<AppendItem, PostEntryResponse>;
  private readonly acks: GroupCommit<AckItem, void>;

  constructor(database: DatabaseHandle, clock: Clock, bus: Bus) {
    const store = batchStore(database);
    this.appends = new GroupCommit(
      async (items) => {
        const { outcomes, stored, recipients } = await appendBatch(store, items, clock.now());
        for (const { row, bodyText, silent } of stored) {
          const entry: LogEntry = {
            conversationId: row.conversation_id,
            seq: row.seq,
            kind: "application",
            epoch: row.epoch,
            senderUserId: row.sender_user_id,
            senderDeviceId: row.sender_device_id,
            clientMessageId: row.client_message_id,
            body: bodyText,
            createdAt: row.created_at,
          };
          const userIds = recipients.get(row.conversation_id) ?? [];
          bus.publish({ kind: "entry", userIds, entry, ...(silent ? { silent } : {}) });
        }
        return outcomes;
      },
      {
        maxBatch: MAX_BATCH,
        maxBatchWeight: MAX_BATCH_BYTES,
        weight: (item) => item.body.length,
        maxQueued: MAX_QUEUED,
        operation: "sendMessage",
      },
    );
    this.acks = new GroupCommit(
      async (items) => {
        const { outcomes, deliveries } = await acknowledgeBatch(store, items, clock.now());
        for (const { move, senders } of deliveries) {
          if (senders.length) bus.publish({ kind: "delivery", userIds: senders, ...move });
        }
        return outcomes;
      },
      { maxBatch: MAX_BATCH * 4, maxQueued: MAX_QUEUED * 4, operation: "ack" },
    );
  }

  /** Resolves once the message is committed: acknowledged means durable. */
  append(item: AppendItem): Promise<PostEntryResponse> {
    return this.appends.submit(item);
  }

  acknowledge(item: AckItem): Promise<void> {
    return this.acks.submit(item);
  }
}

function batchStore(database: DatabaseHandle): MessageBatchStore {
  return database.native.kind === "sqlite"
    ? sqliteMessageBatchStore(database.db, database.native.sqlite, database.native.walCheckpointer)
    : postgresMessageBatchStore(database.native.pool);
}
