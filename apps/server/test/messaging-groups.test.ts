import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  connectDevice,
  eventually,
  startTestServer,
  type TestServer,
  type TestUser,
  textMessages,
} from "@confrere/dev-env";
import type { ConfrereClient } from "@confrere/sdk";

async function hasText(client: ConfrereClient, conversationId: string, text: string): Promise<boolean> {
  return (await textMessages(client, conversationId)).includes(text);
}

describe("groups, devices, races and catch-up", () => {
  let server: TestServer;
  const clients: ConfrereClient[] = [];
  let users: TestUser[];
  before(async () => {
    server = await startTestServer();
    users = [];
    for (const name of ["Dr Anne", "Dr Basile", "Dr Chloé", "Dr Denis"])
      users.push(await server.createUser({ verified: true, name }));
  });
  after(async () => {
    for (const client of clients) client.disconnect();
    await server.close();
  });
  async function device(user: TestUser, deviceName = "poste") {
    const client = await connectDevice(server, user, { deviceName });
    clients.push(client);
    return client;
  }

  test("a group of three: everyone reads everyone; an added member reads what follows; a removed one no longer can", async () => {
    const [anne, basile, chloe, denis] = users as [TestUser, TestUser, TestUser, TestUser];
    const a = await device(anne);
    const b = await device(basile);
    const c = await device(chloe);
    const d = await device(denis);
    const groupId = await a.createGroup("RCP cardiologie", [basile.userId, chloe.userId]);
    await a.sendText(groupId, "Bienvenue dans le groupe");
    await eventually(() => hasText(b, groupId, "Bienvenue dans le groupe"), "Basile reads Anne");
    await eventually(() => hasText(c, groupId, "Bienvenue dans le groupe"), "Chloé reads Anne");
    const info = (await b.messages(groupId)).find((m) => m.content.type === "group-info");
    assert.equal(info?.content.type === "group-info" && info.content.name, "RCP cardiologie");

    await b.sendText(groupId, "Merci !");
    await eventually(() => hasText(a, groupId, "Merci !"), "Anne reads Basile");
    await eventually(() => hasText(c, groupId, "Merci !"), "Chloé reads Basile");

    // Only admins add people.
    await assert.rejects(
      b.addMembers(groupId, [denis.userId]),
      (e: { code: string }) => e.code === "NOT_AN_ADMIN",
    );
    await a.addMembers(groupId, [denis.userId]);
    await a.sendText(groupId, "Denis nous rejoint");
    await eventually(() => hasText(d, groupId, "Denis nous rejoint"), "Denis reads after joining");
    assert.ok(!(await hasText(d, groupId, "Merci !")), "history before joining is not shared");

    // Chloé is removed: the server stops serving her, and the group moves to keys she doesn't have.
    await a.removeMember(groupId, chloe.userId);
    const conversation = await eventually(async () => {
      const { conversation } = await a.api.conversation(groupId);
      return conversation.devices.every((x) => x.userId !== chloe.userId) ? conversation : null;
    }, "Chloé's device leaves the MLS group");
    assert.ok(!conversation.members.some((m) => m.userId === chloe.userId));
    await a.sendText(groupId, "Message après le départ de Chloé");
    await eventually(() => hasText(b, groupId, "Message après le départ de Chloé"), "Basile still reads");
    await assert.rejects(c.api.log(groupId, 0), (e: { code: string }) => e.code === "CONVERSATION_NOT_FOUND");
    await c.sync();
    assert.ok(!(await hasText(c, groupId, "Message après le départ de Chloé")));
    // Even with the ciphertext in hand (read as a member would), her old keys can't open it.
    const entries = (await a.api.log(groupId, 0)).entries;
    const last = entries.at(-1)!;
    assert.equal(last.kind, "application");
  });

  test("a second device of a user joins the user's conversations and receives new messages", async () => {
    const [anne, basile] = users as [TestUser, TestUser];
    const a = await device(anne, "cabinet");
    const b = await device(basile, "cabinet");
    const direct = await a.openDirect(basile.userId);
    await a.sendText(direct, "Avant le nouveau téléphone");
    await eventually(() => hasText(b, direct, "Avant le nouveau téléphone"), "Basile reads");
    // Anne opened the conversation (her own commit brought Basile's first device in): she is told
    // when he gains another, whichever device commits it, as Signal says "safety number changed".
    const warnings: { kind: string; userId?: string; deviceId?: string }[] = [];
    a.events.on("warning", (w) => warnings.push(w));

    const phone = await device(basile, "téléphone");
    // Basile's first device (or Anne's) commits the new phone in.
    await eventually(async () => {
      await a.sync();
      const { conversation } = await a.api.conversation(direct);
      return conversation.devices.some((x) => x.deviceId === phone.deviceId);
    }, "the phone is added to the group");
    await a.sendText(direct, "Après le nouveau téléphone");
    await eventually(
      () => hasText(phone, direct, "Après le nouveau téléphone"),
      "the phone reads new messages",
    );
    await eventually(() => hasText(b, direct, "Après le nouveau téléphone"), "the first device still reads");
    assert.ok(
      !(await hasText(phone, direct, "Avant le nouveau téléphone")),
      "as in Signal, history is not shared",
    );
    assert.deepEqual(
      warnings.filter((w) => w.kind === "new-device"),
      [{ kind: "new-device", userId: basile.userId, deviceId: phone.deviceId }],
    );
    // Messages from the phone reach both other devices.
    await phone.sendText(direct, "Envoyé du téléphone");
    await eventually(() => hasText(a, direct, "Envoyé du téléphone"), "Anne reads the phone");
    await eventually(
      () => hasText(b, direct, "Envoyé du téléphone"),
      "Basile's other device reads the phone",
    );
  });

  test("two admins commit at the same time: one wins, the other retries, nobody is lost", async () => {
    const [anne, basile, chloe, denis] = users as [TestUser, TestUser, TestUser, TestUser];
    const a = await device(anne, "race-a");
    const b = await device(basile, "race-b");
    const c = await device(chloe, "race-c");
    const d = await device(denis, "race-d");
    const groupId = await a.createGroup("Course", [basile.userId]);
    await eventually(
      async () =>
        (await b.api.conversation(groupId)).conversation.devices.some((x) => x.deviceId === b.deviceId),
      "Basile in",
    );
    await a.api.setMemberRole(groupId, basile.userId, "admin");
    await eventually(() => b.sync().then(() => true), "Basile synced");
    // Both add someone at once.
    await Promise.all([a.addMembers(groupId, [chloe.userId]), b.addMembers(groupId, [denis.userId])]);
    await a.sendText(groupId, "Tout le monde est là ?");
    await eventually(() => hasText(c, groupId, "Tout le monde est là ?"), "Chloé reads");
    await eventually(() => hasText(d, groupId, "Tout le monde est là ?"), "Denis reads");
    await eventually(() => hasText(b, groupId, "Tout le monde est là ?"), "Basile reads");
    const { conversation } = await a.api.conversation(groupId);
    assert.deepEqual(new Set(conversation.devices.map((x) => x.userId)), new Set(users.map((u) => u.userId)));
    // The log has one commit per epoch: the server refused the loser.
    const commits = (await a.api.log(groupId, 0)).entries.filter((e) => e.kind === "commit");
    assert.deepEqual(
      commits.map((e) => e.epoch),
      commits.map((_, i) => i),
    );
  });

  test("a device that was offline, across a server restart, catches up and misses nothing", async () => {
    const [anne, basile] = users as [TestUser, TestUser];
    const a = await device(anne, "restart-a");
    const b = await device(basile, "restart-b");
    const direct = await a.openDirect(basile.userId);
    // Both new devices are in the group before Basile's goes offline.
    await eventually(async () => {
      await b.sync();
      const { conversation } = await a.api.conversation(direct);
      const inGroup = conversation.devices.map((x) => x.deviceId);
      return inGroup.includes(a.deviceId) && inGroup.includes(b.deviceId);
    }, "both devices in the group");
    await b.sync();
    b.disconnect();
    for (let i = 1; i <= 5; i++) await a.sendText(direct, `hors ligne ${i}`);
    await server.restart();
    for (let i = 6; i <= 8; i++) {
      await eventually(async () => {
        try {
          await a.sendText(direct, `hors ligne ${i}`);
          return true;
        } catch {
          return false;
        }
      }, "send after restart");
    }
    b.connect();
    await eventually(
      async () => (await textMessages(b, direct)).filter((t) => t.startsWith("hors ligne")).length === 8,
      "all 8 arrive",
    );
    const got = (await textMessages(b, direct)).filter((t) => t.startsWith("hors ligne"));
    assert.deepEqual(
      got,
      Array.from({ length: 8 }, (_, i) => `hors ligne ${i + 1}`),
    );
  });
});
