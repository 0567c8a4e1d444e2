// The group operations the web app offers (rename, roles, leave), through the real SDK against the
// real server: who may do what is the server's to enforce, the name is the clients' (encrypted).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  connectDevice,
  eventually,
  rejectsWith,
  startTestServer,
  type TestServer,
  type TestUser,
  testStore,
} from "@confrere/dev-env";
import type { ConfrereClient } from "@confrere/sdk";

describe(`group rename, roles and leaving on ${testStore()}`, () => {
  let server: TestServer;
  let users: TestUser[];
  const clients: ConfrereClient[] = [];
  before(async () => {
    server = await startTestServer();
    users = [];
    for (const name of ["Dr Anne", "Dr Basile", "Dr Chloé"])
      users.push(await server.createUser({ verified: true, name }));
  });
  after(async () => {
    for (const client of clients) client.disconnect();
    await server.close();
  });
  async function device(user: TestUser) {
    const client = await connectDevice(server, user);
    clients.push(client);
    return client;
  }

  test("a rename reaches every member; roles and removals are for admins; anyone may leave", async () => {
    const [anne, basile, chloe] = users as [TestUser, TestUser, TestUser];
    const a = await device(anne);
    const b = await device(basile);
    const c = await device(chloe);
    const groupId = await a.createGroup("RCP", [basile.userId]);
    await eventually(async () => (await b.groupName(groupId)) === "RCP", "Basile learns the name");
    assert.equal(await a.groupName(groupId), "RCP");

    await a.renameGroup(groupId, "RCP cardiologie");
    await eventually(
      async () => (await b.groupName(groupId)) === "RCP cardiologie",
      "Basile sees the new name",
    );

    // A plain member can neither add, remove nor promote: the server says so.
    await rejectsWith(b.addMembers(groupId, [chloe.userId]), "NOT_AN_ADMIN", 403);
    await rejectsWith(b.setMemberRole(groupId, basile.userId, "admin"), "NOT_AN_ADMIN", 403);
    await rejectsWith(b.removeMember(groupId, anne.userId), "NOT_AN_ADMIN", 403);

    // Promoted, Basile adds Chloé, who gets the name only once it is shared again (no history).
    await a.setMemberRole(groupId, basile.userId, "admin");
    const roles = (await a.api.conversation(groupId)).conversation.members;
    assert.equal(roles.find((m) => m.userId === basile.userId)?.role, "admin");
    await b.addMembers(groupId, [chloe.userId]);
    await eventually(
      async () =>
        (await b.api.conversation(groupId)).conversation.devices.some((d) => d.userId === chloe.userId),
      "Chloé's device is committed in",
    );
    await b.renameGroup(groupId, "RCP cardiologie");
    await eventually(async () => (await c.groupName(groupId)) === "RCP cardiologie", "Chloé learns the name");
    assert.ok(
      !(await c.messages(groupId)).some((m) => m.content.type === "group-info" && m.content.name === "RCP"),
      "the earlier name, from before Chloé joined, is not shared",
    );

    // Anne leaves (a plain leave, no admin needed): the server no longer serves her the group.
    await a.leaveGroup(groupId);
    await rejectsWith(a.api.log(groupId, 0), "CONVERSATION_NOT_FOUND", 404);
    const after = (await b.api.conversation(groupId)).conversation;
    assert.deepEqual(after.members.map((m) => m.userId).sort(), [basile.userId, chloe.userId].sort());

    // Chloé, a plain member, leaves too; Basile stays the group's admin.
    await c.leaveGroup(groupId);
    const last = (await b.api.conversation(groupId)).conversation;
    assert.deepEqual(
      last.members.map((m) => [m.userId, m.role]),
      [[basile.userId, "admin"]],
    );
  });

  test("a direct conversation has no one to add, remove or leave", async () => {
    const [anne, basile, chloe] = users as [TestUser, TestUser, TestUser];
    const a = await device(anne);
    await device(basile);
    const directId = await a.openDirect(basile.userId);
    await rejectsWith(a.addMembers(directId, [chloe.userId]), "VALIDATION_FAILED", 400);
    await rejectsWith(a.leaveGroup(directId), "VALIDATION_FAILED", 400);
  });
});
