import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import {
  connectDevice,
  eventually,
  rejectsWith,
  startTestServer,
  type TestServer,
  type TestUser,
} from "@confrere/dev-env";
import { CaseBook, type ConfrereClient } from "@confrere/sdk";
import { ConfigError, loadConfig } from "@confrere/server";
import { TEST_PATIENT } from "./support/patient.ts";

const DAY = 24 * 3600 * 1000;
const HOUR = 3600 * 1000;

describe("retention: expiry with export first, legal hold", () => {
  let server: TestServer;
  let operator: TestUser;
  const devices: ConfrereClient[] = [];
  before(async () => {
    server = await startTestServer();
    operator = await server.createUser({ operator: true, verified: true });
  });
  after(async () => {
    for (const device of devices) device.disconnect();
    await server.close();
  });

  async function territoryWith(members: TestUser[], days: number | null): Promise<string> {
    const { organisation } = await operator.api.createOrganisation({
      kind: "territory",
      territoryType: "cpts",
      name: `CPTS rétention ${Math.random().toString(36).slice(2, 8)}`,
      departements: ["89"],
    });
    for (const member of members) {
      await operator.api.addOrganisationMember(organisation.id, member.userId, { overridePerimeter: true });
    }
    if (days !== null) await operator.api.setRetentionPolicy(organisation.id, days);
    return organisation.id;
  }

  async function device(user: TestUser): Promise<ConfrereClient> {
    const client = await connectDevice(server, user);
    devices.push(client);
    return client;
  }

  function db() {
    return server.server.ctx.db;
  }

  async function countRows(conversationId: string) {
    const entries = await db()
      .selectFrom("log_entries")
      .select(["kind"])
      .where("conversation_id", "=", conversationId)
      .execute();
    const attachments = await db()
      .selectFrom("attachments")
      .select("id")
      .where("conversation_id", "=", conversationId)
      .execute();
    return {
      application: entries.filter((e) => e.kind === "application").length,
      commits: entries.filter((e) => e.kind === "commit").length,
      attachmentIds: attachments.map((a) => a.id),
    };
  }

  /** Whether the attachment's ciphertext is still stored: a file on disk, or chunk rows in PostgreSQL. */
  async function blobExists(attachmentId: string): Promise<boolean> {
    if (server.store === "sqlite") {
      return fs
        .access(path.join(server.dataDir, "attachments", attachmentId))
        .then(() => true)
        .catch(() => false);
    }
    const chunks = await db()
      .selectFrom("attachment_chunks")
      .select("idx")
      .where("attachment_id", "=", attachmentId)
      .execute();
    return chunks.length > 0;
  }

  async function purgedEvents() {
    return db()
      .selectFrom("audit_events")
      .selectAll()
      .where("action", "=", "retention.purged")
      .orderBy("seq")
      .execute();
  }

  test("the platform default comes from RETENTION_DEFAULT_DAYS, within bounds", () => {
    assert.equal(loadConfig({}).retentionDefaultDays, 183);
    assert.equal(loadConfig({ RETENTION_DEFAULT_DAYS: "30" }).retentionDefaultDays, 30);
    assert.throws(
      () => loadConfig({ RETENTION_DEFAULT_DAYS: "3" }),
      (e: Error) =>
        e instanceof ConfigError && /RETENTION_DEFAULT_DAYS must be between 7 and 3650/.test(e.message),
    );
    assert.throws(() => loadConfig({ RETENTION_DEFAULT_DAYS: "six mois" }), ConfigError);
  });

  test("organisation administrators set the policy within bounds; others can't", async () => {
    const member = await server.createUser({ verified: true });
    const organisationId = await territoryWith([member], null);
    const policy = await operator.api.retentionPolicy(organisationId);
    assert.equal(policy.days, null);
    assert.equal(policy.effectiveDays, 183);
    await rejectsWith(operator.api.setRetentionPolicy(organisationId, 3), "RETENTION_DAYS_OUT_OF_RANGE", 400);
    await rejectsWith(
      operator.api.setRetentionPolicy(organisationId, 4000),
      "RETENTION_DAYS_OUT_OF_RANGE",
      400,
    );
    assert.equal((await operator.api.setRetentionPolicy(organisationId, 30)).effectiveDays, 30);
    await rejectsWith(member.api.retentionPolicy(organisationId), "ORGANISATION_ADMIN_REQUIRED", 403);
    await rejectsWith(member.api.setRetentionPolicy(organisationId, 10), "ORGANISATION_ADMIN_REQUIRED", 403);
    await rejectsWith(member.api.placeLegalHold("some-conversation", "litigation"), "OPERATOR_ONLY", 403);
    const changed = await db()
      .selectFrom("audit_events")
      .selectAll()
      .where("action", "=", "retention.policy_changed")
      .where("target_id", "=", organisationId)
      .execute();
    assert.equal(changed.length, 1);
    assert.equal(changed[0]?.detail, JSON.stringify({ days: 30 }));
  });

  test("members of a patient case are reminded once to export, before content expires, without any of its content", async () => {
    const dave = await server.createUser({ verified: true, email: `dave-${Date.now()}@example.fr` });
    const erin = await server.createUser({ verified: true, email: `erin-${Date.now()}@example.fr` });
    const fred = await server.createUser({ verified: true, email: `fred-${Date.now()}@example.fr` });
    // The shortest policy among the members' organisations applies: 20 days (not 400).
    await territoryWith([dave], 20);
    await territoryWith([erin], 400);
    const d = await device(dave);
    await device(erin);
    await device(fred);
    const conversationId = await d.openDirect(erin.userId);
    await new CaseBook(d).openCase(conversationId, TEST_PATIENT, "consented");
    await d.sendText(conversationId, "Patient M. Dupont, 54 ans, douleur thoracique");
    // A chat without a patient case has nothing for a record: no reminder for it.
    const chat = await d.openDirect(fred.userId);
    await d.sendText(chat, "Tu passes au staff demain ?");
    const remindersTo = async (email: string, about = conversationId) =>
      (await server.outbox()).filter((m) => m.to.includes(email) && m.text.includes(about));

    server.clock.advance(5 * DAY);
    await server.server.scheduler.runDue();
    assert.equal((await remindersTo(dave.email)).length, 0, "20 days minus 14: not yet");

    server.clock.advance(2 * DAY);
    await server.server.scheduler.runDue();
    for (const email of [dave.email, erin.email]) {
      const mails = await remindersTo(email);
      assert.equal(mails.length, 1, `one reminder for ${email}`);
      const mail = mails[0]!;
      assert.match(mail.text, /exportez-les avant cette date/);
      assert.ok(mail.text.includes(`/conversations/${conversationId}`));
      assert.doesNotMatch(`${mail.subject}\n${mail.text}`, /Dupont|thoracique|Dr /);
    }

    assert.equal((await remindersTo(fred.email, chat)).length, 0, "no case, no reminder");
    assert.equal((await remindersTo(dave.email, chat)).length, 0, "no case, no reminder");

    server.clock.advance(HOUR);
    await server.server.scheduler.runDue();
    assert.equal((await remindersTo(dave.email)).length, 1, "never twice for the same content");
  });

  test("expired ciphertext and blobs are deleted (rows and files), held conversations keep theirs, devices follow", async () => {
    const alice = await server.createUser({ verified: true });
    const bob = await server.createUser({ verified: true });
    const carol = await server.createUser({ verified: true });
    await territoryWith([alice], 7);
    const a = await device(alice);
    const b = await device(bob);
    const c = await device(carol);

    const plain = await a.openDirect(bob.userId);
    const held = await a.openDirect(carol.userId);
    const file = {
      bytes: new TextEncoder().encode("ECG du patient"),
      fileName: "ecg.pdf",
      mimeType: "application/pdf",
    };
    for (const conversationId of [plain, held]) {
      await a.sendText(conversationId, "Avis sur cet ECG ?");
      await a.sendFile(conversationId, file);
    }
    await b.sync();
    await c.sync();
    assert.equal((await b.messages(plain)).length, 2);
    assert.equal((await c.messages(held)).length, 2);
    const before = await countRows(plain);
    assert.equal(before.application, 2);
    assert.equal(before.attachmentIds.length, 1);
    assert.ok(await blobExists(before.attachmentIds[0]!));
    const heldBefore = await countRows(held);

    await operator.api.placeLegalHold(held, "litigation");
    await rejectsWith(operator.api.placeLegalHold(held, "other"), "LEGAL_HOLD_EXISTS", 409);
    const purgesBefore = (await purgedEvents()).length;

    server.clock.advance(8 * DAY);
    await server.server.scheduler.runDue();

    const afterPurge = await countRows(plain);
    assert.equal(afterPurge.application, 0, "application messages are gone");
    assert.equal(afterPurge.commits, before.commits, "handshake messages stay for devices catching up");
    assert.ok(afterPurge.commits > 0);
    assert.deepEqual(afterPurge.attachmentIds, []);
    assert.equal(await blobExists(before.attachmentIds[0]!), false, "the blob itself is gone");
    assert.deepEqual(await countRows(held), heldBefore, "the held conversation keeps everything");
    assert.ok(await blobExists(heldBefore.attachmentIds[0]!));

    const events = await purgedEvents();
    assert.equal(events.length, purgesBefore + 1);
    const detail = JSON.parse(events.at(-1)!.detail!) as Record<string, number>;
    assert.ok(detail.messages! >= 2 && detail.attachments! >= 1 && detail.held! >= 1, JSON.stringify(detail));
    assert.equal(events.at(-1)!.actor_id, null);

    // The device deletes its local copies as well; under hold they stay.
    // A connected device is told the conversation changed, syncs, and deletes without being asked.
    await eventually(async () => (await b.messages(plain)).length === 0, "bob's device deletes its copies");
    await c.sync();
    assert.equal((await c.messages(held)).length, 2);
    const horizons = (await c.api.retentionHorizons()).horizons;
    assert.deepEqual(
      horizons.filter((h) => h.conversationId === held).map((h) => [h.isOnHold, h.expiredThroughSeq]),
      [[true, 0]],
    );

    // Idempotent: nothing left to purge, no new event.
    server.clock.advance(HOUR);
    await server.server.scheduler.runDue();
    assert.equal((await purgedEvents()).length, purgesBefore + 1);

    // Lifting the hold lets the next run purge it, and its members' devices follow.
    await operator.api.liftLegalHold(held);
    await rejectsWith(operator.api.liftLegalHold(held), "LEGAL_HOLD_NOT_FOUND", 404);
    server.clock.advance(HOUR);
    await server.server.scheduler.runDue();
    const heldAfter = await countRows(held);
    assert.equal(heldAfter.application, 0);
    assert.equal(await blobExists(heldBefore.attachmentIds[0]!), false);
    await eventually(async () => (await c.messages(held)).length === 0, "carol's device deletes its copies");
    assert.equal(await c.applyRetention(), 0, "nothing left past the horizon");

    // New messages are kept and delivered as usual.
    const received = b.events.next("message", (m) => m.conversationId === plain);
    await a.sendText(plain, "Nouveau message");
    await received;
    await eventually(async () => (await b.messages(plain)).length === 1, "the new message is stored");
  });
});
