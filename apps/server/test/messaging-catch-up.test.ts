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
import type { ConfrereClient } from "@confrere/sdk";

describe("a catch-up that fails while the socket stays up is tried again by itself", () => {
  let server: TestServer;
  let alice: TestUser;
  let a: ConfrereClient;
  /** Alice's HTTP; her WebSocket stays up whatever it does. */
  const network = new TestNetwork();

  before(async () => {
    server = await startTestServer();
    alice = await server.createUser({ verified: true });
    a = await connectDevice(server, alice, { fetch: network.fetch });
    await a.sync();
  });
  after(async () => {
    a.disconnect();
    await server.close();
  });

  for (const state of ["busy", "down"] as const) {
    test(`HTTP ${state} when a colleague opens a conversation: it appears once HTTP is back, with no new message or reconnection`, async () => {
      const colleague = await server.createUser({ verified: true });
      const c = await connectDevice(server, colleague);
      try {
        network.failed.length = 0;
        network.state = state;
        const conversationId = await c.openDirect(alice.userId);
        await c.sendText(conversationId, `Écrit pendant la panne (${state})`);
        await c.sendText(conversationId, "Vous me rappelez ?");
        // The Welcome's frame came over the socket, and the catch-up it started failed.
        await eventually(async () => network.failed.includes("/api/v1/me/welcomes"), "a failed catch-up");
        network.state = "up";
        await eventually(
          async () => (await textMessages(a, conversationId)).length === 2,
          "the conversation caught up on a retry",
        );
        assert.deepEqual(await textMessages(a, conversationId), [
          `Écrit pendant la panne (${state})`,
          "Vous me rappelez ?",
        ]);
        // Caught up means acknowledged too: the colleague sees both delivered.
        await eventually(async () => {
          const { conversation } = await c.api.conversation(conversationId);
          const sent = await c.messages(conversationId);
          return sent.length === 2 && sent.every((m) => c.deliveryState(m, conversation) !== "sent");
        }, "delivered");
      } finally {
        network.state = "up";
        c.disconnect();
      }
    });
  }
});

describe("a device that goes away during a catch-up acknowledges nothing it fetched after", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  test("the page that comes back once the socket is gone is left unread, on the device and on the server", async () => {
    const alice = await server.createUser({ verified: true });
    const bob = await server.createUser({ verified: true });
    const a = await connectDevice(server, alice);
    let goAwayAfterLog = false;
    const acks: string[] = [];
    const b: ConfrereClient = await connectDevice(server, bob, {
      connect: false,
      fetch: async (input, init) => {
        const path = new URL(String(input)).pathname;
        if (path.endsWith("/ack")) acks.push(path);
        const response = await fetch(input, init);
        if (goAwayAfterLog && path.endsWith("/log")) {
          goAwayAfterLog = false;
          b.disconnect();
        }
        return response;
      },
    });
    try {
      const conversationId = await a.openDirect(bob.userId);
      await a.sendText(conversationId, "Patient Durand, résultats en attente");
      const delivery = async () => {
        const { conversation } = await a.api.conversation(conversationId);
        return a.deliveryState((await a.messages(conversationId))[0]!, conversation);
      };

      // Bob's device comes online and goes away while its catch-up fetches the log.
      goAwayAfterLog = true;
      await b.connect();
      assert.equal(goAwayAfterLog, false, "the catch-up fetched the log");
      assert.deepEqual(acks, []);
      assert.deepEqual(await textMessages(b, conversationId), []);
      assert.equal(await delivery(), "sent");

      // Nothing is lost: back online, the device fetches the message and acknowledges it.
      await b.connect();
      assert.deepEqual(await textMessages(b, conversationId), ["Patient Durand, résultats en attente"]);
      await eventually(async () => (await delivery()) !== "sent", "delivered once back");
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });
});
