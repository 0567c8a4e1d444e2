import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import {
  connectDevice,
  eventually,
  rejectsWith,
  runServerCli,
  startTestServer,
  type TestServer,
  type TestUser,
  testStore,
} from "@confrere/dev-env";
import { withLuhnKey } from "@confrere/protocol";
import { CaseBook, type ConfrereClient, ExpertiseDesk } from "@confrere/sdk";
import { makeTempDir, mapTable, OLD_PERSONNE_ACTIVITE } from "../src/directory/test-support.ts";
import { TEST_PATIENT as PATIENT } from "./support/patient.ts";

const MINUTE = 60_000;

/** ROBERT Léa and BONNET Clémence of the fixture; the extraction below puts them at one site. */
const ROBERT = "810434640974";
const BONNET = "810582029384";

/** The fixture with BONNET Clémence practising at ROBERT Léa's structure (a shared MSP site). */
async function extractionWithSharedSite(dir: string): Promise<string> {
  const file = path.join(dir, "PS_LibreAcces_Personne_activite_202612010000.txt");
  await writeFile(
    file,
    mapTable(readFileSync(OLD_PERSONNE_ACTIVITE, "utf8"), (rows) => {
      const header = rows[0]!;
      const national = header.indexOf("Identification nationale PP");
      const structure = header.indexOf("Identifiant technique de la structure");
      const site = rows.find((row) => row[national] === ROBERT)![structure]!;
      return rows.map((row) => {
        if (row[national] !== BONNET) return row;
        const copy = [...row];
        copy[structure] = site;
        return copy;
      });
    }),
  );
  return file;
}

describe(`télé-expertise on ${testStore()}`, () => {
  let server: TestServer;
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  const devices: ConfrereClient[] = [];

  before(async () => {
    server = await startTestServer();
    tmp = await makeTempDir();
    const imported = await runServerCli(
      ["directory", "import", await extractionWithSharedSite(tmp.dir), "--no-deactivate-missing"],
      { env: server.env },
    );
    assert.equal(imported.code, 0, imported.stderr);
  });
  after(async () => {
    for (const device of devices) device.disconnect();
    await server.close();
    await tmp.remove();
  });

  async function device(user: TestUser): Promise<ConfrereClient> {
    const client = await connectDevice(server, user);
    devices.push(client);
    return client;
  }

  async function setNationalId(user: TestUser, nationalId: string): Promise<void> {
    await server.server.ctx.db
      .updateTable("users")
      .set({ national_id: nationalId })
      .where("id", "=", user.userId)
      .execute();
  }

  async function auditOf(expertiseId: string) {
    return server.server.ctx.db
      .selectFrom("audit_events")
      .select(["action", "actor_id", "detail"])
      .where("target_id", "=", expertiseId)
      .orderBy("seq")
      .execute();
  }

  test("a request through all its states: the clinical part travels encrypted, the server keeps states", async () => {
    const alice = await server.createUser({ verified: true, name: "Dr Alice Martin" });
    const bob = await server.createUser({ verified: true, name: "Dr Bruno Cardio" });
    const carol = await server.createUser({ verified: true, name: "Dr Carole Roux" });
    const a = await device(alice);
    const b = await device(bob);
    const conversationId = await a.openDirect(bob.userId);
    const opened = await new CaseBook(a).openCase(conversationId, PATIENT, "consented");
    const desk = new ExpertiseDesk(a);
    const bobDesk = new ExpertiseDesk(b);

    const sent = await desk.request({
      to: bob.userId,
      question: "Souffle systolique : échographie nécessaire ?",
      clinicalContext: "Dyspnée d'effort depuis 3 semaines",
      caseId: opened.caseId,
    });
    assert.equal(sent.state, "sent");
    assert.equal(sent.role, "requerant");
    assert.equal(sent.requisUserId, bob.userId);
    assert.equal(sent.caseId, opened.caseId);
    assert.equal(sent.conversationId, conversationId);
    assert.equal(sent.sameSite, false);
    assert.equal(sent.request?.question, "Souffle systolique : échographie nécessaire ?");

    // Bob's device gets the request over its socket and reads it.
    const received = await eventually(async () => {
      const view = await bobDesk.get(sent.id);
      return view.request ? view : null;
    }, "Bob's device has the request");
    assert.equal(received.role, "requis");
    assert.equal(received.request?.clinicalContext, "Dyspnée d'effort depuis 3 semaines");
    assert.deepEqual(
      (await bob.api.expertises({ role: "requis" })).expertises.map((e) => e.id),
      [sent.id],
    );
    assert.deepEqual((await bob.api.expertises({ role: "requerant" })).expertises, []);

    // Strangers see nothing; only the requis moves it; each step in its order.
    await rejectsWith(carol.api.expertise(sent.id), "EXPERTISE_NOT_FOUND", 404);
    await rejectsWith(carol.api.moveExpertise(sent.id, "accept"), "EXPERTISE_NOT_FOUND", 404);
    assert.deepEqual((await carol.api.expertises()).expertises, []);
    await rejectsWith(alice.api.moveExpertise(sent.id, "accept"), "EXPERTISE_NOT_REQUIS", 403);
    await rejectsWith(bob.api.moveExpertise(sent.id, "answer"), "EXPERTISE_BAD_TRANSITION", 409);
    await rejectsWith(alice.api.moveExpertise(sent.id, "close"), "EXPERTISE_BAD_TRANSITION", 409);

    server.clock.advance(MINUTE);
    const accepted = await bobDesk.accept(sent.id);
    assert.equal(accepted.state, "accepted");
    assert.equal(accepted.acceptedAt, server.clock.now());
    // Accepting again (a retry) changes nothing; answering is still the requis's alone.
    assert.equal((await bobDesk.accept(sent.id)).acceptedAt, accepted.acceptedAt);
    await rejectsWith(alice.api.moveExpertise(sent.id, "answer"), "EXPERTISE_NOT_REQUIS", 403);

    server.clock.advance(MINUTE);
    const answered = await bobDesk.answer(sent.id, "Échographie cardiaque sous 15 jours.");
    assert.equal(answered.state, "answered");
    await rejectsWith(bob.api.moveExpertise(sent.id, "accept"), "EXPERTISE_BAD_TRANSITION", 409);
    const seen = await eventually(async () => {
      const view = await desk.get(sent.id);
      return view.conclusion ? view : null;
    }, "Alice's device has the conclusion");
    assert.equal(seen.conclusion?.text, "Échographie cardiaque sous 15 jours.");
    assert.equal(seen.conclusion?.by, bob.userId);

    server.clock.advance(MINUTE);
    const closed = await desk.close(sent.id);
    assert.equal(closed.state, "closed");
    assert.ok(closed.sentAt < closed.acceptedAt! && closed.acceptedAt! < closed.answeredAt!);
    assert.ok(closed.answeredAt! < closed.closedAt!);
    await rejectsWith(bob.api.moveExpertise(sent.id, "decline"), "EXPERTISE_BAD_TRANSITION", 409);

    // The case's export holds the request, the states and the conclusion.
    const dossier = await new CaseBook(a).dossier(opened.caseId);
    assert.equal(dossier.expertises.length, 1);
    assert.equal(dossier.expertises[0]?.conclusion?.text, "Échographie cardiaque sous 15 jours.");
    assert.deepEqual(
      dossier.expertises[0]?.states.map((s) => s.state),
      ["accepted", "closed"],
    );

    // Billing: each side gets the act of its role.
    const forBob = await bobDesk.billingAdvice(sent.id);
    assert.equal(forBob.role, "requis");
    assert.deepEqual(
      forBob.acts.map((act) => act.code),
      ["TE2"],
    );
    assert.equal(forBob.isBillable, true);
    assert.equal(forBob.requestsInLast12Months, 1);
    const forAlice = await desk.billingAdvice(sent.id);
    assert.deepEqual(
      forAlice.acts.map((act) => [act.code, act.euros]),
      [["RQD", 10]],
    );

    // The trail: each transition, by whom, ids only.
    const events = await auditOf(sent.id);
    assert.deepEqual(
      events.map((e) => [e.action, e.actor_id]),
      [
        ["expertise.requested", alice.userId],
        ["expertise.accepted", bob.userId],
        ["expertise.answered", bob.userId],
        ["expertise.closed", alice.userId],
      ],
    );
    const trail = JSON.stringify(events);
    for (const secret of ["Souffle", "Dyspnée", "Échographie", PATIENT.kind === "ins" ? PATIENT.ins : ""]) {
      assert.ok(!trail.includes(secret), `the audit trail holds "${secret}"`);
    }
  });

  test("a declined request carries its reason encrypted; it is not billable", async () => {
    const alice = await server.createUser({ verified: true, name: "Dr Alice Declin" });
    const bob = await server.createUser({ verified: true, name: "Dr Bruno Declin" });
    const a = await device(alice);
    const b = await device(bob);
    const desk = new ExpertiseDesk(a);
    const sent = await desk.request({ to: bob.userId, question: "Avis sur un nodule thyroïdien ?" });
    const bobDesk = new ExpertiseDesk(b);
    await eventually(async () => (await bobDesk.get(sent.id)).request, "Bob has the request");
    const declined = await bobDesk.decline(sent.id, "Hors de mon domaine : adresser en endocrinologie");
    assert.equal(declined.state, "declined");
    assert.ok(declined.declinedAt !== null);
    const seen = await eventually(async () => {
      const view = await desk.get(sent.id);
      return view.declineReason ? view : null;
    }, "Alice has the reason");
    assert.equal(seen.declineReason, "Hors de mon domaine : adresser en endocrinologie");
    await rejectsWith(bob.api.moveExpertise(sent.id, "answer"), "EXPERTISE_BAD_TRANSITION", 409);
    await rejectsWith(bob.api.moveExpertise(sent.id, "accept"), "EXPERTISE_BAD_TRANSITION", 409);
    const advice = await bobDesk.billingAdvice(sent.id);
    assert.equal(advice.isBillable, false);
    assert.deepEqual(advice.warnings, ["declined"]);
    assert.equal((await desk.close(sent.id)).state, "closed");
    assert.deepEqual(
      (await auditOf(sent.id)).map((e) => e.action),
      ["expertise.requested", "expertise.declined", "expertise.closed"],
    );
  });

  test("bad requests get their codes", async () => {
    const alice = await server.createUser({ verified: true });
    const bob = await server.createUser({ verified: true });
    const carol = await server.createUser({ verified: true });
    const a = await device(alice);
    await device(bob);
    const conversationId = await a.openDirect(bob.userId);
    const other = await a.openDirect(carol.userId);
    const openedElsewhere = await new CaseBook(a).openCase(
      other,
      { kind: "label", label: "Lit 4" },
      "informed",
    );
    const base = { id: "exp_validation01", conversationId, urgency: "routine" as const };
    await rejectsWith(
      alice.api.requestExpertise({ ...base, requisUserId: bob.userId, serviceId: "svc_x" }),
      "VALIDATION_FAILED",
      400,
    );
    await rejectsWith(alice.api.requestExpertise(base), "VALIDATION_FAILED", 400);
    await rejectsWith(
      alice.api.requestExpertise({ ...base, requisUserId: carol.userId }),
      "EXPERTISE_REQUIS_INVALID",
      400,
    );
    await rejectsWith(
      alice.api.requestExpertise({ ...base, requisUserId: alice.userId }),
      "EXPERTISE_REQUIS_INVALID",
      400,
    );
    await rejectsWith(
      alice.api.requestExpertise({ ...base, requisUserId: bob.userId, caseId: openedElsewhere.caseId }),
      "CASE_NOT_FOUND",
      404,
    );
    await rejectsWith(
      carol.api.requestExpertise({ ...base, requisUserId: bob.userId }),
      "CONVERSATION_NOT_FOUND",
      404,
    );
    await rejectsWith(
      alice.api.requestExpertise({ ...base, id: "x", requisUserId: bob.userId }),
      "VALIDATION_FAILED",
      400,
    );
    // Idempotent by id; the same id for anything else is taken.
    const first = await alice.api.requestExpertise({ ...base, requisUserId: bob.userId });
    const again = await alice.api.requestExpertise({ ...base, requisUserId: bob.userId });
    assert.deepEqual(again, first);
    await rejectsWith(
      alice.api.requestExpertise({ ...base, conversationId: other, requisUserId: carol.userId }),
      "EXPERTISE_ID_TAKEN",
      409,
    );
    await rejectsWith(alice.api.expertises({ state: "nope" as "sent" }), "VALIDATION_FAILED", 400);
    await rejectsWith(server.client().expertises(), "AUTH_REQUIRED", 401);
    const unverified = await server.createUser({ verified: false });
    await rejectsWith(unverified.api.expertises(), "PROFESSIONAL_VERIFICATION_REQUIRED", 403);
    await rejectsWith(unverified.api.expertise(first.id), "PROFESSIONAL_VERIFICATION_REQUIRED", 403);
  });

  test("a request to a service: the on-call staff is alerted, a roster member takes it on", async () => {
    const operator = await server.createUser({ operator: true, verified: true });
    const admin = await server.createUser({ verified: true, name: "Admin CH" });
    const dave = await server.createUser({ verified: true, name: "Dr Dave Cardio" });
    const erin = await server.createUser({ verified: true, name: "Dr Erin Cardio" });
    const doctor = await server.createUser({ verified: true, name: "Dr Denis Généraliste" });
    const stranger = await server.createUser({ verified: true });
    const { organisation } = await operator.api.createOrganisation({
      kind: "establishment",
      finess: withLuhnKey("89000004"),
      name: "CH Sens",
    });
    await operator.api.addOrganisationAdmin(organisation.id, admin.userId);
    const { service } = await admin.api.createService(organisation.id, "Cardiologie");
    await admin.api.setServiceRoster(service.id, [dave.userId, erin.userId]);
    const now = server.clock.now();
    await admin.api.setOnCallSchedule(service.id, {
      escalationMinutes: 10,
      shifts: [{ userId: dave.userId, start: now - MINUTE, end: now + 12 * 60 * MINUTE }],
    });
    const d = await device(doctor);
    const dv = await device(dave);
    const e = await device(erin);

    const sent = await new ExpertiseDesk(d).request({
      to: { serviceId: service.id },
      question: "Douleur thoracique atypique, avis rapide ?",
      urgency: "urgent",
    });
    assert.equal(sent.serviceId, service.id);
    assert.equal(sent.requisUserId, null);
    assert.equal(sent.urgency, "urgent");
    // Urgent: whoever is on call is alerted first, not the whole roster.
    assert.equal((await dave.api.urgentAlerts()).alerts.length, 1);
    assert.deepEqual((await erin.api.urgentAlerts()).alerts, []);
    // Every roster member sees it as requis; a stranger does not.
    for (const member of [dave, erin]) {
      assert.deepEqual(
        (await member.api.expertises({ role: "requis", state: "sent" })).expertises.map((x) => x.id),
        [sent.id],
      );
    }
    await rejectsWith(stranger.api.expertise(sent.id), "EXPERTISE_NOT_FOUND", 404);

    const erinDesk = new ExpertiseDesk(e);
    const seen = await eventually(async () => {
      const view = await erinDesk.get(sent.id);
      return view.request ? view : null;
    }, "Erin's device has the request");
    assert.equal(seen.role, "service-staff");
    const accepted = await erinDesk.accept(sent.id);
    assert.equal(accepted.requisUserId, erin.userId);
    assert.equal(accepted.role, "requis");
    // The request is Erin's now: Dave can neither take it nor answer it.
    await rejectsWith(new ExpertiseDesk(dv).accept(sent.id), "EXPERTISE_NOT_REQUIS", 403);
    await rejectsWith(dave.api.moveExpertise(sent.id, "answer"), "EXPERTISE_NOT_REQUIS", 403);
    assert.deepEqual((await dave.api.expertises({ role: "requis" })).expertises, []);
    // Two roster members taking the same request at once: one wins, the other is told.
    const contested = await new ExpertiseDesk(d).request({
      to: { serviceId: service.id },
      question: "Autre avis ?",
    });
    const outcomes = await Promise.allSettled([
      dave.api.moveExpertise(contested.id, "accept"),
      erin.api.moveExpertise(contested.id, "accept"),
    ]);
    const winners = outcomes.filter((o) => o.status === "fulfilled");
    assert.equal(winners.length, 1);
    const loser = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult;
    assert.ok(["EXPERTISE_BAD_TRANSITION", "EXPERTISE_NOT_REQUIS"].includes(loser.reason.code));
    assert.equal((await doctor.api.expertise(contested.id)).requisUserId, winners[0]!.value.requisUserId);

    const answered = await erinDesk.answer(sent.id, "ECG et troponine, puis rappeler.");
    assert.equal(answered.state, "answered");
    assert.deepEqual(
      (await auditOf(sent.id)).map((x) => [x.action, x.actor_id]),
      [
        ["expertise.requested", doctor.userId],
        ["expertise.accepted", erin.userId],
        ["expertise.answered", erin.userId],
      ],
    );
  });

  test("the yearly limit: a 5th request for one patient to one requis within 12 months is not billable", async () => {
    const alice = await server.createUser({ verified: true, name: "Dr Alice Limite" });
    const bob = await server.createUser({ verified: true, name: "Dr Bruno Limite" });
    const a = await device(alice);
    const b = await device(bob);
    const direct = await a.openDirect(bob.userId);
    const group = await a.createGroup("RCP", [bob.userId]);
    const book = new CaseBook(a);
    // The same patient in two cases of two conversations: recognised by the INS.
    const first = await book.openCase(direct, PATIENT, "consented");
    const second = await book.openCase(group, PATIENT, "consented");
    const otherPatient = await book.openCase(
      direct,
      { kind: "label", label: "Patient du lit 12" },
      "informed",
    );
    const desk = new ExpertiseDesk(a);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      server.clock.advance(MINUTE);
      const sent = await desk.request({
        to: bob.userId,
        question: `Question ${i + 1}`,
        caseId: i % 2 === 0 ? first.caseId : second.caseId,
      });
      ids.push(sent.id);
    }
    server.clock.advance(MINUTE);
    const unrelated = await desk.request({
      to: bob.userId,
      question: "Autre patient",
      caseId: otherPatient.caseId,
    });

    const fourth = await desk.billingAdvice(ids[3]!);
    assert.equal(fourth.isPatientKnown, true);
    assert.equal(fourth.requestsInLast12Months, 4);
    assert.equal(fourth.isYearlyLimitReached, false);
    assert.equal(fourth.isBillable, true);
    const fifth = await desk.billingAdvice(ids[4]!);
    assert.equal(fifth.isPatientKnown, true);
    assert.equal(fifth.requestsInLast12Months, 5);
    assert.equal(fifth.isYearlyLimitReached, true);
    assert.equal(fifth.isBillable, false);
    assert.deepEqual(fifth.warnings, ["yearly-limit"]);
    assert.equal((await desk.billingAdvice(unrelated.id)).requestsInLast12Months, 1);

    // The requis's device counts the same, from the cases it can read.
    const bobDesk = new ExpertiseDesk(b);
    await eventually(async () => (await bobDesk.get(ids[4]!)).request, "Bob has the 5th request");
    const forBob = await bobDesk.billingAdvice(ids[4]!);
    assert.equal(forBob.role, "requis");
    assert.equal(forBob.isYearlyLimitReached, true);

    // A declined request is not billed: it does not count either.
    await bobDesk.decline(ids[0]!, "Déjà vu");
    const afterDecline = await desk.billingAdvice(ids[4]!);
    assert.equal(afterDecline.requestsInLast12Months, 4);
    assert.equal(afterDecline.isYearlyLimitReached, false);

    // Twelve rolling months: a request older than that no longer counts.
    const thirteenMonthsAgo = new Date(server.clock.now());
    thirteenMonthsAgo.setUTCMonth(thirteenMonthsAgo.getUTCMonth() - 13);
    await server.server.ctx.db
      .updateTable("tele_expertises")
      .set({ sent_at: thirteenMonthsAgo.getTime() })
      .where("id", "=", ids[1]!)
      .execute();
    assert.equal((await desk.billingAdvice(ids[4]!)).requestsInLast12Months, 3);
    assert.equal((await desk.billingAdvice(ids[1]!)).requestsInLast12Months, 1);
  });

  test("professionals of one site: the request is flagged as not billable", async () => {
    const alice = await server.createUser({ verified: true, name: "Dr Clémence Bonnet" });
    const bob = await server.createUser({ verified: true, name: "Dr Léa Robert" });
    const carol = await server.createUser({ verified: true, name: "Dr Ailleurs" });
    await setNationalId(alice, BONNET);
    await setNationalId(bob, ROBERT);
    await setNationalId(carol, "810785900399");
    const a = await device(alice);
    await device(bob);
    await device(carol);
    const desk = new ExpertiseDesk(a);
    const sameSite = await desk.request({ to: bob.userId, question: "Avis ?" });
    assert.equal(sameSite.sameSite, true);
    const advice = await desk.billingAdvice(sameSite.id);
    assert.equal(advice.isSameSite, true);
    assert.equal(advice.isBillable, false);
    assert.ok(advice.warnings.includes("same-site"));
    const elsewhere = await desk.request({ to: carol.userId, question: "Avis ?" });
    assert.equal(elsewhere.sameSite, false);
    assert.equal((await desk.billingAdvice(elsewhere.id)).isSameSite, false);
  });
});
