import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  type OutboxMail,
  rejectsWith,
  runServerCli,
  scratchDatabase,
  startTestServer,
  type TestServer,
  type TestUser,
  testStore,
} from "@confrere/dev-env";
import { withLuhnKey } from "@confrere/protocol";
import { migrate } from "@confrere/server";
import { DAY } from "../src/clock.ts";
import { OLD_PERSONNE_ACTIVITE } from "../src/directory/test-support.ts";
import { userRow } from "./support/user-row.ts";

/** Professionals of the fictional extraction (shared/fixtures/annuaire). */
const PRO = {
  /** Infirmier, Tonnerre (89405). */
  laurentNoe: "810311327232",
  /** Infirmier, Joigny (89206). */
  simonHugo: "810531285434",
  /** Médecin généraliste (SM54), Tonnerre. */
  fournierManon: "810216693308",
  /** Médecin généraliste, CH de Tonnerre (FINESS site 891990715). */
  moreauManon: "810376665559",
  /** Médecin, Tonnerre; made inactive below. */
  bernardGabriel: "810120464978",
  /** Médecin, Ajaccio: outside the territory. */
  thomasTheo: "810760130327",
} as const;
/** A well-formed RPPS national id that the directory does not list. */
const UNKNOWN = `8${withLuhnKey("1999999999")}`;

describe(`invitations on ${testStore()}`, () => {
  let server: TestServer;
  let operator: TestUser;
  let doctor: TestUser;
  let admin: TestUser;
  let territoryId: string;

  /** Mails sent since `count` mails were in the outbox. */
  async function mailsSince(count: number): Promise<OutboxMail[]> {
    return (await server.outbox()).slice(count);
  }
  async function outboxSize(): Promise<number> {
    return (await server.outbox()).length;
  }
  async function memberRole(organisationId: string, userId: string): Promise<string | undefined> {
    const row = await server.server.ctx.db
      .selectFrom("organisation_members")
      .select("role")
      .where("organisation_id", "=", organisationId)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return row?.role;
  }

  before(async () => {
    server = await startTestServer();
    const imported = await runServerCli(
      ["directory", "import", OLD_PERSONNE_ACTIVITE, "--no-deactivate-missing"],
      { env: server.env },
    );
    assert.equal(imported.code, 0, imported.stderr);
    operator = await server.createUser({ operator: true, verified: true, name: "Opératrice Confrère" });
    doctor = await server.createUser({ verified: true, name: "Dr Alice Martin" });
    admin = await server.createUser({ name: "Mme Claire Admin" });
    const { organisation } = await operator.api.createOrganisation({
      kind: "territory",
      territoryType: "cpts",
      name: "CPTS du Tonnerrois",
      communes: ["89405", "89206"],
    });
    territoryId = organisation.id;
    await operator.api.addOrganisationAdmin(territoryId, admin.userId);
  });
  after(async () => {
    await server.close();
  });

  test("a colleague's invitation: mail, preview, accept, then login asks for a second factor", async () => {
    const before = await outboxSize();
    const { invitation } = await doctor.api.invite({
      email: "New.Colleague@Example.fr",
      nationalId: PRO.laurentNoe,
      note: "rencontré à la réunion de la CPTS",
    });
    assert.equal(invitation.email, "new.colleague@example.fr");
    assert.equal(invitation.state, "pending");
    assert.equal(invitation.organisationId, null);
    assert.equal(invitation.invitedBy, doctor.userId);
    assert.equal(invitation.expiresAt - invitation.createdAt, 14 * DAY);

    const [mail, ...others] = await mailsSince(before);
    assert.equal(others.length, 0);
    assert.ok(mail);
    assert.equal(mail.to, "new.colleague@example.fr");
    assert.match(mail.subject, /Dr Alice Martin vous invite/);
    assert.match(mail.text, /http:\/\/localhost:8080\/invitation\?token=[A-Za-z0-9_-]{43}/);
    assert.match(mail.text, /valable 14 jours/);
    assert.match(mail.text, /valid 14 days/);
    assert.ok(mail.text.indexOf("Bonjour") < mail.text.indexOf("If you do not know"), "French first");
    assert.ok(!mail.text.includes("réunion"), "the inviter's note is never e-mailed");
    const token = mail.token!;
    assert.ok(token);
    // Only the hash is stored.
    const stored = await server.server.ctx.db
      .selectFrom("invitations")
      .select("token_hash")
      .where("id", "=", invitation.id)
      .executeTakeFirstOrThrow();
    assert.notEqual(stored.token_hash, token);
    assert.match(stored.token_hash, /^[0-9a-f]{64}$/);

    const visitor = server.client();
    assert.deepEqual(await visitor.previewInvitation(token), {
      inviterName: "Dr Alice Martin",
      organisationName: null,
      email: "new.colleague@example.fr",
      state: "pending",
      hasAccount: false,
    });
    await rejectsWith(visitor.previewInvitation("A".repeat(43)), "TOKEN_INVALID", 400);

    // The registration password policy applies, and a refused password leaves the link usable.
    await rejectsWith(
      visitor.acceptInvitation({ token, password: "short", displayName: "Noé Laurent" }),
      "PASSWORD_TOO_SHORT",
      400,
    );
    await rejectsWith(
      visitor.acceptInvitation({ token, password: "azertyuiopqsdf", displayName: "Noé Laurent" }),
      "PASSWORD_TOO_COMMON",
      400,
    );
    const password = "une phrase de passe assez longue";
    const { account } = await visitor.acceptInvitation({ token, password, displayName: "Noé Laurent" });
    assert.equal(account.email, "new.colleague@example.fr");
    assert.equal(account.displayName, "Noé Laurent");
    assert.equal(account.state, "second_factor_required");
    assert.notEqual(account.emailVerifiedAt, null);
    // A colleague's word is not a proof of identity: no directory link.
    assert.equal(account.identityVerifiedAt, null);
    assert.equal(account.nationalId, null);

    assert.equal((await visitor.previewInvitation(token)).state, "accepted");
    await rejectsWith(
      visitor.acceptInvitation({ token, password, displayName: "Noé Laurent" }),
      "TOKEN_INVALID",
      400,
    );

    const api = server.client();
    const step = await api.login({ email: "new.colleague@example.fr", password, deviceName: "Poste" });
    assert.equal(step.status, "second_factor_enrolment_required");
    await rejectsWith(api.sentInvitations(), "AUTH_SECOND_FACTOR_ENROLMENT_REQUIRED", 403);

    const sent = await doctor.api.sentInvitations();
    const mine = sent.invitations.find((i) => i.id === invitation.id);
    assert.equal(mine?.state, "accepted");
    assert.equal(mine?.note, "rencontré à la réunion de la CPTS");
    assert.notEqual(mine?.acceptedAt, null);
  });

  test("the same address again within 7 days gets the first invitation; a registered address gets no sign-up link", async () => {
    const before = await outboxSize();
    const first = await doctor.api.invite({ email: "again@example.fr" });
    const second = await doctor.api.invite({ email: "AGAIN@example.fr" });
    assert.equal(second.invitation.id, first.invitation.id);
    assert.equal((await mailsSince(before)).length, 1);

    // An address that has an account: the same answer, but a "wants to reach you" mail without a link.
    const registered = await doctor.api.invite({ email: operator.email });
    assert.equal(registered.invitation.state, "pending");
    assert.deepEqual(Object.keys(registered.invitation).sort(), Object.keys(first.invitation).sort());
    const mails = await mailsSince(before);
    assert.equal(mails.length, 2);
    const reach = mails[1]!;
    assert.equal(reach.to, operator.email);
    assert.match(reach.subject, /Dr Alice Martin souhaite vous joindre/);
    assert.equal(reach.token, null);
    assert.match(reach.text, /http:\/\/localhost:8080\/connexion/);

    // Unverified accounts may not invite.
    const unverified = await server.createUser();
    await rejectsWith(
      unverified.api.invite({ email: "someone@example.fr" }),
      "PROFESSIONAL_VERIFICATION_REQUIRED",
      403,
    );
    await rejectsWith(server.client().invite({ email: "someone@example.fr" }), "AUTH_REQUIRED", 401);
    // A national id given is checked.
    await rejectsWith(
      doctor.api.invite({ email: "someone@example.fr", nationalId: "810311327233" }),
      "NATIONAL_ID_INVALID_KEY",
      400,
    );

    server.clock.advance(7 * DAY + 1);
    const third = await doctor.api.invite({ email: "again@example.fr" });
    assert.notEqual(third.invitation.id, first.invitation.id);
  });

  test("at most 20 colleague invitations a day", async () => {
    const sender = await server.createUser({ verified: true, name: "Dr Prolifique" });
    for (let i = 0; i < 20; i++) await sender.api.invite({ email: `colleague${i}@example.fr` });
    const before = await outboxSize();
    await rejectsWith(
      sender.api.invite({ email: "colleague20@example.fr" }),
      "INVITATION_LIMIT_REACHED",
      429,
    );
    // Asking again for an address already invited still answers, and sends nothing.
    const again = await sender.api.invite({ email: "colleague3@example.fr" });
    assert.equal(again.invitation.email, "colleague3@example.fr");
    assert.equal((await mailsSince(before)).length, 0);
    // A revoked invitation still counts: revoking is no way around the limit.
    await sender.api.revokeInvitation(again.invitation.id);
    await rejectsWith(
      sender.api.invite({ email: "colleague20@example.fr" }),
      "INVITATION_LIMIT_REACHED",
      429,
    );
    server.clock.advance(DAY + 1);
    const next = await sender.api.invite({ email: "colleague20@example.fr" });
    assert.equal(next.invitation.state, "pending");
    assert.equal((await sender.api.sentInvitations()).invitations.length, 21);
  });

  test("an administrator vouches: accepting links the account (method invitation) and makes it a member", async () => {
    const before = await outboxSize();
    const created = await admin.api.invite({
      email: "noe.laurent@example.fr",
      nationalId: PRO.laurentNoe,
      organisationId: territoryId,
    });
    assert.equal(created.invitation.organisationId, territoryId);
    assert.equal(created.invitation.organisationName, "CPTS du Tonnerrois");
    assert.equal(created.invitation.nationalId, PRO.laurentNoe);
    // Asking again answers the same invitation.
    const again = await admin.api.invite({
      email: "noe.laurent@example.fr",
      nationalId: PRO.laurentNoe,
      organisationId: territoryId,
    });
    assert.equal(again.invitation.id, created.invitation.id);
    const mails = await mailsSince(before);
    assert.equal(mails.length, 1);
    const mail = mails[0]!;
    assert.match(mail.text, /Mme Claire Admin, pour CPTS du Tonnerrois, vous invite/);
    assert.match(mail.text, /CPTS du Tonnerrois se porte garant/);

    const visitor = server.client();
    assert.deepEqual(await visitor.previewInvitation(mail.token!), {
      inviterName: "Mme Claire Admin",
      organisationName: "CPTS du Tonnerrois",
      email: "noe.laurent@example.fr",
      state: "pending",
      hasAccount: false,
    });
    const password = "infirmier du tonnerrois 2026";
    const { account } = await visitor.acceptInvitation({
      token: mail.token!,
      password,
      displayName: "Noé Laurent",
    });
    assert.equal(account.state, "second_factor_required");
    assert.equal(account.nationalId, PRO.laurentNoe);
    assert.equal(account.identityMethod, "invitation");
    assert.notEqual(account.identityVerifiedAt, null);
    assert.equal(await memberRole(territoryId, account.id), "member");

    // Logging in still asks for a second factor; once set, the account is a verified professional.
    const api = server.client();
    const step = await api.login({ email: "noe.laurent@example.fr", password, deviceName: "Poste" });
    assert.equal(step.status, "second_factor_enrolment_required");
    const setup = await api.startTotpEnrolment();
    await api.confirmTotp(server.totp(setup.secret));
    const me = (await api.me()).account;
    assert.equal(me.state, "verified");
    assert.equal(me.identityMethod, "invitation");

    const audit = (await operator.api.auditEvents({ limit: 200 })).events;
    const verified = audit.find((e) => e.action === "account.identity_verified" && e.targetId === account.id);
    assert.equal(verified?.actorId, admin.userId);
    assert.deepEqual(verified?.detail, { method: "invitation", nationalId: PRO.laurentNoe });
    const accepted = audit.find(
      (e) => e.action === "invitation.accepted" && e.targetId === created.invitation.id,
    );
    assert.equal(accepted?.actorId, account.id);
  });

  test("only the organisation's administrators vouch, for an active professional of its perimeter not yet on Confrère", async () => {
    await server.server.ctx.db
      .updateTable("directory_professionals")
      .set({ is_active: 0 })
      .where("national_id", "=", PRO.bernardGabriel)
      .execute();
    const before = await outboxSize();
    const vouch = (who: TestUser, nationalId: string | undefined, organisationId = territoryId) =>
      who.api.invite({
        email: "vouched@example.fr",
        organisationId,
        ...(nationalId === undefined ? {} : { nationalId }),
      });
    await rejectsWith(vouch(doctor, PRO.fournierManon), "ORGANISATION_ADMIN_REQUIRED", 403);
    await rejectsWith(vouch(admin, PRO.fournierManon, "NoSuchOrganisation1"), "ORGANISATION_NOT_FOUND", 404);
    await rejectsWith(vouch(admin, undefined), "INVITATION_NATIONAL_ID_REQUIRED", 400);
    await rejectsWith(vouch(admin, "810216693309"), "NATIONAL_ID_INVALID_KEY", 400);
    await rejectsWith(vouch(admin, UNKNOWN), "PROFESSIONAL_NOT_IN_DIRECTORY", 404);
    await rejectsWith(vouch(admin, PRO.bernardGabriel), "PROFESSIONAL_INACTIVE", 409);
    await rejectsWith(vouch(admin, PRO.thomasTheo), "INVITATION_OUTSIDE_PERIMETER", 403);
    await rejectsWith(vouch(admin, PRO.laurentNoe), "PROFESSIONAL_ALREADY_LINKED", 409);
    assert.equal((await mailsSince(before)).length, 0, "refused invitations send nothing");

    // An establishment vouches for the professionals practising at its FINESS only.
    const { organisation: hospital } = await operator.api.createOrganisation({
      kind: "establishment",
      finess: "891990715",
      name: "Centre hospitalier de Tonnerre",
    });
    await rejectsWith(vouch(operator, PRO.fournierManon, hospital.id), "INVITATION_OUTSIDE_PERIMETER", 403);
    const ok = await vouch(operator, PRO.moreauManon, hospital.id);
    assert.equal(ok.invitation.organisationName, "Centre hospitalier de Tonnerre");
    // Another address for a professional the organisation already invited: revoke the first one.
    await rejectsWith(
      operator.api.invite({
        email: "other@example.fr",
        nationalId: PRO.moreauManon,
        organisationId: hospital.id,
      }),
      "INVITATION_ALREADY_PENDING",
      409,
    );
    await operator.api.revokeInvitation(ok.invitation.id);
  });

  test("bulk: preview the professionals within the perimeter, then invite them line by line", async () => {
    const preview = await admin.api.previewBulkInvitations(territoryId, { professions: ["10", "60"] });
    // Doctors and nurses of Tonnerre and Joigny, less Noé Laurent (on Confrère) and Gabriel Bernard (inactive).
    assert.deepEqual(
      preview.professionals.map((p) => `${p.lastName} ${p.firstName}`),
      [
        "BONNET Chloé",
        "FOURNIER Manon",
        "FRANÇOIS Maël",
        "GIRARD Anaïs",
        "MERCIER Hélène",
        "MICHEL Clémence",
        "MOREAU Manon",
        "ROBERT Gabriel",
        "SIMON Hugo",
        "THOMAS Anaïs",
      ],
    );
    assert.equal(preview.count, 10);
    assert.equal(preview.isPartial, false);
    const simon = preview.professionals.find((p) => p.nationalId === PRO.simonHugo);
    assert.deepEqual(simon, {
      nationalId: PRO.simonHugo,
      lastName: "SIMON",
      firstName: "Hugo",
      profession: { code: "60", label: "Infirmier" },
      commune: { code: "89206", label: "JOIGNY" },
      isInvited: false,
    });
    // Michel Clémence practises in Auxerre and Tonnerre: the commune shown is the one inside.
    assert.deepEqual(preview.professionals.find((p) => p.lastName === "MICHEL")?.commune, {
      code: "89405",
      label: "TONNERRE",
    });

    const generalists = await admin.api.previewBulkInvitations(territoryId, {
      professions: ["10"],
      specialties: ["SM54"],
    });
    assert.deepEqual(
      generalists.professionals.map((p) => p.lastName),
      ["FOURNIER", "FRANÇOIS", "MERCIER", "MICHEL", "MOREAU", "THOMAS"],
    );
    const joigny = await admin.api.previewBulkInvitations(territoryId, {
      professions: ["60"],
      communes: ["89206"],
    });
    assert.deepEqual(
      joigny.professionals.map((p) => p.nationalId),
      [PRO.simonHugo],
    );
    // A commune outside the perimeter narrows to nothing; a malformed one is refused.
    assert.equal(
      (await admin.api.previewBulkInvitations(territoryId, { professions: ["10"], communes: ["2A004"] }))
        .count,
      0,
    );
    await rejectsWith(
      admin.api.previewBulkInvitations(territoryId, { professions: ["10"], communes: ["8920"] }),
      "COMMUNE_CODE_INVALID",
      400,
    );
    await rejectsWith(
      doctor.api.previewBulkInvitations(territoryId, { professions: ["10"] }),
      "ORGANISATION_ADMIN_REQUIRED",
      403,
    );

    const before = await outboxSize();
    const result = await admin.api.bulkInvite(territoryId, [
      { nationalId: PRO.fournierManon, email: "manon.fournier@example.fr" },
      { nationalId: PRO.thomasTheo, email: "theo.thomas@example.fr" },
      { nationalId: UNKNOWN, email: "unknown@example.fr" },
      { nationalId: PRO.fournierManon, email: "m.fournier@example.fr" },
      { nationalId: PRO.moreauManon, email: "not an e-mail" },
      { nationalId: PRO.laurentNoe, email: "noe@example.fr" },
      { nationalId: PRO.bernardGabriel, email: "gabriel.bernard@example.fr" },
      { nationalId: "810216693309", email: "typo@example.fr" },
      { nationalId: PRO.simonHugo, email: " Hugo.Simon@Example.fr " },
    ]);
    assert.deepEqual(
      result.lines.map((l) => [l.index, l.nationalId, l.outcome, l.code]),
      [
        [0, PRO.fournierManon, "created", null],
        [1, PRO.thomasTheo, "rejected", "INVITATION_OUTSIDE_PERIMETER"],
        [2, UNKNOWN, "rejected", "PROFESSIONAL_NOT_IN_DIRECTORY"],
        [3, PRO.fournierManon, "skipped", "INVITATION_ALREADY_PENDING"],
        [4, PRO.moreauManon, "rejected", "INVITATION_EMAIL_INVALID"],
        [5, PRO.laurentNoe, "skipped", "PROFESSIONAL_ALREADY_LINKED"],
        [6, PRO.bernardGabriel, "rejected", "PROFESSIONAL_INACTIVE"],
        [7, "810216693309", "rejected", "NATIONAL_ID_INVALID_KEY"],
        [8, PRO.simonHugo, "created", null],
      ],
    );
    assert.deepEqual([result.created, result.skipped, result.rejected], [2, 2, 5]);
    for (const line of result.lines) assert.equal(line.invitationId !== null, line.outcome === "created");

    const mails = await mailsSince(before);
    assert.deepEqual(
      mails.map((m) => m.to),
      ["manon.fournier@example.fr", "hugo.simon@example.fr"],
    );
    for (const mail of mails) {
      assert.ok(mail.token);
      assert.match(mail.text, /CPTS du Tonnerrois se porte garant/);
    }

    // Invited now: shown as such, and a second batch skips them.
    const after = await admin.api.previewBulkInvitations(territoryId, { professions: ["10"] });
    assert.equal(after.professionals.find((p) => p.nationalId === PRO.fournierManon)?.isInvited, true);
    const second = await admin.api.bulkInvite(territoryId, [
      { nationalId: PRO.fournierManon, email: "manon.fournier@example.fr" },
    ]);
    assert.deepEqual(
      second.lines.map((l) => [l.outcome, l.code]),
      [["skipped", "INVITATION_ALREADY_PENDING"]],
    );
    await rejectsWith(
      doctor.api.bulkInvite(territoryId, [{ nationalId: PRO.simonHugo, email: "x@example.fr" }]),
      "ORGANISATION_ADMIN_REQUIRED",
      403,
    );

    // Accepting a bulk invitation links and enrols as a single one does.
    const hugoMail = mails.find((m) => m.to === "hugo.simon@example.fr")!;
    const { account } = await server.client().acceptInvitation({
      token: hugoMail.token!,
      password: "soins infirmiers à joigny",
      displayName: "Hugo Simon",
    });
    assert.equal(account.nationalId, PRO.simonHugo);
    assert.equal(account.identityMethod, "invitation");
    assert.equal(await memberRole(territoryId, account.id), "member");

    // The administrators' view: counts by state and the list.
    const listed = await admin.api.organisationInvitations(territoryId);
    assert.deepEqual(listed.counts, { total: 3, pending: 1, accepted: 2, revoked: 0, expired: 0 });
    assert.deepEqual(listed.invitations.map((i) => [i.email, i.nationalId, i.state]).sort(), [
      ["hugo.simon@example.fr", PRO.simonHugo, "accepted"],
      ["manon.fournier@example.fr", PRO.fournierManon, "pending"],
      ["noe.laurent@example.fr", PRO.laurentNoe, "accepted"],
    ]);
    const pending = await admin.api.organisationInvitations(territoryId, { state: "pending" });
    assert.deepEqual(
      pending.invitations.map((i) => i.email),
      ["manon.fournier@example.fr"],
    );
    await rejectsWith(doctor.api.organisationInvitations(territoryId), "ORGANISATION_ADMIN_REQUIRED", 403);

    const audit = (await operator.api.auditEvents({ limit: 200 })).events;
    const bulk = audit.find((e) => e.action === "invitation.bulk_created" && e.detail?.lines === 9);
    assert.deepEqual(bulk?.detail, { lines: 9, created: 2, skipped: 2, rejected: 5 });
    assert.equal(bulk?.targetId, territoryId);
  });

  test("expired, used and revoked links are TOKEN_INVALID; who may revoke", async () => {
    const before = await outboxSize();
    await doctor.api.invite({ email: "late@example.fr" });
    const revocable = await doctor.api.invite({ email: "withdrawn@example.fr" });
    const [lateMail, withdrawnMail] = await mailsSince(before);
    assert.ok(lateMail?.token && withdrawnMail?.token);
    const visitor = server.client();
    const password = "une autre phrase de passe";

    // Revocation: the inviter, an administrator of the organisation, or an operator.
    const stranger = await server.createUser({ verified: true });
    await rejectsWith(stranger.api.revokeInvitation(revocable.invitation.id), "FORBIDDEN", 403);
    await rejectsWith(stranger.api.revokeInvitation("NoSuchInvitation1"), "INVITATION_NOT_FOUND", 404);
    await doctor.api.revokeInvitation(revocable.invitation.id);
    await doctor.api.revokeInvitation(revocable.invitation.id);
    assert.equal((await visitor.previewInvitation(withdrawnMail.token)).state, "revoked");
    await rejectsWith(
      visitor.acceptInvitation({ token: withdrawnMail.token, password, displayName: "Retiré" }),
      "TOKEN_INVALID",
      400,
    );
    // An accepted invitation cannot be taken back.
    const accepted = (await admin.api.organisationInvitations(territoryId, { state: "accepted" }))
      .invitations[0]!;
    await rejectsWith(admin.api.revokeInvitation(accepted.id), "INVITATION_ALREADY_ACCEPTED", 409);
    // Another administrator of the organisation revokes an invitation it sent.
    const secondAdmin = await server.createUser({ name: "M. Second Admin" });
    await operator.api.addOrganisationAdmin(territoryId, secondAdmin.userId);
    const fournier = (await admin.api.organisationInvitations(territoryId, { state: "pending" }))
      .invitations[0]!;
    await rejectsWith(doctor.api.revokeInvitation(fournier.id), "FORBIDDEN", 403);
    await secondAdmin.api.revokeInvitation(fournier.id);
    const counts = (await admin.api.organisationInvitations(territoryId)).counts;
    assert.deepEqual(counts, { total: 3, pending: 0, accepted: 2, revoked: 1, expired: 0 });

    // Fourteen days later the link has expired.
    assert.equal((await visitor.previewInvitation(lateMail.token)).state, "pending");
    server.clock.advance(14 * DAY);
    assert.equal((await visitor.previewInvitation(lateMail.token)).state, "expired");
    await rejectsWith(
      visitor.acceptInvitation({ token: lateMail.token, password, displayName: "En retard" }),
      "TOKEN_INVALID",
      400,
    );
    const audit = (await operator.api.auditEvents({ limit: 200 })).events;
    assert.equal(
      audit.filter((e) => e.action === "invitation.revoked" && e.targetId === revocable.invitation.id).length,
      1,
      "revoking twice is recorded once",
    );
  });

  /** A territory of Tonnerre (89405) with its own administrator, apart from the one above. */
  async function tonnerreTerritory(name: string): Promise<{ id: string; admin: TestUser }> {
    const { organisation } = await operator.api.createOrganisation({
      kind: "territory",
      territoryType: "cpts",
      name,
      communes: ["89405"],
    });
    const organisationAdmin = await server.createUser({ name: `Admin ${name}` });
    await operator.api.addOrganisationAdmin(organisation.id, organisationAdmin.userId);
    return { id: organisation.id, admin: organisationAdmin };
  }
  /** The national id of a professional of the fixture in a territory's bulk preview, by last name. */
  async function nationalIdOf(organisationAdmin: TestUser, organisationId: string, lastName: string) {
    const preview = await organisationAdmin.api.previewBulkInvitations(organisationId, {
      professions: ["10", "60"],
    });
    const found = preview.professionals.find((p) => p.lastName === lastName);
    assert.ok(found, `${lastName} in the preview`);
    return found.nationalId;
  }
  /** `POST /api/v1/invitations` over plain HTTP: the status and the body the inviter gets. */
  async function rawInvite(who: TestUser, body: object) {
    const response = await fetch(`${server.url}/api/v1/invitations`, {
      method: "POST",
      headers: { authorization: `Bearer ${who.api.token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      body: (await response.json()) as { invitation: { id: string; [field: string]: unknown } },
    };
  }
  async function lastMailTo(address: string): Promise<OutboxMail> {
    const mail = (await server.outbox()).filter((m) => m.to === address).at(-1);
    assert.ok(mail, `a mail to ${address}`);
    return mail;
  }

  test("vouching for an address that has an account: the inviter sees nothing, the holder logs in and accepts", async () => {
    const nord = await tonnerreTerritory("CPTS Tonnerre Nord");
    const bonnet = await nationalIdOf(nord.admin, nord.id, "BONNET");
    const girard = await nationalIdOf(nord.admin, nord.id, "GIRARD");
    // Chloé Bonnet already has an account (not verified yet); Anaïs Girard does not.
    const holder = await server.createUser({ email: "chloe.bonnet@example.fr", name: "Chloé Bonnet" });
    const registered = await rawInvite(nord.admin, {
      email: "Chloe.Bonnet@example.fr",
      nationalId: bonnet,
      organisationId: nord.id,
    });
    const unregistered = await rawInvite(nord.admin, {
      email: "anais.girard@example.fr",
      nationalId: girard,
      organisationId: nord.id,
    });
    // No account-existence leak: the same status, the same fields, the same state, the same lists.
    assert.equal(registered.status, 201);
    assert.equal(unregistered.status, 201);
    const shape = (invitation: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(invitation).map(([k, v]) => [k, v === null ? null : typeof v]));
    assert.deepEqual(shape(registered.body.invitation), shape(unregistered.body.invitation));
    assert.equal(registered.body.invitation.state, "pending");
    const listed = await nord.admin.api.organisationInvitations(nord.id);
    assert.deepEqual(listed.invitations.map((i) => [i.email, i.state]).sort(), [
      ["anais.girard@example.fr", "pending"],
      ["chloe.bonnet@example.fr", "pending"],
    ]);

    // The holder's mail: log in to accept, with the link.
    const mail = await lastMailTo("chloe.bonnet@example.fr");
    assert.match(mail.subject, /CPTS Tonnerre Nord vous invite/);
    assert.match(
      mail.text,
      /Vous avez déjà un compte Confrère avec cette adresse : connectez-vous pour accepter/,
    );
    assert.match(mail.text, /log in to accept/);
    assert.match(mail.text, /http:\/\/localhost:8080\/invitation\?token=[A-Za-z0-9_-]{43}/);
    assert.ok(mail.token);
    const token = mail.token;
    assert.doesNotMatch((await lastMailTo("anais.girard@example.fr")).text, /déjà un compte/);

    // The preview tells the token holder to log in rather than sign up; signing up is refused.
    const visitor = server.client();
    assert.deepEqual(await visitor.previewInvitation(token), {
      inviterName: "Admin CPTS Tonnerre Nord",
      organisationName: "CPTS Tonnerre Nord",
      email: "chloe.bonnet@example.fr",
      state: "pending",
      hasAccount: true,
    });
    await rejectsWith(
      visitor.acceptInvitation({ token, password: "une phrase de passe assez longue", displayName: "C" }),
      "ACCOUNT_EMAIL_TAKEN",
      409,
    );
    // Only a signed-in account, and only the account of the invited address.
    await rejectsWith(visitor.acceptInvitationSignedIn(token), "AUTH_REQUIRED", 401);
    await rejectsWith(doctor.api.acceptInvitationSignedIn(token), "INVITATION_EMAIL_MISMATCH", 403);
    await rejectsWith(holder.api.acceptInvitationSignedIn("A".repeat(43)), "TOKEN_INVALID", 400);
    assert.equal((await visitor.previewInvitation(token)).state, "pending");

    const { account } = await holder.api.acceptInvitationSignedIn(token);
    assert.equal(account.id, holder.userId);
    assert.equal(account.state, "verified");
    assert.equal(account.nationalId, bonnet);
    assert.equal(account.identityMethod, "invitation");
    assert.notEqual(account.identityVerifiedAt, null);
    assert.equal(await memberRole(nord.id, holder.userId), "member");
    assert.equal((await visitor.previewInvitation(token)).state, "accepted");
    await rejectsWith(holder.api.acceptInvitationSignedIn(token), "TOKEN_INVALID", 400);
    const accepted = (await nord.admin.api.sentInvitations()).invitations.find(
      (i) => i.id === registered.body.invitation.id,
    );
    assert.equal(accepted?.state, "accepted");

    // The same road as a new account's, in the audit trail: linked by the administrator's vouch.
    const audit = (await operator.api.auditEvents({ limit: 200 })).events;
    const verified = audit.filter(
      (e) => e.action === "account.identity_verified" && e.targetId === holder.userId,
    );
    assert.equal(verified.length, 1);
    assert.equal(verified[0]?.actorId, nord.admin.userId);
    assert.deepEqual(verified[0]?.detail, { method: "invitation", nationalId: bonnet });
    const acceptedEvent = audit.find(
      (e) => e.action === "invitation.accepted" && e.targetId === registered.body.invitation.id,
    );
    assert.equal(acceptedEvent?.actorId, holder.userId);
    assert.deepEqual(acceptedEvent?.detail, { organisationId: nord.id, via: "existing_account" });
  });

  test("an account already verified: the same professional just joins, another is a clear refusal", async () => {
    const nord = await tonnerreTerritory("CPTS Tonnerre Est");
    const sud = await tonnerreTerritory("Communauté de communes du Tonnerrois");
    const moreau = await nationalIdOf(nord.admin, nord.id, "MOREAU");
    const mercier = await nationalIdOf(nord.admin, nord.id, "MERCIER");
    const holder = await server.createUser({ email: "manon.moreau@example.fr", name: "Manon Moreau" });
    // Two organisations vouch for her before she is linked.
    await nord.admin.api.invite({ email: holder.email, nationalId: moreau, organisationId: nord.id });
    const nordToken = (await lastMailTo(holder.email)).token!;
    await sud.admin.api.invite({ email: holder.email, nationalId: moreau, organisationId: sud.id });
    const sudToken = (await lastMailTo(holder.email)).token!;
    assert.notEqual(nordToken, sudToken);

    const first = (await holder.api.acceptInvitationSignedIn(nordToken)).account;
    assert.equal(first.nationalId, moreau);
    const verifiedAt = first.identityVerifiedAt;
    // Verified as the same professional: the second vouch only makes her a member.
    server.clock.advance(60_000);
    const second = (await holder.api.acceptInvitationSignedIn(sudToken)).account;
    assert.equal(second.nationalId, moreau);
    assert.equal(second.identityMethod, "invitation");
    assert.equal(second.identityVerifiedAt, verifiedAt);
    assert.equal(await memberRole(nord.id, holder.userId), "member");
    assert.equal(await memberRole(sud.id, holder.userId), "member");
    const audit = (await operator.api.auditEvents({ limit: 200 })).events;
    assert.equal(
      audit.filter((e) => e.action === "account.identity_verified" && e.targetId === holder.userId).length,
      1,
    );

    // An administrator's slip: another professional's number for her address.
    const slip = await sud.admin.api.invite({
      email: holder.email,
      nationalId: mercier,
      organisationId: sud.id,
    });
    const slipToken = (await lastMailTo(holder.email)).token!;
    await rejectsWith(
      holder.api.acceptInvitationSignedIn(slipToken),
      "INVITATION_PROFESSIONAL_MISMATCH",
      409,
    );
    assert.equal((await server.client().previewInvitation(slipToken)).state, "pending");
    assert.equal((await holder.api.me()).account.nationalId, moreau);
    assert.equal(
      (await sud.admin.api.sentInvitations()).invitations.find((i) => i.id === slip.invitation.id)?.state,
      "pending",
    );
    await sud.admin.api.revokeInvitation(slip.invitation.id);

    // One account per professional: linked to another account since the invitation, the link is
    // refused and the invitation stays pending.
    const francois = await nationalIdOf(nord.admin, nord.id, "FRANÇOIS");
    const other = await server.createUser({ email: "mael.francois@example.fr", name: "Maël François" });
    await sud.admin.api.invite({ email: other.email, nationalId: francois, organisationId: sud.id });
    const otherToken = (await lastMailTo(other.email)).token!;
    await nord.admin.api.invite({
      email: "m.francois@example.fr",
      nationalId: francois,
      organisationId: nord.id,
    });
    const signUp = (await lastMailTo("m.francois@example.fr")).token!;
    await server.client().acceptInvitation({
      token: signUp,
      password: "une phrase de passe assez longue",
      displayName: "Maël François",
    });
    await rejectsWith(other.api.acceptInvitationSignedIn(otherToken), "PROFESSIONAL_ALREADY_LINKED", 409);
    assert.equal((await server.client().previewInvitation(otherToken)).state, "pending");
    assert.equal((await other.api.me()).account.nationalId, null);
    assert.equal(await memberRole(sud.id, other.userId), undefined);

    // A colleague's invitation to an address registered since: accepted, and no link (no vouch).
    const before = await outboxSize();
    const colleague = await doctor.api.invite({ email: "registered.later@example.fr" });
    const [colleagueMail] = await mailsSince(before);
    const later = await server.createUser({ email: "registered.later@example.fr" });
    assert.equal((await server.client().previewInvitation(colleagueMail!.token!)).hasAccount, true);
    const joined = (await later.api.acceptInvitationSignedIn(colleagueMail!.token!)).account;
    assert.equal(joined.nationalId, null);
    assert.equal(joined.identityVerifiedAt, null);
    assert.equal(
      (await doctor.api.sentInvitations({ limit: 200 })).invitations.find(
        (i) => i.id === colleague.invitation.id,
      )?.state,
      "accepted",
    );
  });

  test("my sent invitations page newest first by cursor, with checked parameters", async () => {
    const est = await tonnerreTerritory("Maison de santé de Tonnerre");
    const preview = await est.admin.api.previewBulkInvitations(est.id, { professions: ["10", "60"] });
    const free = preview.professionals.filter((p) => !p.isInvited);
    const robert = free.find((p) => p.lastName === "ROBERT");
    const thomas = free.find((p) => p.lastName === "THOMAS");
    assert.ok(robert && thomas);
    const candidates = free.filter((p) => p !== robert && p !== thomas).slice(0, 4);
    assert.equal(candidates.length, 4);
    // One bulk request: four invitations at the same instant, so the id orders them.
    await est.admin.api.bulkInvite(
      est.id,
      candidates.map((p, i) => ({ nationalId: p.nationalId, email: `page${i}@example.fr` })),
    );
    server.clock.advance(1000);
    const newest = await est.admin.api.bulkInvite(est.id, [
      { nationalId: robert.nationalId, email: "robert@example.fr" },
    ]);
    const whole = await est.admin.api.sentInvitations({ limit: 200 });
    assert.equal(whole.nextCursor, null);
    assert.equal(whole.invitations.length, 5);
    assert.equal(whole.invitations[0]?.id, newest.lines[0]?.invitationId);
    const sameInstant = whole.invitations.slice(1).map((i) => i.id);
    assert.deepEqual(sameInstant, [...sameInstant].sort());

    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await est.admin.api.sentInvitations({ limit: 2, ...(cursor ? { cursor } : {}) });
      paged.push(...page.invitations.map((i) => i.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    assert.deepEqual(
      paged,
      whole.invitations.map((i) => i.id),
    );
    // An invitation sent between two pages is on none of the next ones: nothing skipped, nothing twice.
    const first = await est.admin.api.sentInvitations({ limit: 2 });
    server.clock.advance(1000);
    await est.admin.api.invite({
      email: "late@example.fr",
      nationalId: thomas.nationalId,
      organisationId: est.id,
    });
    const rest = await est.admin.api.sentInvitations({ limit: 200, cursor: first.nextCursor! });
    assert.deepEqual(
      [...first.invitations, ...rest.invitations].map((i) => i.id),
      whole.invitations.map((i) => i.id),
    );

    const raw = async (query: string) => {
      const response = await fetch(`${server.url}/api/v1/invitations/sent?${query}`, {
        headers: { authorization: `Bearer ${est.admin.api.token}` },
      });
      return { status: response.status, body: (await response.json()) as { error?: { code: string } } };
    };
    for (const limit of ["0", "201", "ten", ""]) {
      const answer = await raw(`limit=${limit}`);
      assert.deepEqual([answer.status, answer.body.error?.code], [400, "PAGE_LIMIT_INVALID"], limit);
    }
    for (const cursor of [
      "%%%",
      "bm90LWEtY3Vyc29y",
      Buffer.from("review-queue:1:abc").toString("base64url"),
    ]) {
      const answer = await raw(`cursor=${encodeURIComponent(cursor)}`);
      assert.deepEqual([answer.status, answer.body.error?.code], [400, "PAGE_CURSOR_INVALID"], cursor);
    }
    assert.deepEqual((await raw("page=2")).body.error?.code, "VALIDATION_FAILED");
    await rejectsWith(server.client().sentInvitations(), "AUTH_REQUIRED", 401);

    // The organisation's list pages the same way, with its counts on every page.
    const all = await est.admin.api.organisationInvitations(est.id);
    assert.equal(all.nextCursor, null);
    assert.equal(all.invitations.length, 6);
    const byOrganisation: string[] = [];
    let after: string | undefined;
    do {
      const page = await est.admin.api.organisationInvitations(est.id, {
        limit: 4,
        ...(after ? { cursor: after } : {}),
      });
      assert.deepEqual(page.counts, all.counts);
      byOrganisation.push(...page.invitations.map((i) => i.id));
      after = page.nextCursor ?? undefined;
    } while (after);
    assert.deepEqual(
      byOrganisation,
      all.invitations.map((i) => i.id),
    );
    const pendingPage = await est.admin.api.organisationInvitations(est.id, { state: "pending", limit: 5 });
    const pendingRest = await est.admin.api.organisationInvitations(est.id, {
      state: "pending",
      limit: 5,
      cursor: pendingPage.nextCursor!,
    });
    assert.deepEqual(
      [...pendingPage.invitations, ...pendingRest.invitations].map((i) => i.id),
      all.invitations.map((i) => i.id),
    );
    await rejectsWith(
      est.admin.api.organisationInvitations(est.id, { limit: 1001 }),
      "PAGE_LIMIT_INVALID",
      400,
    );
    // Each list reads its own cursors only.
    await rejectsWith(
      est.admin.api.organisationInvitations(est.id, { cursor: first.nextCursor! }),
      "PAGE_CURSOR_INVALID",
      400,
    );
  });

  test("the audit trail and the log hold no token and no address", async () => {
    const outbox = await server.outbox();
    const tokens = outbox.flatMap((m) => (m.token ? [m.token] : []));
    assert.ok(tokens.length > 5);
    const audit = JSON.stringify((await operator.api.auditEvents({ limit: 200 })).events);
    const { readFile } = await import("node:fs/promises");
    const log = await readFile(`${server.dataDir}/server.log`, "utf8");
    for (const token of tokens) {
      assert.ok(!audit.includes(token), "a token in the audit trail");
      assert.ok(!log.includes(token), "a token in the log");
    }
    assert.ok(!audit.includes("manon.fournier@example.fr"), "an invited address in the audit trail");
  });
});

describe(`migration 0009-invitations on ${testStore()}`, () => {
  test("0008 → 0009 keeps the organisations and adds the invitations table", async () => {
    const scratch = await scratchDatabase("invitations-migration");
    const handle = await scratch.open();
    try {
      await migrate(handle, "0008-organisations");
      await handle.db
        .insertInto("users")
        .values(userRow({ identity_verified_at: 1 }))
        .execute();
      await handle.db
        .insertInto("organisations")
        .values({
          id: "o1",
          kind: "territory",
          territory_type: "cpts",
          name: "CPTS",
          created_at: 1,
          updated_at: 1,
        } as never)
        .execute();
      assert.deepEqual(await migrate(handle, "0009-invitations"), ["0009-invitations"]);
      assert.equal(
        (await handle.db.selectFrom("organisations").select("name").executeTakeFirstOrThrow()).name,
        "CPTS",
      );
      await handle.db
        .insertInto("invitations")
        .values({
          id: "i1",
          token_hash: "h".repeat(64),
          email: "b@example.fr",
          national_id: "810311327232",
          organisation_id: "o1",
          inviter_user_id: "u1",
          note: null,
          created_at: 1,
          expires_at: 2,
          accepted_at: null,
          accepted_user_id: null,
          revoked_at: null,
          revoked_by_user_id: null,
        })
        .execute();
      // The token hash is unique: a second invitation can never answer to the same link.
      await assert.rejects(
        handle.db
          .insertInto("invitations")
          .values({
            id: "i2",
            token_hash: "h".repeat(64),
            email: "c@example.fr",
            national_id: null,
            organisation_id: null,
            inviter_user_id: "u1",
            note: null,
            created_at: 1,
            expires_at: 2,
            accepted_at: null,
            accepted_user_id: null,
            revoked_at: null,
            revoked_by_user_id: null,
          })
          .execute(),
      );
      // Deleting the organisation deletes its invitations.
      await handle.db.deleteFrom("organisations").where("id", "=", "o1").execute();
      assert.equal((await handle.db.selectFrom("invitations").select("id").execute()).length, 0);
    } finally {
      await handle.close();
      await scratch.dispose();
    }
  });
});
