import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { eventually, startTestServer, type TestServer, type TestUser } from "@confrere/dev-env";
import { CloseCode } from "@confrere/protocol";
import { WebSocket } from "ws";
import { GroupCommit } from "../src/messaging/group-commit.ts";
import { opaqueMessage, openRawSocket } from "./support/raw-socket.ts";

const openSocket = (server: TestServer, user: TestUser) => openRawSocket(server.url, user.api.token);

describe("sending over the socket, committed in batches", () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let conversationId: string;

  before(async () => {
    server = await startTestServer();
    [alice, bob, carol] = [
      await server.createUser({ verified: true }),
      await server.createUser({ verified: true }),
      await server.createUser({ verified: true }),
    ];
    // The creator's device is the group's only MLS member at epoch 0: enough to post opaque messages.
    await alice.api.registerDeviceKey(randomBytes(32).toString("base64url"));
    conversationId = randomBytes(16).toString("base64url");
    await alice.api.createConversation({ id: conversationId, kind: "direct", memberIds: [bob.userId] });
  });
  after(async () => server.close());

  test("a send frame is answered once committed, reaches the other member, and a resent id stores nothing", async () => {
    const a = await openSocket(server, alice);
    const b = await openSocket(server, bob);
    const body = opaqueMessage(conversationId, 0);
    a.socket.send(
      JSON.stringify({ type: "send", conversationId, clientMessageId: "ws-first-0001", epoch: 0, body }),
    );
    await eventually(async () => a.frames.some((f) => f.type === "sent"), "sent frame");
    const sent = a.frames.find((f) => f.type === "sent")!;
    assert.deepEqual(sent, {
      type: "sent",
      conversationId,
      clientMessageId: "ws-first-0001",
      seq: sent.seq,
      epoch: 0,
      duplicate: false,
    });
    await eventually(async () => b.frames.some((f) => f.type === "entry"), "entry at bob");
    const entry = b.frames.find((f) => f.type === "entry")!.entry as Record<string, unknown>;
    assert.equal(entry.body, body);
    assert.equal(entry.seq, sent.seq);

    a.socket.send(
      JSON.stringify({ type: "send", conversationId, clientMessageId: "ws-first-0001", epoch: 0, body }),
    );
    await eventually(async () => a.frames.filter((f) => f.type === "sent").length === 2, "second answer");
    assert.deepEqual(a.frames.filter((f) => f.type === "sent")[1], { ...sent, duplicate: true });
    const { entries } = await alice.api.log(conversationId, 0);
    assert.equal(entries.filter((e) => e.clientMessageId === "ws-first-0001").length, 1);

    // Bob's acknowledgement tells Alice it was delivered, and not Bob himself.
    b.socket.send(JSON.stringify({ type: "ack", conversationId, seq: sent.seq }));
    await eventually(
      async () => a.frames.some((f) => f.type === "delivery" && f.userId === bob.userId),
      "delivery",
    );
    assert.equal(
      b.frames.some((f) => f.type === "delivery"),
      false,
    );
    a.socket.close();
    b.socket.close();
  });

  test("in a group, an acknowledgement is announced only to the members whose messages it delivered", async () => {
    const groupId = randomBytes(16).toString("base64url");
    await alice.api.createConversation({ id: groupId, kind: "group", memberIds: [bob.userId, carol.userId] });
    const [a, b, c] = [
      await openSocket(server, alice),
      await openSocket(server, bob),
      await openSocket(server, carol),
    ];
    // Bob's device joins the MLS group as a commit would have made it, so that he can send too.
    const bobDevice = b.frames.find((f) => f.type === "ready")!.deviceId as string;
    await server.server.ctx.db
      .insertInto("conversation_devices")
      .values({
        conversation_id: groupId,
        device_id: bobDevice,
        user_id: bob.userId,
        leaf_index: 1,
        signature_public_key: randomBytes(32).toString("base64url"),
      })
      .execute();
    const send = async (from: typeof a, clientMessageId: string) => {
      from.socket.send(
        JSON.stringify({
          type: "send",
          conversationId: groupId,
          clientMessageId,
          epoch: 0,
          body: opaqueMessage(groupId, 0),
        }),
      );
      await eventually(
        async () => from.frames.find((f) => f.type === "sent" && f.clientMessageId === clientMessageId),
        `sent ${clientMessageId}`,
      );
      return from.frames.find((f) => f.type === "sent" && f.clientMessageId === clientMessageId)!
        .seq as number;
    };
    const deliveries = (to: typeof a) =>
      to.frames
        .filter((f) => f.type === "delivery" && f.conversationId === groupId)
        .map((f) => `${f.userId}@${f.seq}`);
    const ack = (from: typeof a, seq: number) =>
      from.socket.send(JSON.stringify({ type: "ack", conversationId: groupId, seq }));

    const first = await send(a, "group-alice-1");
    ack(c, first);
    await eventually(
      async () => deliveries(a).includes(`${carol.userId}@${first}`),
      "Carol's delivery at Alice",
    );

    await send(b, "group-bob-1");
    const last = await send(a, "group-alice-2");
    ack(c, last);
    await eventually(
      async () => deliveries(b).includes(`${carol.userId}@${last}`),
      "Carol's delivery at Bob",
    );
    await eventually(async () => deliveries(a).includes(`${carol.userId}@${last}`), "again at Alice");

    // Alice's acknowledgement delivers Bob's message only; Bob's, Alice's two.
    ack(a, last);
    ack(b, last);
    await eventually(
      async () => deliveries(b).includes(`${alice.userId}@${last}`),
      "Alice's delivery at Bob",
    );
    await eventually(async () => deliveries(a).includes(`${bob.userId}@${last}`), "Bob's delivery at Alice");

    // Carol sent nothing: no acknowledgement concerns her. A ping answered after all of them shows
    // that none was on its way.
    c.socket.send(JSON.stringify({ type: "ping" }));
    await eventually(async () => c.frames.some((f) => f.type === "pong"), "pong");
    assert.deepEqual(deliveries(c), []);
    assert.deepEqual(
      deliveries(a).sort(),
      [`${bob.userId}@${last}`, `${carol.userId}@${first}`, `${carol.userId}@${last}`].sort(),
    );
    assert.deepEqual(deliveries(b).sort(), [`${alice.userId}@${last}`, `${carol.userId}@${last}`].sort());
    for (const socket of [a, b, c]) socket.socket.close();
  });

  test("many sends in one burst get consecutive sequence numbers, in order, all stored", async () => {
    const a = await openSocket(server, alice);
    const { lastSeq: before } = await alice.api.log(conversationId, 0);
    const ids = Array.from({ length: 300 }, (_, i) => `burst-${String(i).padStart(4, "0")}`);
    for (const id of ids) {
      a.socket.send(
        JSON.stringify({
          type: "send",
          conversationId,
          clientMessageId: id,
          epoch: 0,
          body: opaqueMessage(conversationId, 0),
        }),
      );
    }
    await eventually(
      async () => a.frames.filter((f) => f.type === "sent").length === ids.length,
      "300 answers",
    );
    const seqs = a.frames.filter((f) => f.type === "sent").map((f) => f.seq as number);
    assert.deepEqual(
      seqs,
      ids.map((_, i) => before + 1 + i),
    );
    const stored = [];
    for (let after = before; ; ) {
      const page = await alice.api.log(conversationId, after, 200);
      if (page.entries.length === 0) break;
      stored.push(...page.entries);
      after = page.entries.at(-1)!.seq;
    }
    assert.deepEqual(
      stored.map((e) => e.clientMessageId),
      ids,
    );
    a.socket.close();
  });

  test("a refused send names its message; the socket and the other sends go on", async () => {
    const a = await openSocket(server, alice);
    const c = await openSocket(server, carol);
    const send = (
      socket: WebSocket,
      clientMessageId: string,
      epoch: number,
      body = opaqueMessage(conversationId, epoch),
    ) => socket.send(JSON.stringify({ type: "send", conversationId, clientMessageId, epoch, body }));
    send(a.socket, "wrong-epoch-01", 3);
    send(a.socket, "not-mls-0001", 0, Buffer.from("hello").toString("base64url"));
    send(c.socket, "outsider-0001", 0);
    send(a.socket, "after-errors-1", 0);
    await eventually(
      async () => a.frames.some((f) => f.type === "sent" && f.clientMessageId === "after-errors-1"),
      "good send",
    );
    await eventually(async () => c.frames.some((f) => f.type === "error"), "carol refused");
    const errors = a.frames.filter((f) => f.type === "error");
    const wrongEpoch = errors.find((f) => f.clientMessageId === "wrong-epoch-01");
    assert.equal(wrongEpoch?.code, "EPOCH_MISMATCH");
    assert.equal(wrongEpoch?.currentEpoch, 0);
    assert.equal(errors.find((f) => f.clientMessageId === "not-mls-0001")?.code, "MESSAGE_INVALID");
    const outsider = c.frames.find((f) => f.type === "error")!;
    assert.equal(outsider.code, "CONVERSATION_NOT_FOUND");
    assert.equal(outsider.clientMessageId, "outsider-0001");
    const { entries } = await alice.api.log(conversationId, 0, 500);
    assert.equal(
      entries.some((e) => ["wrong-epoch-01", "not-mls-0001", "outsider-0001"].includes(e.clientMessageId)),
      false,
    );
    assert.equal(a.socket.readyState, WebSocket.OPEN);
    a.socket.close();
    c.socket.close();
  });

  test("a message encrypted for an old epoch is refused with the group's current epoch", async () => {
    // Epoch 0 → 1 through a real commit would need MLS; move the row's epoch as a commit would.
    await server.server.ctx.db
      .updateTable("conversations")
      .set({ epoch: 1 })
      .where("id", "=", conversationId)
      .execute();
    const a = await openSocket(server, alice);
    a.socket.send(
      JSON.stringify({
        type: "send",
        conversationId,
        clientMessageId: "stale-epoch-1",
        epoch: 0,
        body: opaqueMessage(conversationId, 0),
      }),
    );
    await eventually(async () => a.frames.some((f) => f.type === "error"), "refusal");
    const refusal = a.frames.find((f) => f.type === "error")!;
    assert.equal(refusal.code, "EPOCH_MISMATCH");
    assert.equal(refusal.currentEpoch, 1);
    await server.server.ctx.db
      .updateTable("conversations")
      .set({ epoch: 0 })
      .where("id", "=", conversationId)
      .execute();
    a.socket.close();
  });

  test("a closed session can't send on a socket opened before", async () => {
    const dave = await server.createUser({ verified: true });
    await dave.api.registerDeviceKey(randomBytes(32).toString("base64url"));
    const own = randomBytes(16).toString("base64url");
    await dave.api.createConversation({ id: own, kind: "direct", memberIds: [bob.userId] });
    const d = await openSocket(server, dave);
    await server.server.ctx.db
      .updateTable("sessions")
      .set({ revoked_at: Date.now() })
      .where("user_id", "=", dave.userId)
      .execute();
    d.socket.send(
      JSON.stringify({
        type: "send",
        conversationId: own,
        clientMessageId: "revoked-0001",
        epoch: 0,
        body: opaqueMessage(own, 0),
      }),
    );
    await eventually(async () => d.frames.some((f) => f.type === "error"), "refusal");
    assert.equal(d.frames.find((f) => f.type === "error")?.code, "AUTH_REQUIRED");
    assert.equal((await bob.api.log(own, 0)).entries.length, 0);
    d.socket.close();
  });

  test("a device that does not read is cut off with the slow-consumer code, and the others keep getting messages", async () => {
    const a = await openSocket(server, alice);
    const b = await openSocket(server, bob);
    // Bob's device stops reading: the server's buffer for it grows past its bound.
    const raw = (b.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    raw.pause();
    const big = () => opaqueMessage(conversationId, 0, 60_000);
    for (let i = 0; i < 300; i++) {
      a.socket.send(
        JSON.stringify({
          type: "send",
          conversationId,
          clientMessageId: `flood-${String(i).padStart(5, "0")}`,
          epoch: 0,
          body: big(),
        }),
      );
    }
    await eventually(
      async () =>
        a.frames.filter((f) => f.type === "sent" && String(f.clientMessageId).startsWith("flood-")).length ===
        300,
      "all stored",
      60_000,
    );
    // Bob's device reads again: it gets what was buffered, then the close frame with the reason.
    raw.resume();
    const bobClose = await Promise.race([
      b.closed,
      new Promise<number>((r) => setTimeout(() => r(-1), 30_000)),
    ]);
    assert.equal(bobClose, CloseCode.SLOW_CONSUMER);
    assert.equal(a.socket.readyState, WebSocket.OPEN);
    // Nothing is lost: Bob resumes from the log.
    const { lastSeq } = await bob.api.log(conversationId, 0);
    const sentSeqs = a.frames.filter((f) => f.type === "sent").map((f) => f.seq as number);
    assert.ok(lastSeq >= Math.max(...sentSeqs));
    a.socket.close();
  });
});

describe("group commit", () => {
  test("items of one turn go in one write, answers go to their own submitter, and a full queue refuses", async () => {
    const writes: number[][] = [];
    const commit = new GroupCommit<number, number>(
      async (items) => {
        writes.push(items);
        return items.map((n) =>
          n % 7 === 0 ? { ok: false, error: new Error(`refused ${n}`) } : { ok: true, value: n * 2 },
        );
      },
      { maxBatch: 50, maxQueued: 120, operation: "test" },
    );
    const submitted = Array.from({ length: 120 }, (_, n) => commit.submit(n + 1));
    await assert.rejects(
      commit.submit(999),
      (e: { code?: string; status?: number }) => e.code === "SERVICE_UNAVAILABLE" && e.status === 503,
    );
    const settled = await Promise.allSettled(submitted);
    settled.forEach((outcome, i) => {
      const n = i + 1;
      if (n % 7 === 0) assert.equal(outcome.status, "rejected");
      else assert.deepEqual(outcome, { status: "fulfilled", value: n * 2 });
    });
    assert.deepEqual(
      writes.map((w) => w.length),
      [50, 50, 20],
    );
    assert.deepEqual(
      writes.flat(),
      Array.from({ length: 120 }, (_, n) => n + 1),
    );
  });

  test("a write that fails refuses its batch only", async () => {
    let calls = 0;
    const commit = new GroupCommit<number, number>(
      async (items) => {
        calls++;
        if (calls === 1) throw new Error("disk full");
        return items.map((n) => ({ ok: true as const, value: n }));
      },
      { maxBatch: 10, maxQueued: 100, operation: "test" },
    );
    const first = commit.submit(1);
    await assert.rejects(first, /disk full/);
    assert.equal(await commit.submit(2), 2);
  });
});
