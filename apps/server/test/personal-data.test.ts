import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  connectDevice,
  rejectsWith,
  runServerCli,
  startTestServer,
  type TestServer,
  type TestUser,
} from "@confrere/dev-env";
import { verifyAuditChain } from "@confrere/server";

describe("personal data rights (RGPD): export and deletion", () => {
  let server: TestServer;
  let operator: TestUser;
  before(async () => {
    server = await startTestServer();
    operator = await server.createUser({ operator: true, verified: true });
  });
  after(async () => {
    await server.close();
  });

  function db() {
    return server.server.ctx.db;
  }

  /** How many rows of each table still name the user. */
  async function rowsOf(userId: string) {
    const count = async (
      table:
        | "users"
        | "devices"
        | "sessions"
        | "totp_credentials"
        | "recovery_codes"
        | "device_keys"
        | "key_packages"
        | "conversation_members"
        | "organisation_members"
        | "device_positions",
      column: "id" | "user_id",
    ) =>
      Number(
        (
          await db()
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as("n"))
            .where(column, "=", userId)
            .executeTakeFirstOrThrow()
        ).n,
      );
    return {
      users: await count("users", "id"),
      devices: await count("devices", "user_id"),
      sessions: await count("sessions", "user_id"),
      totp: await count("totp_credentials", "user_id"),
      recoveryCodes: await count("recovery_codes", "user_id"),
      deviceKeys: await count("device_keys", "user_id"),
      keyPackages: await count("key_packages", "user_id"),
      conversations: await count("conversation_members", "user_id"),
      organisations: await count("organisation_members", "user_id"),
      positions: await count("device_positions", "user_id"),
    };
  }

  test("a professional downloads everything the server holds about them, and no secret", async () => {
    const alice = await server.createUser({ verified: true, name: "Dr Alice Export" });
    const bob = await server.createUser({ verified: true });
    const { organisation } = await operator.api.createOrganisation({
      kind: "territory",
      territoryType: "cpts",
      name: "CPTS export",
      departements: ["89"],
    });
    await operator.api.addOrganisationMember(organisation.id, alice.userId, { overridePerimeter: true });
    const a = await connectDevice(server, alice, { connect: false });
    const b = await connectDevice(server, bob, { connect: false });
    const conversationId = await a.openDirect(bob.userId);
    await a.sendText(conversationId, "Bonjour");
    await a.api.setAvailability({
      status: "in_consultation",
      workingHours: { mon: [{ start: "08:00", end: "12:00" }] },
    });
    await b.sync();
    const urgent = await b.sendText(conversationId, "Rappelez-moi", { urgent: true });

    const archive = await a.api.exportPersonalData();
    assert.equal(archive.format, "confrere-personal-data");
    assert.equal(archive.account.id, alice.userId);
    assert.equal(archive.account.email, alice.email);
    assert.equal(archive.account.displayName, "Dr Alice Export");
    assert.ok(archive.devices.length >= 2, "the test login and the messaging device");
    assert.ok(archive.sessions.length >= 2);
    assert.ok(archive.secondFactors.totp);
    assert.equal(archive.memberships.organisations[0]?.organisationId, organisation.id);
    assert.deepEqual(
      archive.conversations.map((c) => [c.conversationId, c.messagesSent]),
      [[conversationId, 1]],
    );
    assert.ok(archive.auditEvents.some((e) => e.action === "auth.login_succeeded"));
    assert.equal(archive.care.availability?.status, "in_consultation");
    assert.deepEqual(archive.care.availability?.workingHours, { mon: [{ start: "08:00", end: "12:00" }] });
    assert.deepEqual(
      archive.care.urgentAlerts.map((alert) => [alert.conversationId, alert.seq, alert.senderId]),
      [[conversationId, urgent.seq, bob.userId]],
    );

    // No secret, no hash: compare with what the database holds.
    const text = JSON.stringify(archive);
    const secrets = [
      ...(await db()
        .selectFrom("sessions")
        .select("token_hash as s")
        .where("user_id", "=", alice.userId)
        .execute()),
      ...(await db()
        .selectFrom("users")
        .select("password_hash as s")
        .where("id", "=", alice.userId)
        .execute()),
      ...(await db()
        .selectFrom("totp_credentials")
        .select("secret_encrypted as s")
        .where("user_id", "=", alice.userId)
        .execute()),
      ...(await db()
        .selectFrom("recovery_codes")
        .select("code_hash as s")
        .where("user_id", "=", alice.userId)
        .execute()),
    ].map((r) => r.s);
    assert.ok(secrets.length >= 4);
    for (const secret of [...secrets, alice.password, alice.totpSecret]) assert.ok(!text.includes(secret));
    assert.doesNotMatch(text, /Bonjour|Rappelez/);
    const exported = await db()
      .selectFrom("audit_events")
      .select("action")
      .where("action", "=", "personal_data.exported")
      .where("actor_id", "=", alice.userId)
      .execute();
    assert.equal(exported.length, 1);
  });

  test("an unverified account can export and delete its own data", async () => {
    const newcomer = await server.createUser({ verified: false });
    const archive = await newcomer.api.exportPersonalData();
    assert.equal(archive.account.identityVerifiedAt, null);
    await newcomer.api.deleteAccount({ password: newcomer.password, code: server.totp(newcomer.totpSecret) });
    assert.equal((await rowsOf(newcomer.userId)).users, 0);
  });

  test("deleting one's account asks again for the password and a second factor, then removes it everywhere", async () => {
    const carol = await server.createUser({ verified: true, email: `carol-${Date.now()}@example.fr` });
    const dan = await server.createUser({ verified: true });
    const { organisation } = await operator.api.createOrganisation({
      kind: "territory",
      territoryType: "cpts",
      name: "CPTS suppression",
      departements: ["89"],
    });
    await operator.api.addOrganisationMember(organisation.id, carol.userId, { overridePerimeter: true });
    const c = await connectDevice(server, carol, { connect: false });
    const d = await connectDevice(server, dan, { connect: false });
    const direct = await c.openDirect(dan.userId);
    await c.sendText(direct, "Bonjour");
    const group = await c.createGroup("Staff", [dan.userId]);
    await d.sync();

    await rejectsWith(
      carol.api.deleteAccount({ password: "not the password", code: server.totp(carol.totpSecret) }),
      "ACCOUNT_DELETION_REAUTH_FAILED",
      401,
    );
    await rejectsWith(
      carol.api.deleteAccount({ password: carol.password }),
      "ACCOUNT_DELETION_REAUTH_FAILED",
      401,
    );
    await rejectsWith(
      carol.api.deleteAccount({ password: carol.password, code: "000000" }),
      "ACCOUNT_DELETION_REAUTH_FAILED",
      401,
    );
    const before = await rowsOf(carol.userId);
    assert.ok(
      before.devices > 0 && before.deviceKeys > 0 && before.conversations === 2 && before.organisations === 1,
    );

    await c.api.deleteAccount({ password: carol.password, code: server.totp(carol.totpSecret) });
    assert.deepEqual(
      Object.values(await rowsOf(carol.userId)),
      Object.values(before).map(() => 0),
    );
    await rejectsWith(c.api.me(), "AUTH_REQUIRED", 401);
    // The group lives on with its admin role passed on; the other member's devices remove carol's.
    const groupNow = (await d.api.conversations()).conversations.find((x) => x.id === group)!;
    assert.deepEqual(
      groupNow.members.map((m) => [m.userId, m.role]),
      [[dan.userId, "admin"]],
    );

    // The trail keeps the random id only: no e-mail or name, and the chain still verifies.
    const trail = await db().selectFrom("audit_events").selectAll().execute();
    const deleted = trail.filter((e) => e.action === "account.deleted" && e.target_id === carol.userId);
    assert.equal(deleted.length, 1);
    assert.ok(!JSON.stringify(trail).includes(carol.email));
    assert.deepEqual(await verifyAuditChain(db()), { ok: true, events: trail.length });
    const cli = await runServerCli(["audit", "verify"], { env: server.env });
    assert.equal(cli.code, 0, cli.stderr);
  });

  test("operators delete an account; the last operator can't be deleted", async () => {
    const erin = await server.createUser({ verified: true });
    await rejectsWith(erin.api.deleteUser(operator.userId), "OPERATOR_ONLY", 403);
    await operator.api.deleteUser(erin.userId);
    assert.equal((await rowsOf(erin.userId)).users, 0);
    await rejectsWith(operator.api.deleteUser(erin.userId), "USER_NOT_FOUND", 404);
    await rejectsWith(operator.api.deleteUser(operator.userId), "ACCOUNT_DELETION_LAST_OPERATOR", 409);
    const event = await db()
      .selectFrom("audit_events")
      .selectAll()
      .where("action", "=", "account.deleted")
      .where("target_id", "=", erin.userId)
      .executeTakeFirstOrThrow();
    assert.equal(event.actor_id, operator.userId);
    assert.equal(event.detail, JSON.stringify({ by: "operator" }));
  });
});
