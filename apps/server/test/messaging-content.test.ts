import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import {
  connectDevice,
  eventually,
  startTestServer,
  type TestServer,
  type TestUser,
} from "@confrere/dev-env";
import { MAX_RECEIPT_TARGETS } from "@confrere/protocol";
import type { ConfrereClient } from "@confrere/sdk";

describe("message content: files, edits, recalls, reactions, receipts, delivery", () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let a: ConfrereClient;
  let b: ConfrereClient;
  let conversationId: string;
  before(async () => {
    server = await startTestServer();
    alice = await server.createUser({ verified: true, name: "Dr Alice" });
    bob = await server.createUser({ verified: true, name: "Dr Bob" });
    a = await connectDevice(server, alice);
    b = await connectDevice(server, bob);
    conversationId = await a.openDirect(bob.userId);
    await b.sync();
  });
  after(async () => {
    a.disconnect();
    b.disconnect();
    await server.close();
  });

  test("files go both ways, encrypted; only members can fetch them", async () => {
    const pdf = Buffer.concat([Buffer.from("%PDF-1.4\n"), randomBytes(300_000)]);
    const sent = await a.sendFile(conversationId, {
      bytes: pdf,
      fileName: "compte-rendu.pdf",
      mimeType: "application/pdf",
    });
    const received = await eventually(
      async () => b.findMessage(conversationId, sent.id),
      "Bob gets the file message",
    );
    assert.equal(received.content.type, "attachment");
    const file = await b.downloadAttachment(conversationId, sent.id);
    assert.equal(file.fileName, "compte-rendu.pdf");
    assert.ok(Buffer.from(file.bytes).equals(pdf));

    const photo = randomBytes(50_000);
    const back = await b.sendFile(
      conversationId,
      { bytes: photo, fileName: "ecg.jpg", mimeType: "image/jpeg" },
      "L'ECG",
    );
    await eventually(async () => a.findMessage(conversationId, back.id), "Alice gets the photo");
    assert.ok(Buffer.from((await a.downloadAttachment(conversationId, back.id)).bytes).equals(photo));

    // Someone outside the conversation can't download it, even knowing the id.
    const eve = await server.createUser({ verified: true });
    const ref = received.content.type === "attachment" ? received.content.attachment : null;
    await assert.rejects(
      eve.api.downloadAttachment(ref!.attachmentId),
      (e: { code: string }) => e.code === "ATTACHMENT_NOT_FOUND",
    );
    // The stored blob is ciphertext.
    const stored = await a.api.downloadAttachment(ref!.attachmentId);
    assert.ok(!Buffer.from(stored).includes(pdf.subarray(0, 64)));
  });

  test("an upload over the limit or cut off leaves nothing behind", async () => {
    const small = await startTestServer({ env: { ATTACHMENT_LIMIT_BYTES: "100000" } });
    try {
      const u1 = await small.createUser({ verified: true });
      const u2 = await small.createUser({ verified: true });
      const c1 = await connectDevice(small, u1, { connect: false });
      await connectDevice(small, u2, { connect: false });
      const id = await c1.openDirect(u2.userId);
      await assert.rejects(
        c1.api.uploadAttachment(id, randomBytes(150_000)),
        (e: { code: string; status: number }) => e.code === "ATTACHMENT_TOO_LARGE" && e.status === 413,
      );
      // A chunked upload that lies about nothing but goes past the limit midway.
      const response = await fetch(`${small.url}/api/v1/conversations/${id}/attachments`, {
        method: "POST",
        headers: { authorization: `Bearer ${c1.api.token}`, "content-type": "application/octet-stream" },
        body: new ReadableStream({
          start(controller) {
            for (let i = 0; i < 20; i++) controller.enqueue(randomBytes(10_000));
            controller.close();
          },
        }),
        duplex: "half",
      } as RequestInit);
      assert.equal(response.status, 413);
      // A connection cut in the middle of an upload.
      await new Promise<void>((resolve) => {
        const request = http.request(`${small.url}/api/v1/conversations/${id}/attachments`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${c1.api.token}`,
            "content-type": "application/octet-stream",
            "content-length": "90000",
          },
        });
        request.on("error", () => resolve());
        request.write(randomBytes(40_000));
        setTimeout(() => {
          request.destroy();
          resolve();
        }, 200);
      });
      await eventually(
        async () => (await small.server.ctx.db.selectFrom("attachments").selectAll().execute()).length === 0,
        "the cut upload is cleaned",
      );
      const rows = await small.server.ctx.db.selectFrom("attachments").selectAll().execute();
      assert.equal(rows.length, 0);
      const dir = path.join(small.dataDir, "attachments");
      const files = await fs.readdir(dir).catch(() => []);
      assert.deepEqual(files, []);
    } finally {
      await small.close();
    }
  });

  test("edit, recall, reactions and read receipts reach the other side", async () => {
    const original = await a.sendText(conversationId, "RDV à 14h");
    await eventually(async () => b.findMessage(conversationId, original.id), "Bob gets it");
    await a.edit(conversationId, original.id, "RDV à 15h");
    await eventually(async () => {
      const m = await b.findMessage(conversationId, original.id);
      return m?.content.type === "text" && m.content.text === "RDV à 15h" && m.editedAt;
    }, "Bob sees the edit");
    // Only the author can edit.
    await b.edit(conversationId, original.id, "piraté");
    await a.react(conversationId, original.id, "👍");
    await eventually(
      async () => (await b.findMessage(conversationId, original.id))?.reactions[alice.userId] === "👍",
      "reaction",
    );
    await b.react(conversationId, original.id, "❤️");
    await eventually(
      async () => (await a.findMessage(conversationId, original.id))?.reactions[bob.userId] === "❤️",
      "Bob's reaction",
    );
    const m = await a.findMessage(conversationId, original.id);
    assert.equal(m?.content.type === "text" && m.content.text, "RDV à 15h");

    // Delivery: the server tells Alice once Bob's device has fetched it; read comes from Bob's receipt.
    const { conversation } = await a.api.conversation(conversationId);
    assert.equal(a.deliveryState(m!, conversation), "delivered");
    await b.markRead(conversationId, [original.id]);
    await eventually(
      async () => (await a.findMessage(conversationId, original.id))?.readBy.includes(bob.userId),
      "read receipt",
    );
    const after = (await a.api.conversation(conversationId)).conversation;
    assert.equal(a.deliveryState((await a.findMessage(conversationId, original.id))!, after), "read");

    const secret = await a.sendText(conversationId, "envoyé par erreur");
    await eventually(async () => b.findMessage(conversationId, secret.id), "Bob gets it");
    await a.recall(conversationId, secret.id);
    await eventually(
      async () => (await b.findMessage(conversationId, secret.id))?.recalled,
      "Bob's copy is recalled",
    );
    const recalled = await b.findMessage(conversationId, secret.id);
    assert.equal(recalled?.content.type === "text" && recalled.content.text, "");
  });

  test("reading more messages than one receipt holds sends several receipts, and all show as read", async () => {
    // Opening a conversation with thousands unread marks them all read (seen in the web app:
    // one receipt for 3,000 was over the bound of a message and refused).
    const count = MAX_RECEIPT_TARGETS + 20;
    const sent: string[] = [];
    for (let i = 0; i < count; i++) sent.push((await a.sendText(conversationId, `ligne ${i}`)).id);
    await eventually(
      async () => (await b.findMessage(conversationId, sent.at(-1)!)) !== null,
      "Bob has them",
    );
    await b.markRead(conversationId, sent);
    await eventually(async () => {
      const history = await a.messages(conversationId);
      const read = history.filter((m) => sent.includes(m.id) && m.readBy.includes(bob.userId));
      return read.length === count;
    }, "every message read by Bob");
  });

  test("a content type from a newer version shows as a placeholder, not a crash", async () => {
    // A future client sends a type this one doesn't know (e.g. a later télé-expertise payload).
    const future = { v: 2, type: "teleexpertise-request", question: "…" } as unknown as Parameters<
      ConfrereClient["send"]
    >[1];
    const sent = await a.send(conversationId, future);
    const got = await eventually(async () => b.findMessage(conversationId, sent.id), "Bob gets it");
    assert.deepEqual(got.content, { v: 2, type: "unknown", originalType: "teleexpertise-request" });
    await a.sendText(conversationId, "et la suite passe");
    await eventually(
      async () =>
        (await b.messages(conversationId)).some(
          (x) => x.content.type === "text" && x.content.text === "et la suite passe",
        ),
      "next message",
    );
  });
});
