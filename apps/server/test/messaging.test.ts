import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connectDevice, startTestServer, type TestServer } from "@confrere/dev-env";
import type { ConfrereClient } from "@confrere/sdk";

async function textsOf(client: ConfrereClient, conversationId: string): Promise<string[]> {
  return (await client.messages(conversationId)).map((m) =>
    m.content.type === "text" ? m.content.text : `[${m.content.type}]`,
  );
}

describe("end-to-end encrypted messaging", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  test("two doctors exchange messages in a direct conversation, both ways, in realtime", async () => {
    const alice = await server.createUser({ verified: true, name: "Dr Alice" });
    const bob = await server.createUser({ verified: true, name: "Dr Bob" });
    const a = await connectDevice(server, alice);
    const b = await connectDevice(server, bob);
    try {
      const conversationId = await a.openDirect(bob.userId);
      // The same pair gets the same conversation.
      assert.equal(await b.openDirect(alice.userId), conversationId);
      const received = b.events.next("message", (m) => m.conversationId === conversationId);
      await a.sendText(conversationId, "Bonjour Bob, un avis sur un ECG ?");
      const message = await received;
      assert.equal(message.senderUserId, alice.userId);
      assert.deepEqual(message.content, { v: 1, type: "text", text: "Bonjour Bob, un avis sur un ECG ?" });

      const reply = a.events.next("message");
      await b.sendText(conversationId, "Oui, envoyez-le.", { replyTo: message.id });
      const answer = await reply;
      assert.equal(answer.content.type === "text" && answer.content.replyTo, message.id);
      assert.deepEqual(await textsOf(a, conversationId), [
        "Bonjour Bob, un avis sur un ECG ?",
        "Oui, envoyez-le.",
      ]);
      assert.deepEqual(await textsOf(b, conversationId), [
        "Bonjour Bob, un avis sur un ECG ?",
        "Oui, envoyez-le.",
      ]);
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });

  test("connect() settles once the socket's first catch-up is done: what came meanwhile is there, fetched once", async () => {
    const alice = await server.createUser({ verified: true, name: "Dr Alice" });
    const bob = await server.createUser({ verified: true, name: "Dr Bob" });
    const catchUps: string[] = [];
    const a = await connectDevice(server, alice, {
      connect: false,
      fetch: (input, init) => {
        // Each catch-up starts by asking for the Welcomes waiting for the device.
        const url = String(input);
        if (url.endsWith("/api/v1/me/welcomes") && (init?.method ?? "GET") === "GET") catchUps.push(url);
        return fetch(input, init);
      },
    });
    const b = await connectDevice(server, bob);
    try {
      const conversationId = await b.openDirect(alice.userId);
      await b.sendText(conversationId, "Écrit avant que vous soyez en ligne");
      await a.connect();
      // No waiting: the Welcome and the message were taken in before connect() settled.
      assert.deepEqual(await textsOf(a, conversationId), ["Écrit avant que vous soyez en ligne"]);
      assert.equal(catchUps.length, 1, "one catch-up for the connection");
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });

  test("unverified accounts can't start conversations", async () => {
    const carol = await server.createUser({ verified: false });
    const dave = await server.createUser({ verified: true });
    await assert.rejects(
      carol.api.createConversation({
        id: "conversation-unverified-1",
        kind: "direct",
        memberIds: [dave.userId],
      }),
      (e: { code: string; status: number }) =>
        e.code === "PROFESSIONAL_VERIFICATION_REQUIRED" && e.status === 403,
    );
    await assert.rejects(
      carol.api.conversations(),
      (e: { code: string }) => e.code === "PROFESSIONAL_VERIFICATION_REQUIRED",
    );
  });

  test("a colleague's name by account id: verified professionals only, as the server records it", async () => {
    const erin = await server.createUser({ verified: true, name: "Dr Erin Lambert" });
    const frank = await server.createUser({ verified: true });
    const unverified = await server.createUser({ verified: false });
    assert.deepEqual(await frank.api.publicUser(erin.userId), {
      userId: erin.userId,
      displayName: "Dr Erin Lambert",
      isVerified: true,
    });
    // Not a verified professional, or no such account: the same answer.
    for (const userId of [unverified.userId, "no-such-account"]) {
      await assert.rejects(frank.api.publicUser(userId), (e: { code: string; status: number }) => {
        return e.code === "USER_NOT_FOUND" && e.status === 404;
      });
    }
    await assert.rejects(
      unverified.api.publicUser(erin.userId),
      (e: { code: string }) => e.code === "PROFESSIONAL_VERIFICATION_REQUIRED",
    );
  });
});
