import type pg from "pg";
import type { LogEntriesTable } from "../db/schema-messaging.ts";
import { type AppendChecks, key, type MessageBatchStore, type MessageBatchTx } from "./message-batch.ts";

type Client = pg.PoolClient;

/**
 * The batch statements on PostgreSQL: one round trip per method for the whole batch (arrays passed
 * as parameters and `unnest`ed; the reads of one step joined by `union all`, the writes of one step
 * in one `with`), named so the server plans each once per connection. The conversations of the
 * batch are locked `for update` in id order, as `appendCommit` locks its one conversation: sequence
 * numbers and epochs move one writer at a time, without deadlocks.
 */
export function postgresMessageBatchStore(pool: pg.Pool): MessageBatchStore {
  return {
    async statements<T>(work: (tx: MessageBatchTx) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        return await work(transactionApi(client));
      } finally {
        client.release();
      }
    },
    async transaction<T>(work: (tx: MessageBatchTx) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query("begin");
        try {
          const result = await work(transactionApi(client));
          await client.query("commit");
          return result;
        } catch (error) {
          await client.query("rollback").catch(() => {
            broken = true;
          });
          throw error;
        }
      } finally {
        client.release(broken);
      }
    },
  };
}

function split(pairs: [string, string][]): [string[], string[]] {
  return [pairs.map((p) => p[0]), pairs.map((p) => p[1])];
}

function transactionApi(client: Client): MessageBatchTx {
  const run = async <R extends pg.QueryResultRow>(name: string, text: string, values: unknown[]) =>
    (await client.query<R>({ name, text, values })).rows;
  return {
    async conversations(ids) {
      const rows = await run<{ id: string; epoch: number; last_seq: number }>(
        "batch_lock_conversations",
        "select id, epoch, last_seq from conversations where id = any($1::text[]) order by id for update",
        [ids],
      );
      return new Map(rows.map((r) => [r.id, { epoch: Number(r.epoch), lastSeq: Number(r.last_seq) }]));
    },
    async appendChecks(query) {
      // One row shape for the four reads: what it is, its two keys, and an entry's fields.
      const rows = await run<{
        what: "session" | "member" | "device" | "entry";
        a: string;
        b: string | null;
        seq: number | null;
        epoch: number | null;
        sender_device_id: string | null;
        kind: string | null;
      }>(
        "batch_append_checks",
        `select 'session' as what, s.id as a, null::text as b, null::bigint as seq, null::bigint as epoch,
                null::text as sender_device_id, null::text as kind
         from sessions s join users u on u.id = s.user_id
         where s.id = any($1::text[]) and s.revoked_at is null and s.expires_at > $2 and u.suspended_at is null
         union all
         select 'member', m.conversation_id, m.user_id, null, null, null, null
         from conversation_members m
         join unnest($3::text[], $4::text[]) as p(conversation_id, user_id)
           on m.conversation_id = p.conversation_id and m.user_id = p.user_id
         union all
         select 'device', d.conversation_id, d.device_id, null, null, null, null
         from conversation_devices d
         join unnest($5::text[], $6::text[]) as p(conversation_id, device_id)
           on d.conversation_id = p.conversation_id and d.device_id = p.device_id
         union all
         select 'entry', e.conversation_id, e.client_message_id, e.seq, e.epoch, e.sender_device_id, e.kind
         from log_entries e
         join unnest($7::text[], $8::text[]) as p(conversation_id, client_message_id)
           on e.conversation_id = p.conversation_id and e.client_message_id = p.client_message_id`,
        [
          query.sessionIds,
          query.now,
          ...split(query.members),
          ...split(query.groupDevices),
          ...split(query.existing),
        ],
      );
      const checks: AppendChecks = {
        live: new Set(),
        members: new Set(),
        groupDevices: new Set(),
        existing: new Map(),
      };
      for (const r of rows) {
        if (r.what === "session") checks.live.add(r.a);
        else if (r.what === "member") checks.members.add(key(r.a, r.b!));
        else if (r.what === "device") checks.groupDevices.add(key(r.a, r.b!));
        else {
          checks.existing.set(key(r.a, r.b!), {
            seq: Number(r.seq),
            epoch: Number(r.epoch),
            senderDeviceId: r.sender_device_id!,
            kind: r.kind!,
          });
        }
      }
      return checks;
    },
    async append(rows: LogEntriesTable[], lastSeqs) {
      // Statements in a `with` run once and to the end, whether the final select reads them or not.
      // The select sees the members as of the statement's start, as a statement of its own would.
      const conversationIds = [...lastSeqs.keys()];
      const members = await run<{ conversation_id: string; user_id: string }>(
        "batch_append",
        `with inserted as (
           insert into log_entries
             (conversation_id, seq, kind, epoch, sender_user_id, sender_device_id, client_message_id, body, created_at)
           select * from unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[],
                                $7::text[], $8::bytea[], $9::bigint[])
         ), moved as (
           update conversations set last_seq = v.seq
           from unnest($10::text[], $11::bigint[]) as v(id, seq) where conversations.id = v.id
         )
         select conversation_id, user_id from conversation_members where conversation_id = any($10::text[])`,
        [
          rows.map((r) => r.conversation_id),
          rows.map((r) => r.seq),
          rows.map((r) => r.kind),
          rows.map((r) => r.epoch),
          rows.map((r) => r.sender_user_id),
          rows.map((r) => r.sender_device_id),
          rows.map((r) => r.client_message_id),
          rows.map((r) => r.body),
          rows.map((r) => r.created_at),
          conversationIds,
          [...lastSeqs.values()],
        ],
      );
      const found = new Map<string, string[]>(conversationIds.map((id) => [id, []]));
      for (const r of members) found.get(r.conversation_id)?.push(r.user_id);
      return found;
    },
    async memberPositions(pairs) {
      const rows = await run<{
        conversation_id: string;
        user_id: string;
        last_seq: number;
        furthest: number;
      }>(
        "batch_member_positions",
        `select m.conversation_id, m.user_id, c.last_seq,
                coalesce((select max(d.seq) from device_positions d
                          where d.conversation_id = m.conversation_id and d.user_id = m.user_id), 0) as furthest
         from conversation_members m
         join unnest($1::text[], $2::text[]) as p(conversation_id, user_id)
           on m.conversation_id = p.conversation_id and m.user_id = p.user_id
         join conversations c on c.id = m.conversation_id`,
        split(pairs),
      );
      return new Map(
        rows.map((r) => [
          key(r.conversation_id, r.user_id),
          { lastSeq: Number(r.last_seq), furthest: Number(r.furthest) },
        ]),
      );
    },
    async acknowledge(rows, now, moves) {
      const senders = await run<{ conversation_id: string; user_id: string; sender_user_id: string }>(
        "batch_acknowledge",
        `with recorded as (
           insert into device_positions (device_id, conversation_id, user_id, seq, updated_at)
           select v.device_id, v.conversation_id, v.user_id, v.seq, $5
           from unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) as v(device_id, conversation_id, user_id, seq)
           on conflict (device_id, conversation_id) do update set seq = excluded.seq, updated_at = excluded.updated_at
           where device_positions.seq < excluded.seq
         )
         select distinct r.conversation_id, r.user_id, e.sender_user_id
         from unnest($6::text[], $7::text[], $8::bigint[], $9::bigint[]) as r(conversation_id, user_id, after, up_to)
         join log_entries e on e.conversation_id = r.conversation_id and e.seq > r.after and e.seq <= r.up_to
           and e.sender_user_id <> r.user_id
         join conversation_members m on m.conversation_id = e.conversation_id and m.user_id = e.sender_user_id`,
        [
          rows.map((r) => r.deviceId),
          rows.map((r) => r.conversationId),
          rows.map((r) => r.userId),
          rows.map((r) => r.seq),
          now,
          moves.map((m) => m.conversationId),
          moves.map((m) => m.userId),
          moves.map((m) => m.after),
          moves.map((m) => m.upTo),
        ],
      );
      const found = new Map<string, string[]>();
      for (const r of senders) {
        const moveKey = key(r.conversation_id, r.user_id);
        const list = found.get(moveKey);
        if (list) list.push(r.sender_user_id);
        else found.set(moveKey, [r.sender_user_id]);
      }
      return found;
    },
  };
}
