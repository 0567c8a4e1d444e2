import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  connectDevice,
  eventually,
  startTestServer,
  type TestServer,
  type TestUser,
} from "@confrere/dev-env";
import type { ConfrereError } from "@confrere/protocol";
import type { ConfrereClient } from "@confrere/sdk";
import { WebSocket } from "ws";

const isCode = (code: string) => (e: ConfrereError) => e.code === code;

describe("malformed, truncated, oversized and replayed messages and frames", () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let a: ConfrereClient;
  let b: ConfrereClient;
  let conversationId: string;
  before(async () => {
    server = await startTestServer();
    alice = await server.createUser({ verified: true });
    bob = await server.createUser({ verified: true });
    a = await connectDevice(server, alice);
    b = await connectDevice(server, bob);
    conversationId = await a.openDirect(bob.userId);
    await b.sync();
    await a.sendText(conversationId, "premier");
    await eventually(async () => (await b.messages(conversationId)).length === 1, "first message");
  });
  after(async () => {
    a.disconnect();
    b.disconnect();
    await server.close();
  });

  const lastSeq = async () => (await a.api.conversation(conversationId)).conversation.lastSeq;
  const epoch = async () => (await a.api.conversation(conversationId)).conversation.epoch;

  test("bodies that are not MLS application messages of this group and epoch are refused and stored nowhere", async () => {
    const before = await lastSeq();
    const e = await epoch();
    const real = (await a.api.log(conversationId, 0)).entries.find((x) => x.kind === "application")!;
    const bodies = [
      Buffer.from("not mls at all").toString("base64url"),
      real.body.slice(0, Math.floor(real.body.length / 2)),
      "",
      (await a.api.log(conversationId, 0)).entries.find((x) => x.kind === "commit")!.body,
    ];
    for (const body of bodies) {
      await assert.rejects(
        a.api.postMessage(conversationId, { clientMessageId: `bad-${body.length}-xxxx`, epoch: e, body }),
        isCode("MESSAGE_INVALID"),
      );
    }
    // Declared epoch differs from the ciphertext's.
    await assert.rejects(
      a.api.postMessage(conversationId, { clientMessageId: "bad-epoch-xxxx", epoch: e + 1, body: real.body }),
      isCode("MESSAGE_INVALID"),
    );
    // Too large for an application message.
    await assert.rejects(
      a.api.postMessage(conversationId, {
        clientMessageId: "too-big-xxxx",
        epoch: e,
        body: "A".repeat(100_000),
      }),
      isCode("VALIDATION_FAILED"),
    );
    await assert.rejects(
      a.api.postCommit(conversationId, {
        clientMessageId: "bad-commit-x",
        epoch: e,
        commit: Buffer.from("garbage").toString("base64url"),
      }),
      isCode("COMMIT_INVALID"),
    );
    assert.equal(await lastSeq(), before);
  });

  test("an old commit sent again is refused with the current epoch; the group goes on", async () => {
    const commit = (await a.api.log(conversationId, 0)).entries.find((x) => x.kind === "commit")!;
    await assert.rejects(
      a.api.postCommit(conversationId, {
        clientMessageId: "replayed-commit",
        epoch: commit.epoch,
        commit: commit.body,
        welcome: commit.body,
      }),
      (e: ConfrereError) => e.code === "EPOCH_MISMATCH" && typeof e.details?.currentEpoch === "number",
    );
  });

  test("a resent message id answers the same acknowledgement and stores nothing new", async () => {
    const sent = await a.sendText(conversationId, "une seule fois");
    const entry = (await a.api.log(conversationId, sent.seq - 1)).entries[0]!;
    const again = await a.api.postMessage(conversationId, {
      clientMessageId: sent.id,
      epoch: entry.epoch,
      body: entry.body,
    });
    assert.deepEqual(again, { seq: sent.seq, epoch: entry.epoch, duplicate: true });
    assert.equal(await lastSeq(), sent.seq);
  });

  test("a replayed ciphertext under a new id is refused by the receivers, who carry on", async () => {
    const sent = await a.sendText(conversationId, "message original");
    await eventually(async () => b.findMessage(conversationId, sent.id), "Bob reads it");
    const entry = (await a.api.log(conversationId, sent.seq - 1)).entries[0]!;
    const warned = b.events.next("warning", (w) => w.kind === "undecryptable");
    // The server can't tell a replay from a new message (it holds no key); the MLS layer can.
    await a.api.postMessage(conversationId, {
      clientMessageId: "replay-new-id-1",
      epoch: entry.epoch,
      body: entry.body,
    });
    await warned;
    assert.equal(
      (await b.messages(conversationId)).filter(
        (m) => m.content.type === "text" && m.content.text === "message original",
      ).length,
      1,
    );
    await a.sendText(conversationId, "après le rejeu");
    await eventually(
      async () =>
        (await b.messages(conversationId)).some(
          (m) => m.content.type === "text" && m.content.text === "après le rejeu",
        ),
      "next message still arrives",
    );
  });

  test("WebSocket: no hello, a bad token or a malformed frame close that socket with a clear code; others keep working", async () => {
    const url = `${server.url.replace("http", "ws")}/api/v1/realtime`;
    const closeOf = (socket: WebSocket) =>
      new Promise<{ code: number; reason: string }>((resolve) =>
        socket.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
      );

    const badToken = new WebSocket(url);
    await new Promise((r) => badToken.on("open", r));
    badToken.send(JSON.stringify({ type: "hello", token: "x".repeat(43) }));
    assert.equal((await closeOf(badToken)).code, 4001);

    const garbage = new WebSocket(url);
    await new Promise((r) => garbage.on("open", r));
    garbage.send("{not json");
    const closed = await closeOf(garbage);
    assert.equal(closed.code, 4002);
    assert.match(closed.reason, /JSON/);

    const unknown = new WebSocket(url);
    await new Promise((r) => unknown.on("open", r));
    unknown.send(JSON.stringify({ type: "hello", token: a.api.token }));
    await new Promise((r) => unknown.once("message", r));
    unknown.send(JSON.stringify({ type: "launch-missiles" }));
    assert.equal((await closeOf(unknown)).code, 4002);

    const huge = new WebSocket(url);
    await new Promise((r) => huge.on("open", r));
    huge.send("x".repeat(200_000));
    assert.equal((await closeOf(huge)).code, 1009);

    // The real clients were untouched.
    await a.sendText(conversationId, "toujours là");
    await eventually(
      async () =>
        (await b.messages(conversationId)).some(
          (m) => m.content.type === "text" && m.content.text === "toujours là",
        ),
      "delivery continues",
    );
  });
});
