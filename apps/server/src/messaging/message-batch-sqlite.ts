import type SqliteDatabase from "better-sqlite3";
import type { Db } from "../db/database.ts";
import type { LogEntriesTable } from "../db/schema-messaging.ts";
import type { WalCheckpointer } from "../db/wal-checkpointer.ts";
import { key, type MessageBatchStore, type MessageBatchTx, type StoredEntryRef } from "./message-batch.ts";

/**
 * The batch statements on SQLite: prepared once, one index lookup per key (microseconds each in
 * process), the whole batch in one `BEGIN IMMEDIATE` transaction. It runs while holding Kysely's
 * connection (`db.connection()`), so no Kysely transaction can interleave with it on the shared
 * better-sqlite3 handle.
 */
export function sqliteMessageBatchStore(
  db: Db,
  sqlite: SqliteDatabase.Database,
  walCheckpointer: WalCheckpointer,
): MessageBatchStore {
  // Prepared on first use: the tables exist only once the migrations ran.
  let prepared: { statements: ReturnType<typeof prepare>; tx: MessageBatchTx } | null = null;
  const store: MessageBatchStore = {
    async transaction<T>(work: (tx: MessageBatchTx) => Promise<T>): Promise<T> {
      await walCheckpointer.settle();
      return db.connection().execute(async () => {
        if (!prepared) {
          const statements = prepare(sqlite);
          prepared = { statements, tx: transactionApi(statements) };
        }
        const { statements, tx } = prepared;
        statements.begin.run();
        try {
          const result = await work(tx);
          statements.commit.run();
          return result;
        } catch (error) {
          if (sqlite.inTransaction) statements.rollback.run();
          throw error;
        }
      });
    },
    // No round trips to save here, and the transaction keeps Kysely's off the shared handle meanwhile.
    statements: (work) => store.transaction(work),
  };
  return store;
}

function prepare(sqlite: SqliteDatabase.Database) {
  return {
    begin: sqlite.prepare("begin immediate"),
    commit: sqlite.prepare("commit"),
    rollback: sqlite.prepare("rollback"),
    liveSession: sqlite
      .prepare(
        `select 1 from sessions s join users u on u.id = s.user_id
         where s.id = ? and s.revoked_at is null and s.expires_at > ? and u.suspended_at is null`,
      )
      .pluck(),
    conversation: sqlite.prepare<[string], { epoch: number; last_seq: number }>(
      "select epoch, last_seq from conversations where id = ?",
    ),
    member: sqlite
      .prepare("select 1 from conversation_members where conversation_id = ? and user_id = ?")
      .pluck(),
    groupDevice: sqlite
      .prepare("select 1 from conversation_devices where conversation_id = ? and device_id = ?")
      .pluck(),
    existing: sqlite.prepare<
      [string, string],
      { seq: number; epoch: number; sender_device_id: string; kind: string }
    >(
      `select seq, epoch, sender_device_id, kind from log_entries
       where conversation_id = ? and client_message_id = ?`,
    ),
    insert: sqlite.prepare(
      `insert into log_entries
         (conversation_id, seq, kind, epoch, sender_user_id, sender_device_id, client_message_id, body, created_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    setLastSeq: sqlite.prepare("update conversations set last_seq = ? where id = ?"),
    memberIds: sqlite.prepare("select user_id from conversation_members where conversation_id = ?").pluck(),
    memberPosition: sqlite.prepare<[string, string], { last_seq: number; furthest: number }>(
      `select c.last_seq,
              coalesce((select max(p.seq) from device_positions p
                        where p.conversation_id = m.conversation_id and p.user_id = m.user_id), 0) as furthest
       from conversation_members m join conversations c on c.id = m.conversation_id
       where m.conversation_id = ? and m.user_id = ?`,
    ),
    sendersBetween: sqlite
      .prepare(
        `select distinct e.sender_user_id from log_entries e
         join conversation_members m on m.conversation_id = e.conversation_id and m.user_id = e.sender_user_id
         where e.conversation_id = ? and e.seq > ? and e.seq <= ?`,
      )
      .pluck(),
    upsertPosition: sqlite.prepare(
      `insert into device_positions (device_id, conversation_id, user_id, seq, updated_at) values (?, ?, ?, ?, ?)
       on conflict (device_id, conversation_id) do update set seq = excluded.seq, updated_at = excluded.updated_at
       where device_positions.seq < excluded.seq`,
    ),
  };
}

function transactionApi(s: ReturnType<typeof prepare>): MessageBatchTx {
  const present = (statement: SqliteDatabase.Statement, pairs: [string, string][]) =>
    new Set(pairs.filter(([a, b]) => statement.get(a, b) !== undefined).map(([a, b]) => key(a, b)));
  return {
    async conversations(ids) {
      const found = new Map<string, { epoch: number; lastSeq: number }>();
      for (const id of ids) {
        const row = s.conversation.get(id);
        if (row) found.set(id, { epoch: Number(row.epoch), lastSeq: Number(row.last_seq) });
      }
      return found;
    },
    async appendChecks(query) {
      const existing = new Map<string, StoredEntryRef>();
      for (const [conversationId, clientMessageId] of query.existing) {
        const row = s.existing.get(conversationId, clientMessageId);
        if (row) {
          existing.set(key(conversationId, clientMessageId), {
            seq: Number(row.seq),
            epoch: Number(row.epoch),
            senderDeviceId: row.sender_device_id,
            kind: row.kind,
          });
        }
      }
      return {
        live: new Set(query.sessionIds.filter((id) => s.liveSession.get(id, query.now) !== undefined)),
        members: present(s.member, query.members),
        groupDevices: present(s.groupDevice, query.groupDevices),
        existing,
      };
    },
    async append(rows: LogEntriesTable[], lastSeqs) {
      for (const r of rows) {
        s.insert.run(
          r.conversation_id,
          r.seq,
          r.kind,
          r.epoch,
          r.sender_user_id,
          r.sender_device_id,
          r.client_message_id,
          r.body,
          r.created_at,
        );
      }
      for (const [id, seq] of lastSeqs) s.setLastSeq.run(seq, id);
      return new Map([...lastSeqs.keys()].map((id) => [id, s.memberIds.all(id) as string[]]));
    },
    async memberPositions(pairs) {
      const found = new Map<string, { lastSeq: number; furthest: number }>();
      for (const [conversationId, userId] of pairs) {
        const row = s.memberPosition.get(conversationId, userId);
        if (row)
          found.set(key(conversationId, userId), {
            lastSeq: Number(row.last_seq),
            furthest: Number(row.furthest),
          });
      }
      return found;
    },
    async acknowledge(rows, now, moves) {
      for (const r of rows) s.upsertPosition.run(r.deviceId, r.conversationId, r.userId, r.seq, now);
      // The members of a group acknowledging the same messages mostly move over the same range of
      // entries: each range is read once per batch, not once per member.
      const byRange = new Map<string, string[]>();
      const found = new Map<string, string[]>();
      for (const m of moves) {
        const range = key(key(m.conversationId, String(m.after)), String(m.upTo));
        let senders = byRange.get(range);
        if (!senders) {
          senders = s.sendersBetween.all(m.conversationId, m.after, m.upTo) as string[];
          byRange.set(range, senders);
        }
        found.set(
          key(m.conversationId, m.userId),
          senders.filter((id) => id !== m.userId),
        );
      }
      return found;
    },
  };
}
