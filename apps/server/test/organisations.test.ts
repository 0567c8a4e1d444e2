import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  connectDevice,
  eventually,
  rejectsWith,
  runServerCli,
  scratchDatabase,
  startTestServer,
  type TestServer,
  type TestUser,
  testStore,
} from "@confrere/dev-env";
import { type Organisation, withLuhnKey } from "@confrere/protocol";
import type { ConfrereClient } from "@confrere/sdk";
import { migrate } from "@confrere/server";
import { OLD_PERSONNE_ACTIVITE } from "../src/directory/test-support.ts";
import { userRow } from "./support/user-row.ts";

/** From the directory fixture: CENTRE HOSPITALIER DE AUXERRE, commune 89024 AUXERRE. */
const CH_AUXERRE = "898798715";
/** THOMAS Anaïs, médecin at TONNERRE (89405); ROBERT Léa, sage-femme at DIJON (21231). */
const THOMAS = "810619676926";
const ROBERT = "810434640974";
/** LAURENT Noé, infirmier at TONNERRE. */
const LAURENT = "810311327232";

describe(`establishments, services, rosters and territories on ${testStore()}`, () => {
  let server: TestServer;
  let operator: TestUser;
  /** The establishment's administrator: an account without a verified professional identity (IT staff). */
  let admin: TestUser;
  /** Cardiology staff. */
  let anne: TestUser;
  let basile: TestUser;
  /** A verified professional outside the establishment. */
  let doctor: TestUser;
  let unverified: TestUser;
  let hospital: Organisation;
  let cardiologyId: string;
  const clients: ConfrereClient[] = [];

  before(async () => {
    server = await startTestServer();
    const imported = await runServerCli(
      ["directory", "import", OLD_PERSONNE_ACTIVITE, "--no-deactivate-missing"],
      {
        env: server.env,
      },
    );
    assert.equal(imported.code, 0, imported.stderr);
    operator = await server.createUser({ operator: true, verified: true, name: "Opératrice" });
    admin = await server.createUser({ name: "Admin CH Auxerre" });
    anne = await server.createUser({ verified: true, name: "Dr Anne Cardio" });
    basile = await server.createUser({ verified: true, name: "Dr Basile Cardio" });
    doctor = await server.createUser({ verified: true, name: "Dr Denis Généraliste" });
    unverified = await server.createUser({ name: "Pas encore vérifié" });
  });
  after(async () => {
    for (const client of clients) client.disconnect();
    await server.close();
  });

  test("an operator creates an establishment from a FINESS of the directory: its name and commune come from there", async () => {
    const { organisation } = await operator.api.createOrganisation({
      kind: "establishment",
      finess: CH_AUXERRE,
    });
    hospital = organisation;
    assert.equal(organisation.kind, "establishment");
    assert.equal(organisation.name, "CENTRE HOSPITALIER DE AUXERRE");
    assert.equal(organisation.finess, CH_AUXERRE);
    assert.equal(organisation.communeCode, "89024");
    assert.equal(organisation.communeLabel, "AUXERRE");
    assert.equal(organisation.departement, "89");
    assert.equal(organisation.sponsored, false);
    assert.deepEqual(organisation.perimeter, { communes: [], departements: [] });
    await rejectsWith(
      operator.api.createOrganisation({ kind: "establishment", finess: CH_AUXERRE }),
      "CONFLICT",
      409,
    );
  });

  test("a wrong FINESS gets its own code; a FINESS unknown to the directory needs a name", async () => {
    await rejectsWith(
      operator.api.createOrganisation({ kind: "establishment", finess: "898798716" }),
      "FINESS_INVALID_KEY",
      400,
    );
    await rejectsWith(
      operator.api.createOrganisation({ kind: "establishment", finess: "89879871" }),
      "FINESS_INVALID_LENGTH",
      400,
    );
    await rejectsWith(
      operator.api.createOrganisation({ kind: "establishment", finess: "20A000000" }),
      "FINESS_INVALID_CHARACTERS",
      400,
    );
    const unknown = withLuhnKey("89000001");
    await rejectsWith(
      operator.api.createOrganisation({ kind: "establishment", finess: unknown }),
      "ORGANISATION_NAME_REQUIRED",
      400,
    );
    const { organisation } = await operator.api.createOrganisation({
      kind: "establishment",
      finess: unknown,
      name: "Maison de santé de Chablis",
    });
    assert.equal(organisation.name, "Maison de santé de Chablis");
    assert.equal(organisation.communeLabel, null);
    assert.equal(organisation.departement, "89");
    // An unknown field or kind is refused by the schema.
    await rejectsWith(
      operator.api.request("POST", "/api/v1/admin/organisations", {
        kind: "establishment",
        finess: unknown,
        communes: ["89024"],
      }),
      "VALIDATION_FAILED",
      400,
    );
  });

  test("only operators create and list organisations", async () => {
    await rejectsWith(
      doctor.api.createOrganisation({ kind: "establishment", finess: withLuhnKey("89000002"), name: "X" }),
      "OPERATOR_ONLY",
      403,
    );
    await rejectsWith(doctor.api.listOrganisations(), "OPERATOR_ONLY", 403);
    await rejectsWith(server.client().listOrganisations(), "AUTH_REQUIRED", 401);
  });

  test("the operator names an administrator, who creates services; names are unique per establishment, case and accents aside", async () => {
    const named = await operator.api.addOrganisationAdmin(hospital.id, admin.userId);
    assert.equal(named.member.role, "admin");
    assert.equal(named.member.isVerified, false);
    const mine = await admin.api.myOrganisations();
    assert.deepEqual(
      mine.organisations.map((o) => [o.organisation.id, o.role]),
      [[hospital.id, "admin"]],
    );
    assert.equal((await admin.api.organisation(hospital.id)).myRole, "admin");
    assert.equal((await operator.api.organisation(hospital.id)).myRole, "operator");
    await rejectsWith(doctor.api.organisation(hospital.id), "FORBIDDEN", 403);

    const cardiology = await admin.api.createService(hospital.id, "Cardiologie");
    cardiologyId = cardiology.service.id;
    assert.equal(cardiology.service.name, "Cardiologie");
    assert.equal(cardiology.service.rosterSize, 0);
    const urgences = await admin.api.createService(hospital.id, "  Urgences  ");
    assert.equal(urgences.service.name, "Urgences");
    await admin.api.createService(hospital.id, "Pharmacie");
    for (const taken of ["Cardiologie", "CARDIOLOGIE", " cardiologie ", "Cardiologíe"]) {
      await rejectsWith(admin.api.createService(hospital.id, taken), "CONFLICT", 409);
    }
    await rejectsWith(admin.api.createService(hospital.id, "—"), "VALIDATION_FAILED", 400);
    await rejectsWith(admin.api.createService(hospital.id, "x".repeat(81)), "VALIDATION_FAILED", 400);

    const renamed = await admin.api.renameService(urgences.service.id, "Urgences adultes");
    assert.equal(renamed.service.name, "Urgences adultes");
    await rejectsWith(admin.api.renameService(urgences.service.id, "cardiologie"), "CONFLICT", 409);
    // Renaming to its own name in another case is not a clash with itself.
    assert.equal(
      (await admin.api.renameService(urgences.service.id, "URGENCES ADULTES")).service.name,
      "URGENCES ADULTES",
    );

    const pharmacy = (await admin.api.organisationServices(hospital.id)).services.find(
      (s) => s.name === "Pharmacie",
    )!;
    await admin.api.deleteService(pharmacy.id);
    await rejectsWith(admin.api.deleteService(pharmacy.id), "SERVICE_NOT_FOUND", 404);
    assert.deepEqual(
      (await admin.api.organisationServices(hospital.id)).services.map((s) => s.name),
      ["Cardiologie", "URGENCES ADULTES"],
    );
  });

  test("the administrator sets the roster: verified staff only, who become members", async () => {
    await rejectsWith(
      admin.api.setServiceRoster(cardiologyId, [anne.userId, unverified.userId]),
      "ORGANISATION_USER_NOT_VERIFIED",
      409,
    );
    await rejectsWith(
      admin.api.setServiceRoster(cardiologyId, [anne.userId, "no-such-user-id"]),
      "USER_NOT_FOUND",
      404,
    );
    // The refusals changed nothing.
    assert.deepEqual((await operator.api.serviceRoster(cardiologyId)).roster, []);
    assert.equal((await admin.api.organisationMembers(hospital.id)).members.length, 1);

    const { roster, service } = await admin.api.setServiceRoster(cardiologyId, [
      anne.userId,
      basile.userId,
      anne.userId,
    ]);
    assert.deepEqual(
      roster.map((r) => r.displayName),
      ["Dr Anne Cardio", "Dr Basile Cardio"],
    );
    assert.equal(service.rosterSize, 2);
    const members = (await admin.api.organisationMembers(hospital.id)).members;
    assert.deepEqual(
      members.map((m) => [m.userId, m.role, m.isVerified]).sort(),
      [
        [admin.userId, "admin", false],
        [anne.userId, "member", true],
        [basile.userId, "member", true],
      ].sort(),
    );
    // Add and remove one.
    const added = await admin.api.addToServiceRoster(cardiologyId, doctor.userId);
    assert.equal(added.roster.length, 3);
    const removed = await admin.api.removeFromServiceRoster(cardiologyId, doctor.userId);
    assert.deepEqual(removed.roster.map((r) => r.userId).sort(), [anne.userId, basile.userId].sort());
    // Doctor stays a member of the establishment; removing the membership is separate.
    await admin.api.removeOrganisationMember(hospital.id, doctor.userId);
    await rejectsWith(admin.api.removeOrganisationMember(hospital.id, doctor.userId), "NOT_A_MEMBER", 404);
    await rejectsWith(admin.api.removeOrganisationMember(hospital.id, admin.userId), "CONFLICT", 409);
  });

  test("someone who is not an administrator gets 403 ORGANISATION_ADMIN_REQUIRED on the administrators' routes", async () => {
    for (const who of [doctor, anne]) {
      await rejectsWith(who.api.createService(hospital.id, "Neurologie"), "ORGANISATION_ADMIN_REQUIRED", 403);
      await rejectsWith(who.api.renameService(cardiologyId, "Cardio"), "ORGANISATION_ADMIN_REQUIRED", 403);
      await rejectsWith(who.api.deleteService(cardiologyId), "ORGANISATION_ADMIN_REQUIRED", 403);
      await rejectsWith(
        who.api.setServiceRoster(cardiologyId, [who.userId]),
        "ORGANISATION_ADMIN_REQUIRED",
        403,
      );
      await rejectsWith(
        who.api.addToServiceRoster(cardiologyId, who.userId),
        "ORGANISATION_ADMIN_REQUIRED",
        403,
      );
      await rejectsWith(who.api.organisationMembers(hospital.id), "ORGANISATION_ADMIN_REQUIRED", 403);
      await rejectsWith(
        who.api.addOrganisationMember(hospital.id, who.userId),
        "ORGANISATION_ADMIN_REQUIRED",
        403,
      );
      await rejectsWith(who.api.organisationStats(hospital.id), "ORGANISATION_ADMIN_REQUIRED", 403);
      await rejectsWith(who.api.addOrganisationAdmin(hospital.id, who.userId), "OPERATOR_ONLY", 403);
      await rejectsWith(who.api.updateOrganisation(hospital.id, { name: "Mine" }), "OPERATOR_ONLY", 403);
    }
    // A member sees the organisation and its services, not the administrators' views.
    assert.equal((await anne.api.organisation(hospital.id)).myRole, "member");
    assert.equal((await anne.api.organisationServices(hospital.id)).services.length, 2);
    await rejectsWith(admin.api.createService("no-such-organisation", "X"), "ORGANISATION_NOT_FOUND", 404);
    // Administering is not being a verified professional: the professionals' routes stay closed.
    await rejectsWith(admin.api.serviceRoster(cardiologyId), "PROFESSIONAL_VERIFICATION_REQUIRED", 403);
    await rejectsWith(doctor.api.serviceRoster("no-such-service"), "SERVICE_NOT_FOUND", 404);
  });

  test("a verified professional finds the service by 'cardio <commune>' and reads its roster; an unverified one may not search", async () => {
    const { results } = await doctor.api.searchServices({ q: "cardio auxerre" });
    assert.deepEqual(results, [
      {
        id: cardiologyId,
        name: "Cardiologie",
        organisationId: hospital.id,
        establishmentName: "CENTRE HOSPITALIER DE AUXERRE",
        commune: "AUXERRE",
        departement: "89",
        rosterSize: 2,
      },
    ]);
    for (const q of [
      "CARDIO Auxerre",
      "cardiologie 89",
      "auxerre cardio",
      "hospitalier cardio",
      "Cardiologie  89024",
    ]) {
      assert.deepEqual(
        (await doctor.api.searchServices({ q })).results.map((r) => r.id),
        [cardiologyId],
        q,
      );
    }
    // Every word must start a word: "ardio" and "cardio dijon" find nothing.
    assert.deepEqual((await doctor.api.searchServices({ q: "ardio" })).results, []);
    assert.deepEqual((await doctor.api.searchServices({ q: "cardio dijon" })).results, []);
    assert.deepEqual(
      (await doctor.api.searchServices({ q: "auxerre" })).results.map((r) => r.name),
      ["Cardiologie", "URGENCES ADULTES"],
    );
    await rejectsWith(doctor.api.searchServices({ q: "%_" }), "VALIDATION_FAILED", 400);

    await rejectsWith(
      unverified.api.searchServices({ q: "cardio auxerre" }),
      "PROFESSIONAL_VERIFICATION_REQUIRED",
      403,
    );
    await rejectsWith(unverified.api.serviceRoster(cardiologyId), "PROFESSIONAL_VERIFICATION_REQUIRED", 403);
    await rejectsWith(server.client().searchServices({ q: "cardio" }), "AUTH_REQUIRED", 401);

    const { roster, service } = await doctor.api.serviceRoster(cardiologyId);
    assert.equal(service.establishmentName, "CENTRE HOSPITALIER DE AUXERRE");
    assert.deepEqual(
      roster.map((r) => [r.userId, r.displayName]),
      [
        [anne.userId, "Dr Anne Cardio"],
        [basile.userId, "Dr Basile Cardio"],
      ],
    );
  });

  test("a message to the service reaches the staff on its roster, end-to-end encrypted", async () => {
    const d = await connectDevice(server, doctor);
    const a = await connectDevice(server, anne);
    const b = await connectDevice(server, basile);
    clients.push(d, a, b);
    const conversationId = await d.openServiceConversation(cardiologyId);
    await d.sendText(conversationId, "Bonjour, un avis pour un patient demain ?");
    for (const [client, who] of [
      [a, "Anne"],
      [b, "Basile"],
    ] as const) {
      const received = await eventually(async () => {
        const messages = await client.messages(conversationId);
        return messages.find((m) => m.content.type === "text") ?? null;
      }, `${who} reads the message to the service`);
      assert.equal(
        received.content.type === "text" && received.content.text,
        "Bonjour, un avis pour un patient demain ?",
      );
      const info = (await client.messages(conversationId)).find((m) => m.content.type === "group-info");
      assert.equal(
        info?.content.type === "group-info" && info.content.name,
        "Cardiologie — CENTRE HOSPITALIER DE AUXERRE",
      );
    }
    const { conversation } = await d.api.conversation(conversationId);
    assert.deepEqual(
      conversation.members.map((m) => m.userId).sort(),
      [doctor.userId, anne.userId, basile.userId].sort(),
    );
    // A service nobody else staffs cannot be written to.
    const empty = await admin.api.createService(hospital.id, "Radiologie");
    await rejectsWith(d.openServiceConversation(empty.service.id), "SERVICE_ROSTER_EMPTY", 409);
    await admin.api.deleteService(empty.service.id);
  });

  test("the administrators' statistics are counts only: exact keys, no message and no pair of people", async () => {
    const stats = await admin.api.organisationStats(hospital.id);
    assert.deepEqual(Object.keys(stats).sort(), [
      "admins",
      "byProfession",
      "members",
      "rosterSizes",
      "services",
      "verifiedMembers",
    ]);
    assert.deepEqual(stats, {
      members: 3,
      verifiedMembers: 2,
      admins: 1,
      // No account of the establishment is linked to the directory.
      byProfession: [{ code: null, label: null, count: 3 }],
      services: 2,
      rosterSizes: [
        { serviceId: cardiologyId, name: "Cardiologie", size: 2 },
        { serviceId: stats.rosterSizes[1]!.serviceId, name: "URGENCES ADULTES", size: 0 },
      ],
    });
    for (const entry of stats.rosterSizes)
      assert.deepEqual(Object.keys(entry).sort(), ["name", "serviceId", "size"]);
    for (const entry of stats.byProfession)
      assert.deepEqual(Object.keys(entry).sort(), ["code", "count", "label"]);
    const text = JSON.stringify(stats);
    for (const id of [doctor.userId, anne.userId, basile.userId, admin.userId]) assert.ok(!text.includes(id));
    assert.equal((await operator.api.organisationStats(hospital.id)).members, 3);

    const listed = await operator.api.listOrganisations({ kind: "establishment", q: "auxerre" });
    assert.deepEqual(
      listed.organisations.map((o) => [o.organisation.id, o.counts]),
      [[hospital.id, { admins: 1, members: 3, services: 2 }]],
    );
  });

  test("territories: a perimeter of checked codes, members practising inside it, sponsorship", async () => {
    await rejectsWith(
      operator.api.createOrganisation({
        kind: "territory",
        territoryType: "cpts",
        name: "CPTS",
        communes: ["8940"],
      }),
      "COMMUNE_CODE_INVALID",
      400,
    );
    await rejectsWith(
      operator.api.createOrganisation({
        kind: "territory",
        territoryType: "cpts",
        name: "CPTS",
        communes: ["20004"],
      }),
      "COMMUNE_CODE_INVALID",
      400,
    );
    await rejectsWith(
      operator.api.createOrganisation({
        kind: "territory",
        territoryType: "departement",
        name: "Corse",
        departements: ["20"],
      }),
      "DEPARTEMENT_CODE_INVALID",
      400,
    );
    await rejectsWith(
      operator.api.createOrganisation({ kind: "territory", territoryType: "cpts", name: "CPTS" }),
      "TERRITORY_PERIMETER_REQUIRED",
      400,
    );
    await rejectsWith(
      operator.api.createOrganisation({
        kind: "territory",
        territoryType: "cpts",
        name: "   ",
        communes: ["89405"],
      }),
      "VALIDATION_FAILED",
      400,
    );
    const { organisation: cpts } = await operator.api.createOrganisation({
      kind: "territory",
      territoryType: "cpts",
      name: "CPTS du Tonnerrois",
      communes: ["89405", " 89025", "89405", "2a004"],
      sponsored: true,
    });
    assert.equal(cpts.territoryType, "cpts");
    assert.equal(cpts.sponsored, true);
    assert.deepEqual(cpts.perimeter, { communes: ["2A004", "89025", "89405"], departements: [] });

    const coordinator = await server.createUser({ name: "Coordinatrice CPTS" });
    await operator.api.addOrganisationAdmin(cpts.id, coordinator.userId);
    const thomas = await server.createUser({ name: "Dr Anaïs Thomas" });
    const laurent = await server.createUser({ name: "Noé Laurent" });
    const robert = await server.createUser({ name: "Léa Robert" });
    await operator.api.verifyIdentity(thomas.userId, undefined, THOMAS);
    await operator.api.verifyIdentity(laurent.userId, undefined, LAURENT);
    await operator.api.verifyIdentity(robert.userId, undefined, ROBERT);

    await coordinator.api.addOrganisationMember(cpts.id, thomas.userId);
    await coordinator.api.addOrganisationMember(cpts.id, laurent.userId);
    // Idempotent.
    assert.equal((await coordinator.api.addOrganisationMember(cpts.id, thomas.userId)).member.role, "member");
    await rejectsWith(
      coordinator.api.addOrganisationMember(cpts.id, robert.userId),
      "TERRITORY_MEMBER_OUTSIDE_PERIMETER",
      409,
    );
    await rejectsWith(
      coordinator.api.addOrganisationMember(cpts.id, robert.userId, { overridePerimeter: true }),
      "OPERATOR_ONLY",
      403,
    );
    await rejectsWith(
      coordinator.api.addOrganisationMember(cpts.id, unverified.userId),
      "ORGANISATION_USER_NOT_VERIFIED",
      409,
    );
    // An account verified without a directory link cannot be placed: it is let in.
    await coordinator.api.addOrganisationMember(cpts.id, doctor.userId);
    // A département in the perimeter lets Robert (Dijon, 21) in.
    const widened = await operator.api.updateOrganisation(cpts.id, { departements: ["21"] });
    assert.deepEqual(widened.organisation.perimeter, {
      communes: ["2A004", "89025", "89405"],
      departements: ["21"],
    });
    await coordinator.api.addOrganisationMember(cpts.id, robert.userId);
    await coordinator.api.removeOrganisationMember(cpts.id, robert.userId);
    await operator.api.updateOrganisation(cpts.id, { departements: [] });
    await rejectsWith(
      coordinator.api.addOrganisationMember(cpts.id, robert.userId),
      "TERRITORY_MEMBER_OUTSIDE_PERIMETER",
      409,
    );
    await operator.api.addOrganisationMember(cpts.id, robert.userId, { overridePerimeter: true });

    assert.deepEqual(
      (await thomas.api.myOrganisations()).organisations.map((o) => [o.organisation.name, o.role]),
      [["CPTS du Tonnerrois", "member"]],
    );
    const stats = await coordinator.api.organisationStats(cpts.id);
    assert.deepEqual(stats, {
      members: 5,
      verifiedMembers: 4,
      admins: 1,
      byProfession: [
        { code: "10", label: "Médecin", count: 1 },
        { code: "50", label: "Sage-femme", count: 1 },
        { code: "60", label: "Infirmier", count: 1 },
        { code: null, label: null, count: 2 },
      ].sort((a, b) => (a.code === null ? 1 : b.code === null ? -1 : a.code.localeCompare(b.code))),
      services: 0,
      rosterSizes: [],
    });
    await rejectsWith(
      coordinator.api.createService(cpts.id, "Cardiologie"),
      "ORGANISATION_NOT_AN_ESTABLISHMENT",
      409,
    );
    await rejectsWith(
      operator.api.updateOrganisation(hospital.id, { sponsored: true }),
      "ORGANISATION_NOT_A_TERRITORY",
      409,
    );
    await rejectsWith(
      operator.api.updateOrganisation(cpts.id, { communes: [], departements: [] }),
      "TERRITORY_PERIMETER_REQUIRED",
      400,
    );
    await rejectsWith(
      operator.api.updateOrganisation(cpts.id, { communes: ["8940A"] }),
      "COMMUNE_CODE_INVALID",
      400,
    );
    const renamed = await operator.api.updateOrganisation(cpts.id, {
      name: "CPTS Tonnerre-Avallon",
      sponsored: false,
    });
    assert.equal(renamed.organisation.name, "CPTS Tonnerre-Avallon");
    assert.equal(renamed.organisation.sponsored, false);
    assert.deepEqual(renamed.organisation.perimeter, {
      communes: ["2A004", "89025", "89405"],
      departements: [],
    });
  });

  test("the last administrator is kept unless an operator confirms; a former administrator loses the rights at once", async () => {
    const second = await server.createUser({ name: "Second admin" });
    await operator.api.addOrganisationAdmin(hospital.id, second.userId);
    await operator.api.removeOrganisationAdmin(hospital.id, second.userId);
    // They stay a member, without the administrators' rights.
    assert.equal((await second.api.organisation(hospital.id)).myRole, "member");
    await rejectsWith(second.api.organisationStats(hospital.id), "ORGANISATION_ADMIN_REQUIRED", 403);
    await rejectsWith(operator.api.removeOrganisationAdmin(hospital.id, second.userId), "NOT_AN_ADMIN", 404);
    await rejectsWith(
      operator.api.removeOrganisationAdmin(hospital.id, admin.userId),
      "ORGANISATION_LAST_ADMIN",
      409,
    );
    assert.equal((await admin.api.organisation(hospital.id)).myRole, "admin");
    await operator.api.removeOrganisationAdmin(hospital.id, admin.userId, { allowNoAdmin: true });
    await rejectsWith(admin.api.createService(hospital.id, "Neurologie"), "ORGANISATION_ADMIN_REQUIRED", 403);
    // Operators still run it.
    await operator.api.addOrganisationAdmin(hospital.id, admin.userId);
    assert.equal((await admin.api.organisationStats(hospital.id)).admins, 1);
  });

  test("every change is audited with ids only", async () => {
    const { events } = await operator.api.auditEvents({ limit: 200 });
    const actions = new Set(events.map((e) => e.action));
    for (const action of [
      "organisation.created",
      "organisation.updated",
      "organisation.admin_added",
      "organisation.admin_removed",
      "organisation.member_added",
      "organisation.member_removed",
      "service.created",
      "service.updated",
      "service.deleted",
      "service.roster_changed",
    ]) {
      assert.ok(actions.has(action), `${action} is audited`);
    }
    const text = JSON.stringify(events.filter((e) => /^(organisation|service)\./.test(e.action)));
    for (const name of ["Cardiologie", "CENTRE HOSPITALIER", "Dr Anne", "Tonnerrois", "Bonjour"]) {
      assert.ok(!text.includes(name), `the audit trail holds no name: ${name}`);
    }
  });
});

describe(`migration 0008-organisations on ${testStore()}`, () => {
  test("0007 → 0008 keeps the accounts; the tables refuse a second organisation per FINESS and a second service name", async () => {
    const scratch = await scratchDatabase("organisations");
    const handle = await scratch.open();
    try {
      await migrate(handle, "0007-identity-claims");
      await handle.db
        .insertInto("users")
        .values(userRow({ identity_verified_at: 1, identity_method: "operator" }))
        .execute();
      assert.deepEqual(await migrate(handle, "0008-organisations"), ["0008-organisations"]);
      const user = await handle.db
        .selectFrom("users")
        .select("email")
        .where("id", "=", "u1")
        .executeTakeFirstOrThrow();
      assert.equal(user.email, "a@example.fr");

      const organisation = {
        kind: "establishment" as const,
        territory_type: null,
        name: "CH",
        finess: CH_AUXERRE,
        siren: null,
        commune_code: "89024",
        commune_label: "AUXERRE",
        departement_code: "89",
        search_key: "ch auxerre 89024 89",
        sponsored: 0 as const,
        created_by: "u1",
        created_at: 1,
        updated_at: 1,
      };
      await handle.db
        .insertInto("organisations")
        .values({ id: "o1", ...organisation })
        .execute();
      await assert.rejects(
        handle.db
          .insertInto("organisations")
          .values({ id: "o2", ...organisation })
          .execute(),
      );
      await handle.db
        .insertInto("organisation_members")
        .values({ organisation_id: "o1", user_id: "u1", role: "admin", added_by: null, created_at: 1 })
        .execute();
      const service = {
        organisation_id: "o1",
        name: "Cardiologie",
        name_key: "cardiologie",
        created_at: 1,
        updated_at: 1,
      };
      await handle.db
        .insertInto("services")
        .values({ id: "s1", ...service })
        .execute();
      await assert.rejects(
        handle.db
          .insertInto("services")
          .values({ id: "s2", ...service })
          .execute(),
      );
      await handle.db
        .insertInto("service_roster")
        .values({ service_id: "s1", user_id: "u1", added_by: null, created_at: 1 })
        .execute();
      // Deleting the organisation takes its services, rosters and members with it.
      await handle.db.deleteFrom("organisations").where("id", "=", "o1").execute();
      for (const table of ["services", "service_roster", "organisation_members"] as const) {
        const rows = await handle.db.selectFrom(table).selectAll().execute();
        assert.deepEqual(rows, [], table);
      }
    } finally {
      await handle.close();
      await scratch.dispose();
    }
  });
});
