// What a batch costs on PostgreSQL, in round trips: at low rates, the round trips are the p50 of a
// send (bench/README.md). The statements are counted on the pool's connections as the server runs
// them, for a message sent and acknowledged over real sockets.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { eventually, startTestServer, type TestServer, type TestUser } from "@confrere/dev-env";
import type pg from "pg";
import { opaqueMessage, openRawSocket } from "./support/raw-socket.ts";

const isPostgres = process.env.CONFRERE_TEST_STORE === "postgres";

/** Each checkout of the pool that ran a batch statement: the statements it ran, in order. */
function watchBatches(pool: pg.Pool): { checkouts: string[][] } {
  const checkouts: string[][] = [];
  const watched = new WeakSet<pg.PoolClient>();
  const current = new Map<pg.PoolClient, string[]>();
  const connect = pool.connect.bind(pool) as (...args: unknown[]) => Promise<pg.PoolClient>;
  // pg's own pool.query checks out with a callback: that one is passed through as it is.
  (pool as { connect: (...args: unknown[]) => unknown }).connect = async (...args: unknown[]) => {
    if (args.length) return connect(...args);
    const client = await connect();
    const statements: string[] = [];
    current.set(client, statements);
    if (!watched.has(client)) {
      watched.add(client);
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        const [first] = args;
        const name = typeof first === "string" ? first : ((first as { name?: string }).name ?? "unnamed");
        current.get(client)?.push(name);
        return query(...args);
      };
    }
    // The pool gives each checkout a release of its own.
    const release = client.release.bind(client);
    client.release = (error?: Error | boolean) => {
      if (statements.some((s) => s.startsWith("batch_"))) checkouts.push(statements);
      current.delete(client);
      return release(error);
    };
    return client;
  };
  return { checkouts };
}

describe("a batch's round trips to PostgreSQL", {
  skip: isPostgres ? false : "round trips are PostgreSQL's (SQLite runs in process)",
}, () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;

  before(async () => {
    server = await startTestServer();
    alice = await server.createUser({ verified: true });
    bob = await server.createUser({ verified: true });
  });
  after(async () => server.close());

  test("a batch of messages takes five (begin, lock, checks, append, commit), a batch of acknowledgements two", async () => {
    const native = server.server.ctx.database.native;
    if (native.kind !== "postgres") throw new Error("this suite runs on PostgreSQL");
    await alice.api.registerDeviceKey(randomBytes(32).toString("base64url"));
    const conversationId = randomBytes(16).toString("base64url");
    await alice.api.createConversation({ id: conversationId, kind: "direct", memberIds: [bob.userId] });
    const a = await openRawSocket(server.url, alice.api.token);
    const b = await openRawSocket(server.url, bob.api.token);
    const { checkouts } = watchBatches(native.pool);

    const body = opaqueMessage(conversationId, 0);
    a.socket.send(
      JSON.stringify({ type: "send", conversationId, clientMessageId: "round-trip-0001", epoch: 0, body }),
    );
    await eventually(async () => b.frames.find((f) => f.type === "entry"), "the entry at Bob's");
    const seq = (a.frames.find((f) => f.type === "sent") as { seq: number }).seq;
    b.socket.send(JSON.stringify({ type: "ack", conversationId, seq }));
    await eventually(async () => a.frames.some((f) => f.type === "delivery"), "the delivery at Alice's");

    assert.deepEqual(checkouts, [
      ["begin", "batch_lock_conversations", "batch_append_checks", "batch_append", "commit"],
      ["batch_member_positions", "batch_acknowledge"],
    ]);
    a.socket.close();
    b.socket.close();
  });
});
