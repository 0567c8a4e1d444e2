import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  browserKeys,
  connectDevice,
  decryptPayload,
  eventually,
  rejectsWith,
  startPushService,
  startTestServer,
  type TestServer,
  type TestUser,
} from "@confrere/dev-env";
import { type PushPayload, withLuhnKey } from "@confrere/protocol";
import type { ConfrereClient } from "@confrere/sdk";
import { parisWallClock, withinWorkingHours } from "../src/care/availability.ts";

const MINUTE = 60_000;
/** A safety net, not a timing assertion: ordinary notifications wait a 3 s grace first. */
const PUSH_WAIT_MS = 60_000;

describe("urgent messages, availability and on-call", () => {
  let server: TestServer;
  let push: Awaited<ReturnType<typeof startPushService>>;
  const keys = new Map<string, ReturnType<typeof browserKeys>>();
  const devices: ConfrereClient[] = [];
  before(async () => {
    server = await startTestServer();
    push = await startPushService();
  });
  after(async () => {
    for (const device of devices) device.disconnect();
    await server.close();
    await push.close();
  });

  async function device(user: TestUser): Promise<ConfrereClient> {
    const client = await connectDevice(server, user);
    devices.push(client);
    return client;
  }

  /** Subscribes the device at `/<name>`; returns the payloads pushed there so far, decrypted. */
  async function subscribe(client: ConfrereClient, name: string) {
    const browser = browserKeys();
    keys.set(name, browser);
    await client.api.subscribePush({ endpoint: `${push.url}/${name}`, keys: browser.json });
    return () =>
      push.received
        .filter((r) => r.path === `/${name}`)
        .map((r) => JSON.parse(decryptPayload(r, browser)) as PushPayload);
  }

  test("working hours are Paris wall-clock times, across the DST change", () => {
    // 2026-03-29 is the spring change: 01:30 UTC is 03:30 CEST; the day before, 01:30 UTC is 02:30 CET.
    assert.deepEqual(parisWallClock(Date.UTC(2026, 2, 29, 1, 30)), { weekday: "sun", minutes: 3 * 60 + 30 });
    assert.deepEqual(parisWallClock(Date.UTC(2026, 2, 28, 1, 30)), { weekday: "sat", minutes: 2 * 60 + 30 });
    const hours = { mon: [{ start: "08:00", end: "18:00" }] };
    // Monday 2026-11-30 07:30 UTC is 08:30 in Paris (CET); 17:30 UTC is 18:30.
    assert.equal(withinWorkingHours(hours, Date.UTC(2026, 10, 30, 7, 30)), true);
    assert.equal(withinWorkingHours(hours, Date.UTC(2026, 10, 30, 17, 30)), false);
    assert.equal(withinWorkingHours(null, Date.UTC(2026, 10, 30, 17, 30)), true);
  });

  test("availability: set, read, checked; colleagues see the status only", async () => {
    const anne = await server.createUser({ verified: true, name: "Dr Anne" });
    const basile = await server.createUser({ verified: true, name: "Dr Basile" });
    const initial = await anne.api.availability();
    assert.deepEqual(initial, {
      status: "available",
      until: null,
      workingHours: null,
      timeZone: "Europe/Paris",
      reachableNow: true,
    });
    const until = server.clock.now() + 60 * MINUTE;
    const set = await anne.api.setAvailability({
      status: "in_consultation",
      until,
      workingHours: {
        mon: [
          { start: "08:00", end: "12:00" },
          { start: "14:00", end: "18:00" },
        ],
      },
    });
    assert.equal(set.status, "in_consultation");
    assert.equal(set.reachableNow, false);
    assert.deepEqual(await basile.api.colleagueAvailability(anne.userId), {
      userId: anne.userId,
      status: "in_consultation",
      until,
    });
    await rejectsWith(
      anne.api.setAvailability({ status: "away", until: server.clock.now() - 1 }),
      "AVAILABILITY_INVALID",
      400,
    );
    await rejectsWith(
      anne.api.setAvailability({ status: "away", workingHours: { tue: [{ start: "18:00", end: "08:00" }] } }),
      "AVAILABILITY_INVALID",
      400,
    );
    await rejectsWith(anne.api.setAvailability({ status: "absent" as "away" }), "VALIDATION_FAILED", 400);
    // The status lapses at `until`; the working hours stay.
    server.clock.advance(61 * MINUTE);
    const later = await anne.api.availability();
    assert.equal(later.status, "available");
    assert.deepEqual(later.workingHours?.mon?.length, 2);
    await anne.api.setAvailability({ status: "on_call", workingHours: null });
    assert.equal((await anne.api.availability()).reachableNow, true);
  });

  test("an urgent message notifies someone away, a plain one does not; pending until acknowledged, re-notified meanwhile", async () => {
    const alice = await server.createUser({ verified: true, name: "Dr Alice Martin" });
    const bob = await server.createUser({ verified: true, name: "Dr Bob" });
    const a = await device(alice);
    const b = await device(bob);
    const pushedToBob = await subscribe(b, "bob");
    const conversationId = await a.openDirect(bob.userId);
    await b.api.setAvailability({ status: "away" });
    b.disconnect();

    await a.sendText(conversationId, "Patient Dupont, pour information");
    const urgent = await a.sendText(conversationId, "Patient Dupont, douleur thoracique", {
      urgent: true,
      renotifyAfterMinutes: 5,
    });
    await eventually(async () => pushedToBob().length >= 1, "the urgent push", PUSH_WAIT_MS);
    assert.deepEqual(pushedToBob()[0], {
      title: "Message urgent de Dr Alice Martin",
      badge: 2,
      conversationId,
    });
    for (const r of push.received) assert.ok(!r.body.includes(Buffer.from("Dupont")));

    const { alerts } = await bob.api.urgentAlerts();
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]!.conversationId, conversationId);
    assert.equal(alerts[0]!.seq, urgent.seq);
    assert.equal(alerts[0]!.senderId, alice.userId);
    assert.equal(alerts[0]!.acknowledgedAt, null);
    assert.deepEqual((await alice.api.urgentAlerts()).alerts, []);

    // Re-notified after 5 minutes while pending (the clock moved, the job run by hand).
    server.clock.advance(5 * MINUTE);
    await server.server.scheduler.runDue();
    assert.equal(pushedToBob().length, 2);
    assert.equal(pushedToBob()[1]!.title, "Message urgent de Dr Alice Martin");

    await rejectsWith(alice.api.acknowledgeUrgent(alerts[0]!.id), "URGENT_ALERT_NOT_FOUND", 404);
    const acknowledged = await bob.api.acknowledgeUrgent(alerts[0]!.id);
    assert.equal(acknowledged.acknowledgedAt, server.clock.now());
    assert.deepEqual((await bob.api.urgentAlerts()).alerts, []);
    server.clock.advance(10 * MINUTE);
    await server.server.scheduler.runDue();
    assert.equal(pushedToBob().length, 2, "no re-notification once acknowledged");
    const audit = await server.server.ctx.db
      .selectFrom("audit_events")
      .select(["action", "actor_id", "target_id"])
      .where("action", "=", "urgent.acknowledged")
      .execute();
    assert.deepEqual(audit, [
      { action: "urgent.acknowledged", actor_id: bob.userId, target_id: conversationId },
    ]);

    // Back at work: the next plain message is pushed; the one sent while away never was.
    await b.api.setAvailability({ status: "available" });
    await a.sendText(conversationId, "Plain again");
    await eventually(async () => pushedToBob().length >= 3, "the plain push", PUSH_WAIT_MS);
    assert.equal(pushedToBob()[2]!.title, "Nouveau message de Dr Alice Martin");
    assert.equal(pushedToBob().length, 3);

    // Over the socket the refusal comes back as an `error` frame: its code is what matters.
    await assert.rejects(a.sendText(conversationId, "x", { urgent: true, renotifyAfterMinutes: 0 }), {
      code: "URGENT_RENOTIFY_OUT_OF_RANGE",
    });
  });

  test("on-call: administrators edit the schedule; an urgent message to the service alerts whoever is on call", async () => {
    const operator = await server.createUser({ operator: true, verified: true });
    const admin = await server.createUser({ verified: true, name: "Admin CH" });
    const anne = await server.createUser({ verified: true, name: "Dr Anne Cardio" });
    const basile = await server.createUser({ verified: true, name: "Dr Basile Cardio" });
    const doctor = await server.createUser({ verified: true, name: "Dr Denis Généraliste" });
    const { organisation } = await operator.api.createOrganisation({
      kind: "establishment",
      finess: withLuhnKey("89000003"),
      name: "CH Auxerre",
    });
    await operator.api.addOrganisationAdmin(organisation.id, admin.userId);
    const { service } = await admin.api.createService(organisation.id, "Cardiologie");
    await admin.api.setServiceRoster(service.id, [anne.userId, basile.userId]);

    const now = server.clock.now();
    const shifts = [{ userId: anne.userId, start: now - MINUTE, end: now + 12 * 60 * MINUTE }];
    await rejectsWith(
      anne.api.setOnCallSchedule(service.id, { escalationMinutes: 10, shifts }),
      "ORGANISATION_ADMIN_REQUIRED",
      403,
    );
    await rejectsWith(
      admin.api.setOnCallSchedule(service.id, {
        escalationMinutes: 10,
        shifts: [{ userId: doctor.userId, start: now, end: now + MINUTE }],
      }),
      "ONCALL_NOT_ROSTER_MEMBER",
      400,
    );
    await rejectsWith(
      admin.api.setOnCallSchedule(service.id, { escalationMinutes: 0, shifts }),
      "ONCALL_SCHEDULE_INVALID",
      400,
    );
    const schedule = await admin.api.setOnCallSchedule(service.id, { escalationMinutes: 10, shifts });
    assert.deepEqual(schedule.onCallNow, [anne.userId]);
    assert.equal((await anne.api.onCallSchedule(service.id)).escalationMinutes, 10);

    const d = await device(doctor);
    const an = await device(anne);
    await device(basile);
    const conversationId = await d.openServiceConversation(service.id);
    // Not the caller's conversation: refused.
    await rejectsWith(
      doctor.api.tieServiceConversation(service.id, await an.openDirect(basile.userId)),
      "SERVICE_CONVERSATION_INVALID",
      400,
    );
    await d.sendText(conversationId, "Avis urgent", { urgent: true });
    assert.equal((await anne.api.urgentAlerts()).alerts.length, 1);
    assert.deepEqual((await basile.api.urgentAlerts()).alerts, []);

    // A second one, acknowledged by Anne in time: it never escalates.
    server.clock.advance(MINUTE);
    await d.sendText(conversationId, "Second avis urgent", { urgent: true });
    const [first, second] = (await anne.api.urgentAlerts()).alerts;
    await anne.api.acknowledgeUrgent(second!.id);

    // Nobody acknowledged the first within 10 minutes: the rest of the roster is alerted.
    server.clock.advance(8 * MINUTE);
    await server.server.scheduler.runDue();
    assert.deepEqual((await basile.api.urgentAlerts()).alerts, [], "not before the delay");
    server.clock.advance(2 * MINUTE);
    await server.server.scheduler.runDue();
    assert.equal((await anne.api.urgentAlerts()).alerts.length, 1, "Anne's first stays pending");
    const escalated = (await basile.api.urgentAlerts()).alerts;
    assert.deepEqual(
      escalated.map((a) => [a.conversationId, a.seq]),
      [[conversationId, first!.seq]],
    );
    const audit = await server.server.ctx.db
      .selectFrom("audit_events")
      .select(["target_id"])
      .where("action", "=", "oncall.escalated")
      .execute();
    assert.deepEqual(audit, [{ target_id: service.id }]);
  });
  test("on-call: a plain message to a service goes first to whoever is on call, to the rest of the roster after the delay unless someone read it", async () => {
    const operator = await server.createUser({ operator: true, verified: true });
    const admin = await server.createUser({ verified: true, name: "Admin CH Sens" });
    const claire = await server.createUser({ verified: true, name: "Dr Claire Pneumo" });
    const damien = await server.createUser({ verified: true, name: "Dr Damien Pneumo" });
    const doctor = await server.createUser({ verified: true, name: "Dr Émile Généraliste" });
    const { organisation } = await operator.api.createOrganisation({
      kind: "establishment",
      finess: withLuhnKey("89000012"),
      name: "CH Sens",
    });
    await operator.api.addOrganisationAdmin(organisation.id, admin.userId);
    const { service } = await admin.api.createService(organisation.id, "Pneumologie");
    await admin.api.setServiceRoster(service.id, [claire.userId, damien.userId]);
    const now = server.clock.now();
    await admin.api.setOnCallSchedule(service.id, {
      escalationMinutes: 5,
      shifts: [{ userId: claire.userId, start: now - MINUTE, end: now + 12 * 60 * MINUTE }],
    });

    const d = await device(doctor);
    // The staff's apps are closed: they learn of messages by push only.
    const cl = await connectDevice(server, claire, { connect: false });
    const da = await connectDevice(server, damien, { connect: false });
    devices.push(cl, da);
    const toClaire = await subscribe(cl, "claire-pneumo");
    const toDamien = await subscribe(da, "damien-pneumo");
    const conversationId = await d.openServiceConversation(service.id);

    await d.sendText(conversationId, "Un avis sur une radio de thorax ?");
    await eventually(async () => toClaire().length === 1, "the on-call doctor notified", PUSH_WAIT_MS);
    assert.equal(toClaire()[0]!.title, "Nouveau message de Dr Émile Généraliste");
    assert.deepEqual((await claire.api.urgentAlerts()).alerts, [], "a plain request is no urgent banner");

    // Nobody read it within 5 minutes: the rest of the roster is notified, once.
    server.clock.advance(4 * MINUTE);
    await server.server.scheduler.runDue();
    server.clock.advance(MINUTE);
    await server.server.scheduler.runDue();
    await eventually(async () => toDamien().length > 0, "the rest of the roster notified", PUSH_WAIT_MS);
    // Had the ordinary path notified Damien at once, he would have two.
    assert.equal(toDamien().length, 1);
    assert.equal(toDamien()[0]!.title, "Nouveau message de Dr Émile Généraliste");
    assert.deepEqual((await damien.api.urgentAlerts()).alerts, []);

    // A second request that Claire reads (the server sees only an encrypted entry from her):
    // taken, it does not escalate, and her read receipt notifies nobody.
    const second = await d.sendText(conversationId, "Et celle de contrôle ?");
    await eventually(async () => toClaire().length === 2, "the on-call doctor notified again", PUSH_WAIT_MS);
    await cl.sync();
    await cl.markRead(conversationId, [second.id]);
    server.clock.advance(6 * MINUTE);
    await server.server.scheduler.runDue();
    // Claire answers (roster staff writing is an answer, not a request): the doctor's app is
    // closed now, and the answer reaches him; nothing more reaches Damien.
    d.disconnect();
    const toDoctor = await subscribe(d, "emile");
    await cl.sendText(conversationId, "Vue : pas d'épanchement.");
    await eventually(async () => toDoctor().length === 1, "the answer notified", PUSH_WAIT_MS);
    assert.equal(toDoctor()[0]!.title, "Nouveau message de Dr Claire Pneumo");
    assert.equal(toDamien().length, 1, "no escalation and no notification of the read receipt");
    const escalations = await server.server.ctx.db
      .selectFrom("audit_events")
      .select("target_id")
      .where("action", "=", "oncall.escalated")
      .where("target_id", "=", service.id)
      .execute();
    assert.equal(escalations.length, 1);
  });

  test("on-call: a request nobody at the service took goes to its backup service, forwarded encrypted by the asker's device", async () => {
    const operator = await server.createUser({ operator: true, verified: true });
    const admin = await server.createUser({ verified: true, name: "Admin GHT" });
    const anne = await server.createUser({ verified: true, name: "Dr Anne Neuro" });
    const basile = await server.createUser({ verified: true, name: "Dr Basile Neuro" });
    const claire = await server.createUser({ verified: true, name: "Dr Claire Neuro Dijon" });
    const doctor = await server.createUser({ verified: true, name: "Dr Fanny Généraliste" });
    const { organisation } = await operator.api.createOrganisation({
      kind: "establishment",
      finess: withLuhnKey("89000020"),
      name: "GHT Bourgogne",
    });
    await operator.api.addOrganisationAdmin(organisation.id, admin.userId);
    const { service } = await admin.api.createService(organisation.id, "Neurologie Auxerre");
    const { service: backup } = await admin.api.createService(organisation.id, "Neurologie Dijon");
    await admin.api.setServiceRoster(service.id, [anne.userId, basile.userId]);
    await admin.api.setServiceRoster(backup.id, [claire.userId]);
    const now = server.clock.now();
    const day = { start: now - MINUTE, end: now + 12 * 60 * MINUTE };
    await admin.api.setOnCallSchedule(service.id, {
      escalationMinutes: 5,
      backupServiceId: backup.id,
      shifts: [{ userId: anne.userId, ...day }],
    });
    await admin.api.setOnCallSchedule(backup.id, {
      escalationMinutes: 5,
      shifts: [{ userId: claire.userId, ...day }],
    });

    const d = await device(doctor);
    // The staff's apps are closed.
    const an = await connectDevice(server, anne, { connect: false });
    const ba = await connectDevice(server, basile, { connect: false });
    const cl = await connectDevice(server, claire, { connect: false });
    devices.push(an, ba, cl);
    const toClaire = await subscribe(cl, "claire-neuro");
    const conversationId = await d.openServiceConversation(service.id);
    await d.sendText(conversationId, "Déficit moteur brutal, thrombolyse ?", { urgent: true });

    // 5 minutes: the rest of the roster; 5 more with nobody acknowledging: the backup service.
    server.clock.advance(5 * MINUTE);
    await server.server.scheduler.runDue();
    assert.equal((await basile.api.urgentAlerts()).alerts.length, 1, "the roster alerted first");
    assert.deepEqual((await doctor.api.handovers()).handovers, [], "not offered before the second delay");
    server.clock.advance(5 * MINUTE);
    await server.server.scheduler.runDue();

    // The doctor's connected device heard of it and forwarded the request, urgent, to Dijon.
    const forwarded = await eventually(async () => {
      const rows = await server.server.ctx.db
        .selectFrom("service_handovers")
        .select(["id", "forwarded_conversation_id"])
        .where("conversation_id", "=", conversationId)
        .where("forwarded_at", "is not", null)
        .execute();
      return rows[0];
    }, "the request forwarded to the backup service");
    const backupConversation = forwarded.forwarded_conversation_id!;
    assert.notEqual(backupConversation, conversationId);
    assert.deepEqual((await doctor.api.handovers()).handovers, []);
    const alerts = (await claire.api.urgentAlerts()).alerts;
    assert.deepEqual(
      alerts.map((a) => [a.conversationId, a.senderId]),
      [[backupConversation, doctor.userId]],
      "the backup's on-call doctor alerted",
    );
    await eventually(
      async () => toClaire().some((p) => p.conversationId === backupConversation),
      "Claire notified",
      PUSH_WAIT_MS,
    );
    await cl.sync();
    const read = (await cl.messages(backupConversation)).flatMap((m) =>
      m.content.type === "text" ? [[m.content.text, m.content.urgent ?? false]] : [],
    );
    assert.deepEqual(
      read,
      [["Déficit moteur brutal, thrombolyse ?", true]],
      "Claire reads it, end-to-end encrypted",
    );
    // Anne and Basile were not added anywhere: the first conversation keeps its members.
    assert.deepEqual(
      (await doctor.api.conversation(conversationId)).conversation.members.map((m) => m.userId).sort(),
      [anne.userId, basile.userId, doctor.userId].sort(),
    );
    await rejectsWith(claire.api.claimHandover(forwarded.id), "HANDOVER_NOT_FOUND", 404);
    await rejectsWith(d.api.claimHandover(forwarded.id), "HANDOVER_CLAIMED", 409);

    // A request Basile answers after the roster escalation is not handed over.
    const later = await d.sendText(conversationId, "Et pour ce second patient ?");
    server.clock.advance(5 * MINUTE);
    await server.server.scheduler.runDue();
    await ba.sync();
    await ba.sendText(conversationId, "Je m'en occupe.");
    server.clock.advance(5 * MINUTE);
    await server.server.scheduler.runDue();
    const second = await server.server.ctx.db
      .selectFrom("service_handovers")
      .select(["offered_at", "dropped_at"])
      .where("conversation_id", "=", conversationId)
      .where("seq", "=", later.seq)
      .executeTakeFirstOrThrow();
    assert.equal(second.offered_at, null);
    assert.notEqual(second.dropped_at, null);
    const audit = await server.server.ctx.db
      .selectFrom("audit_events")
      .select(["action", "target_id"])
      .where("action", "in", ["oncall.handover_offered", "oncall.handover_forwarded"])
      .orderBy("seq")
      .execute();
    assert.deepEqual(
      audit.map((a) => [a.action, a.target_id]),
      [
        ["oncall.handover_offered", backup.id],
        ["oncall.handover_forwarded", backup.id],
      ],
    );
  });
});
