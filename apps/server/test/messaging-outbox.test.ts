import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  connectDevice,
  eventually,
  startTestServer,
  TestNetwork,
  type TestServer,
  type TestUser,
  textMessages,
} from "@confrere/dev-env";
import { type ConfrereClient, urgentEnvelope } from "@confrere/sdk";

describe("messages written offline wait on the device and go out when the connection returns", () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let a: ConfrereClient;
  let b: ConfrereClient;
  let conversationId: string;
  /** Alice's HTTP: up, down, lossy or busy (see TestNetwork). */
  const network = new TestNetwork();

  before(async () => {
    server = await startTestServer();
    alice = await server.createUser({ verified: true });
    bob = await server.createUser({ verified: true });
    a = await connectDevice(server, alice, { fetch: network.fetch });
    b = await connectDevice(server, bob);
    conversationId = await a.openDirect(bob.userId);
    await eventually(async () => {
      await b.sync();
      return (await b.api.conversation(conversationId)).conversation.devices.length === 2;
    }, "both devices in the group");
  });
  after(async () => {
    a.disconnect();
    b.disconnect();
    await server.close();
  });

  test("offline: queued in order on the device; back online: sent once each, in order", async () => {
    a.disconnect();
    network.state = "down";
    const first = await a.sendOrQueue(conversationId, { v: 1, type: "text", text: "hors ligne 1" });
    const second = await a.sendOrQueue(conversationId, { v: 1, type: "text", text: "hors ligne 2" });
    assert.equal(first.queued, true);
    assert.equal(second.queued, true);
    assert.deepEqual(
      (await a.outbox.list(conversationId)).map((m) => m.content.type === "text" && m.content.text),
      ["hors ligne 1", "hors ligne 2"],
    );
    network.state = "up";
    a.connect();
    await eventually(async () => (await a.outbox.list()).length === 0, "outbox emptied on reconnection");
    await eventually(
      async () => (await textMessages(b, conversationId)).includes("hors ligne 2"),
      "Bob reads",
    );
    const received = await textMessages(b, conversationId);
    assert.deepEqual(
      received.filter((t) => t.startsWith("hors ligne")),
      ["hors ligne 1", "hors ligne 2"],
    );
  });

  test("an urgent message written offline keeps its envelope: it alerts when it leaves", async () => {
    a.disconnect();
    network.state = "down";
    const content = { v: 1, type: "text", text: "hors ligne, urgent", urgent: true } as const;
    const queued = await a.sendOrQueue(conversationId, content, urgentEnvelope({ urgent: true }));
    assert.equal(queued.queued, true);
    assert.deepEqual((await a.outbox.list(conversationId))[0]?.envelope, { urgent: true });
    network.state = "up";
    await a.outbox.flush();
    assert.deepEqual(await a.outbox.list(), []);
    const { entries } = await b.api.log(conversationId, 0);
    const sent = entries.find((e) => e.clientMessageId === queued.message.id);
    assert.ok(sent, "stored once it left");
    const { alerts } = await b.api.urgentAlerts();
    assert.deepEqual(
      alerts.filter((alert) => alert.seq === sent.seq).map((alert) => alert.senderId),
      [alice.userId],
    );
    a.connect();
  });

  test("a message that reached the server before the answer was lost is not stored twice", async () => {
    a.disconnect();
    network.state = "lossy";
    const sent = await a.sendOrQueue(conversationId, { v: 1, type: "text", text: "réponse perdue" });
    assert.equal(sent.queued, true);
    network.state = "up";
    await a.outbox.flush();
    assert.deepEqual(await a.outbox.list(), []);
    const { entries } = await b.api.log(conversationId, 0);
    assert.equal(entries.filter((e) => e.clientMessageId === sent.message.id).length, 1);
    await eventually(
      async () => (await textMessages(b, conversationId)).includes("réponse perdue"),
      "Bob reads",
    );
    a.connect();
  });

  test("the server answering 503: kept, and sent again on its own a little later, without a reconnection", async () => {
    a.disconnect();
    network.state = "busy";
    const waiting = await a.sendOrQueue(conversationId, { v: 1, type: "text", text: "base redémarrée" });
    assert.equal(waiting.queued, true);
    assert.equal((await a.outbox.list(conversationId))[0]?.failedCode, undefined, "not marked as refused");
    network.state = "up";
    // Nobody calls flush() or connect(): the outbox's own retry sends it.
    await eventually(async () => (await a.outbox.list()).length === 0, "sent by the retry");
    await eventually(
      async () => (await textMessages(b, conversationId)).includes("base redémarrée"),
      "Bob reads",
    );
    a.connect();
  });

  test("a refusal is not retried: the message stays, marked with the reason", async () => {
    network.state = "down";
    a.disconnect();
    const queued = await a.sendOrQueue(conversationId, { v: 1, type: "text", text: "jamais" });
    assert.equal(queued.queued, true);
    // Meanwhile Alice's session ends: the server will refuse, whatever the network.
    await server.server.ctx.db
      .updateTable("sessions")
      .set({ revoked_at: Date.now() })
      .where("user_id", "=", alice.userId)
      .execute();
    network.state = "up";
    await a.outbox.flush();
    const [kept] = await a.outbox.list(conversationId);
    assert.equal(kept?.content.type === "text" && kept.content.text, "jamais");
    assert.equal(kept?.failedCode, "AUTH_REQUIRED");
  });
});
