import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import {
  rejectsWith,
  runServerCli,
  scratchDatabase,
  startTestServer,
  type TestServer,
  type TestUser,
  testStore,
} from "@confrere/dev-env";
import { PROOF_MAX_BYTES, withLuhnKey } from "@confrere/protocol";
import { migrate } from "@confrere/server";
import { sql } from "kysely";
import { makeTempDir, mapTable, OLD_PERSONNE_ACTIVITE } from "../src/directory/test-support.ts";
import { userRow } from "./support/user-row.ts";

/** Professionals of the shared fixture (fictional). */
const LE_GALL = { rpps: "10400089206", nationalId: "810400089206", lastName: "LE GALL", firstName: "Lucas" };
const O_CONNOR = {
  rpps: "10372032135",
  nationalId: "810372032135",
  lastName: "O'CONNOR",
  firstName: "Anaïs",
};
const LEFEVRE = {
  rpps: "10113787757",
  nationalId: "810113787757",
  lastName: "LEFÈVRE",
  firstName: "Gabriel",
};
const BEN_SAID = {
  rpps: "10960990124",
  nationalId: "810960990124",
  lastName: "BEN SAÏD",
  firstName: "Arthur",
};
const GIRARD = { rpps: "10327620794", nationalId: "810327620794", lastName: "GIRARD", firstName: "Anaïs" };
/** Added by this suite: an ADELI nurse with a compound first name, and a doctor who left the directory. */
const ADELI = withLuhnKey("75123456");
const DUPUIS = { adeli: ADELI, nationalId: `0${ADELI}`, lastName: "DUPUIS", firstName: "Jean-Pierre" };
const GONE_RPPS = withLuhnKey("1777777777");
const MOREAU = { rpps: GONE_RPPS, nationalId: `8${GONE_RPPS}`, lastName: "MOREAU", firstName: "Paul" };

/** A JPEG as far as its signature goes, carrying a marker to look for at rest. */
function jpeg(marker: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(marker), randomBytes(2000)]);
}
function png(marker: string): Buffer {
  return Buffer.concat([Buffer.from("89504e470d0a1a0a", "hex"), Buffer.from(marker), randomBytes(500)]);
}
function pdf(marker: string): Buffer {
  return Buffer.from(`%PDF-1.7\n% ${marker}\n%%EOF\n`);
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else out.push(full);
  }
  return out;
}

describe(`identity claims and operator review on ${testStore()}`, () => {
  let server: TestServer;
  let operator: TestUser;
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;

  before(async () => {
    server = await startTestServer();
    tmp = await makeTempDir();
    const extra = (people: { id: string; nationalId: string; lastName: string; firstName: string }[]) =>
      mapTable(readFileSync(OLD_PERSONNE_ACTIVITE, "utf8"), (rows) => {
        const header = rows[0]!;
        return [
          header,
          ...people.map((person) => {
            const row = [...rows[1]!];
            row[header.indexOf("Type d'identifiant PP")] = person.nationalId[0]!;
            row[header.indexOf("Identifiant PP")] = person.id;
            row[header.indexOf("Identification nationale PP")] = person.nationalId;
            row[header.indexOf("Nom d'exercice")] = person.lastName;
            row[header.indexOf("Prénom d'exercice")] = person.firstName;
            return row;
          }),
        ];
      });
    const staying = path.join(tmp.dir, "PS_LibreAcces_Personne_activite_202612010000.txt");
    const leaving = path.join(tmp.dir, "PS_LibreAcces_Personne_activite_202612010001.txt");
    await fs.writeFile(staying, extra([{ id: DUPUIS.adeli, ...DUPUIS }]));
    await fs.writeFile(leaving, extra([{ id: MOREAU.rpps, ...MOREAU }]));
    // MOREAU is in the first extraction only: the second, complete one marks him inactive.
    for (const [files, flag] of [
      [[OLD_PERSONNE_ACTIVITE, staying, leaving], "--no-deactivate-missing"],
      [[OLD_PERSONNE_ACTIVITE, staying], "--deactivate-missing"],
    ] as const) {
      const result = await runServerCli(["directory", "import", ...files, flag], { env: server.env });
      assert.equal(result.code, 0, result.stderr);
    }
    operator = await server.createUser({ operator: true, verified: true, name: "Opératrice Une" });
  });
  after(async () => {
    await tmp?.remove();
    await server?.close();
  });

  async function proofRows(claimId: string): Promise<number> {
    const rows = await server.server.ctx.db
      .selectFrom("identity_claim_proofs")
      .select("claim_id")
      .where("claim_id", "=", claimId)
      .execute();
    return rows.length;
  }

  async function auditActions(targetId: string): Promise<string[]> {
    const rows = await server.server.ctx.db
      .selectFrom("audit_events")
      .select("action")
      .where("target_id", "=", targetId)
      .orderBy("seq")
      .execute();
    return rows.map((r) => r.action);
  }

  async function mailsTo(email: string) {
    return (await server.outbox()).filter((m) => m.to.includes(email));
  }

  test("the whole road: claim, proof, queue, proof viewed, approval; the account is verified", async () => {
    const doctor = await server.createUser({ name: "Dr Lucas Le Gall" });
    assert.deepEqual(await doctor.api.myIdentityClaim(), { claim: null });
    await rejectsWith(
      doctor.api.searchDirectory({ q: "le gall" }),
      "PROFESSIONAL_VERIFICATION_REQUIRED",
      403,
    );

    // The RPPS as printed on a card, in groups; the names as a person types them.
    const { claim } = await doctor.api.createIdentityClaim({
      identifier: "104 0008 9206",
      lastName: "Le-Gall",
      firstName: "LUCAS",
    });
    assert.equal(claim.state, "awaiting_proof");
    assert.equal(claim.nationalId, LE_GALL.nationalId);
    assert.equal(claim.idType, "RPPS");
    assert.equal(claim.proof, null);
    assert.deepEqual((await doctor.api.myIdentityClaim()).claim, claim);
    assert.ok(!(await operator.api.identityClaimQueue()).claims.some((c) => c.id === claim.id));
    assert.ok(
      (await operator.api.identityClaimQueue({ state: "awaiting_proof" })).claims.some(
        (c) => c.id === claim.id,
      ),
    );

    const marker = `PROOF-MARKER-${randomBytes(8).toString("hex")}`;
    const bytes = jpeg(marker);
    const mailsBefore = (await mailsTo(operator.email)).length;
    server.clock.advance(1000);
    const uploaded = (await doctor.api.uploadIdentityProof(claim.id, bytes, "image/jpeg")).claim;
    assert.equal(uploaded.state, "pending_review");
    assert.deepEqual(uploaded.proof, {
      contentType: "image/jpeg",
      size: bytes.length,
      uploadedAt: server.clock.now(),
    });
    assert.equal(uploaded.submittedAt, server.clock.now());
    // The operators hear that a claim waits, without a name or a number.
    const notices = (await mailsTo(operator.email)).slice(mailsBefore);
    assert.equal(notices.length, 1);
    assert.match(notices[0]!.subject, /vérification d'identité attend/);
    assert.ok(!notices[0]!.text.includes(LE_GALL.rpps) && !notices[0]!.text.includes("GALL"));

    // At rest the proof is ciphertext: no byte run of it is in any file of the server or any row.
    const needles = [Buffer.from(marker), bytes.subarray(bytes.length - 100)];
    for (const file of await filesUnder(server.dataDir)) {
      const content = await fs.readFile(file);
      for (const needle of needles)
        assert.ok(!content.includes(needle), `${path.basename(file)} holds the proof`);
    }
    const stored = await server.server.ctx.db
      .selectFrom("identity_claim_proofs")
      .select(["sealed", "size"])
      .where("claim_id", "=", claim.id)
      .executeTakeFirstOrThrow();
    assert.equal(Number(stored.size), bytes.length);
    assert.ok(!Buffer.from(stored.sealed).includes(Buffer.from(marker)));
    if (server.store === "postgres") {
      const dump = await sql<{
        t: string;
      }>`select row_to_json(p)::text as t from identity_claim_proofs p`.execute(server.server.ctx.db);
      const text = dump.rows.map((r) => r.t).join("\n");
      assert.ok(!text.includes(marker) && !text.includes(bytes.toString("hex").slice(0, 64)));
    }

    // The queue shows what the operator compares: the account, the typed names, the directory entry.
    const queued = (await operator.api.identityClaimQueue()).claims.find((c) => c.id === claim.id);
    assert.ok(queued);
    assert.equal(queued.account.id, doctor.userId);
    assert.equal(queued.account.email, doctor.email);
    assert.equal(queued.account.displayName, "Dr Lucas Le Gall");
    assert.equal(queued.nationalId, LE_GALL.nationalId);
    assert.equal(queued.typedLastName, "Le-Gall");
    assert.equal(queued.typedFirstName, "LUCAS");
    assert.equal(queued.directory?.lastName, LE_GALL.lastName);
    assert.equal(queued.directory?.firstName, LE_GALL.firstName);
    assert.equal(queued.directory?.profession?.label, "Chirurgien-dentiste");
    assert.equal(queued.directory?.active, true);
    assert.ok((queued.directory?.places.length ?? 0) > 0, "the practice places are shown");
    assert.equal(queued.attempt, 1);
    assert.equal(queued.competingClaims, 0);
    assert.equal(queued.proof?.contentType, "image/jpeg");

    const seen = await operator.api.identityClaimProof(claim.id);
    assert.equal(seen.contentType, "image/jpeg");
    assert.ok(Buffer.from(seen.bytes).equals(bytes));

    const decided = (await operator.api.approveIdentityClaim(claim.id)).claim;
    assert.equal(decided.state, "approved");
    assert.equal(decided.decidedBy, operator.userId);
    assert.equal(decided.proof, null);
    const { account } = await doctor.api.me();
    assert.equal(account.state, "verified");
    assert.equal(account.identityMethod, "review");
    assert.equal(account.nationalId, LE_GALL.nationalId);
    const { results } = await doctor.api.searchDirectory({ q: "le gall" });
    assert.ok(results.some((r) => r.nationalId === LE_GALL.nationalId));
    assert.equal(await proofRows(claim.id), 0);
    const mine = (await doctor.api.myIdentityClaim()).claim;
    assert.equal(mine?.state, "approved");
    assert.equal(mine?.proof, null);
    assert.ok(mine?.closedAt);

    const mails = await mailsTo(doctor.email);
    assert.ok(mails.some((m) => /identité professionnelle est vérifiée/.test(m.subject)));

    assert.deepEqual(await auditActions(claim.id), [
      "identity.claim_submitted",
      "identity.proof_uploaded",
      "identity.proof_viewed",
      "identity.claim_approved",
    ]);
    const verified = await server.server.ctx.db
      .selectFrom("audit_events")
      .select(["actor_id", "detail"])
      .where("action", "=", "account.identity_verified")
      .where("target_id", "=", doctor.userId)
      .executeTakeFirstOrThrow();
    assert.equal(verified.actor_id, operator.userId);
    assert.deepEqual(JSON.parse(verified.detail ?? "{}"), {
      method: "review",
      nationalId: LE_GALL.nationalId,
    });
    const trail = await server.server.ctx.db.selectFrom("audit_events").select("detail").execute();
    assert.ok(!trail.some((e) => e.detail?.includes(marker)), "the trail holds no proof");

    // Deciding twice, or after the fact, is a conflict; a verified account has nothing to claim.
    await rejectsWith(operator.api.approveIdentityClaim(claim.id), "CONFLICT", 409);
    await rejectsWith(operator.api.rejectIdentityClaim(claim.id, "Trop tard"), "CONFLICT", 409);
    await rejectsWith(operator.api.identityClaimProof(claim.id), "PROOF_NOT_FOUND", 404);
    await rejectsWith(doctor.api.uploadIdentityProof(claim.id, jpeg("y"), "image/jpeg"), "CONFLICT", 409);
    await rejectsWith(
      doctor.api.createIdentityClaim({ identifier: LE_GALL.rpps, lastName: "Le Gall", firstName: "Lucas" }),
      "IDENTITY_ALREADY_VERIFIED",
      409,
    );

    // Another account cannot claim the professional now linked.
    const other = await server.createUser();
    await rejectsWith(
      other.api.createIdentityClaim({ identifier: LE_GALL.rpps, lastName: "Le Gall", firstName: "Lucas" }),
      "PROFESSIONAL_ALREADY_LINKED",
      409,
    );
  });

  test("rejection with a reason: proof deleted, reason e-mailed, the user can claim again", async () => {
    const nurse = await server.createUser();
    const { claim } = await nurse.api.createIdentityClaim({
      identifier: O_CONNOR.nationalId,
      lastName: "o connor",
      firstName: "anais",
    });
    await nurse.api.uploadIdentityProof(claim.id, png("first"), "image/png");
    // A second upload while pending replaces the first; the claim keeps its place in the queue.
    server.clock.advance(5000);
    const replaced = (
      await nurse.api.uploadIdentityProof(claim.id, new Blob([pdf("second")]), "application/pdf")
    ).claim;
    assert.equal(replaced.proof?.contentType, "application/pdf");
    assert.ok(replaced.submittedAt! < replaced.proof!.uploadedAt);
    assert.equal(await proofRows(claim.id), 1);
    assert.ok(Buffer.from((await operator.api.identityClaimProof(claim.id)).bytes).equals(pdf("second")));

    const reason = "La photo est floue : renvoyez une photo nette de votre carte CPS, recto.";
    const decided = (await operator.api.rejectIdentityClaim(claim.id, reason)).claim;
    assert.equal(decided.state, "rejected");
    assert.equal(decided.rejectionReason, reason);
    assert.equal(await proofRows(claim.id), 0);
    const mail = (await mailsTo(nurse.email)).find((m) => /n'a pas été acceptée/.test(m.subject));
    assert.ok(mail, "the user is told");
    assert.ok(mail.text.includes(reason), mail.text);
    const mine = (await nurse.api.myIdentityClaim()).claim;
    assert.equal(mine?.state, "rejected");
    assert.equal(mine?.rejectionReason, reason);
    assert.equal((await nurse.api.me()).account.state, "active");
    assert.ok(
      (await operator.api.identityClaimQueue({ state: "rejected" })).claims.some((c) => c.id === claim.id),
    );
    await rejectsWith(operator.api.approveIdentityClaim(claim.id), "CONFLICT", 409);
    assert.deepEqual(await auditActions(claim.id), [
      "identity.claim_submitted",
      "identity.proof_uploaded",
      "identity.proof_uploaded",
      "identity.proof_viewed",
      "identity.claim_rejected",
    ]);

    // A new claim replaces the rejected one; it can be withdrawn, and then another made.
    const again = (
      await nurse.api.createIdentityClaim({
        identifier: O_CONNOR.rpps,
        lastName: "O'Connor",
        firstName: "Anaïs",
      })
    ).claim;
    assert.notEqual(again.id, claim.id);
    assert.equal((await nurse.api.myIdentityClaim()).claim?.id, again.id);
    await nurse.api.uploadIdentityProof(again.id, jpeg("third"), "image/jpeg");
    assert.equal((await operator.api.identityClaimQueue()).claims.find((c) => c.id === again.id)?.attempt, 2);
    const withdrawn = (await nurse.api.withdrawIdentityClaim(again.id)).claim;
    assert.equal(withdrawn.state, "withdrawn");
    assert.equal(withdrawn.proof, null);
    assert.equal(await proofRows(again.id), 0);
    assert.ok(!(await operator.api.identityClaimQueue()).claims.some((c) => c.id === again.id));
    await rejectsWith(nurse.api.withdrawIdentityClaim(again.id), "CONFLICT", 409);
    await rejectsWith(operator.api.approveIdentityClaim(again.id), "CONFLICT", 409);
    assert.equal((await nurse.api.myIdentityClaim()).claim?.state, "withdrawn");
    assert.deepEqual((await auditActions(again.id)).at(-1), "identity.claim_withdrawn");
    const third = (
      await nurse.api.createIdentityClaim({
        identifier: O_CONNOR.rpps,
        lastName: "O'Connor",
        firstName: "Anaïs",
      })
    ).claim;
    assert.equal((await nurse.api.myIdentityClaim()).claim?.id, third.id);
  });

  test("the number, the directory entry and the names are checked before anything is stored", async () => {
    const user = await server.createUser();
    const claim = (identifier: string, lastName = "Dupuis", firstName = "Pierre") =>
      user.api.createIdentityClaim({ identifier, lastName, firstName });
    await rejectsWith(claim("10400089207"), "RPPS_INVALID_KEY", 400);
    await rejectsWith(
      claim(`${DUPUIS.adeli.slice(0, 8)}${(Number(DUPUIS.adeli[8]) + 1) % 10}`),
      "ADELI_INVALID_KEY",
      400,
    );
    await rejectsWith(claim("810400089207"), "NATIONAL_ID_INVALID_KEY", 400);
    await rejectsWith(claim("310400089206"), "NATIONAL_ID_INVALID_PREFIX", 400);
    await rejectsWith(claim("RPPS 1040008920"), "CLAIM_IDENTIFIER_INVALID", 400);
    await rejectsWith(claim(withLuhnKey("1999999999")), "PROFESSIONAL_NOT_IN_DIRECTORY", 404);
    await rejectsWith(claim(MOREAU.rpps, "Moreau", "Paul"), "PROFESSIONAL_INACTIVE", 409);
    await rejectsWith(claim(DUPUIS.adeli, "---", "Pierre"), "VALIDATION_FAILED", 400);
    // A wrong name never shows how the directory spells the right one.
    for (const [lastName, firstName] of [
      ["Dupont", "Jean-Pierre"],
      ["Dupuis", "Jean-Paul"],
      ["Dupuy", "Jean"],
    ] as const) {
      const error = await rejectsWith(claim(DUPUIS.adeli, lastName, firstName), "CLAIM_NAME_MISMATCH", 422);
      assert.ok(!/dupuis|jean|pierre/i.test(error.message), error.message);
    }
    assert.deepEqual(await user.api.myIdentityClaim(), { claim: null });
    const rows = await server.server.ctx.db
      .selectFrom("identity_claims")
      .select("id")
      .where("user_id", "=", user.userId)
      .execute();
    assert.equal(rows.length, 0);

    // An ADELI, given as its national id, with one part of a compound first name.
    const made = (await claim(DUPUIS.nationalId, "dupuis", "Pierre")).claim;
    assert.equal(made.idType, "ADELI");
    assert.equal(made.nationalId, DUPUIS.nationalId);
    // One open claim per account.
    await rejectsWith(claim(DUPUIS.adeli, "Dupuis", "Jean-Pierre"), "CONFLICT", 409);
  });

  test("two accounts claiming one professional: the operator sees it, and the second approval is refused", async () => {
    const first = await server.createUser();
    const second = await server.createUser();
    const a = (
      await first.api.createIdentityClaim({
        identifier: LEFEVRE.rpps,
        lastName: "Lefevre",
        firstName: "Gabriel",
      })
    ).claim;
    const b = (
      await second.api.createIdentityClaim({
        identifier: LEFEVRE.rpps,
        lastName: "LEFÈVRE",
        firstName: "gabriel",
      })
    ).claim;
    await first.api.uploadIdentityProof(a.id, jpeg("a"), "image/jpeg");
    // The queue is in submission order; at the same millisecond the order would be the ids'.
    server.clock.advance(1000);
    await second.api.uploadIdentityProof(b.id, jpeg("b"), "image/jpeg");
    const queue = (await operator.api.identityClaimQueue()).claims;
    assert.equal(queue.find((c) => c.id === a.id)?.competingClaims, 1);
    assert.equal(queue.find((c) => c.id === b.id)?.competingClaims, 1);
    // Oldest first.
    assert.ok(queue.findIndex((c) => c.id === a.id) < queue.findIndex((c) => c.id === b.id));
    await operator.api.approveIdentityClaim(a.id);
    await rejectsWith(operator.api.approveIdentityClaim(b.id), "PROFESSIONAL_ALREADY_LINKED", 409);
    // The refused approval left the claim in the queue, for a rejection with that reason.
    assert.equal((await second.api.myIdentityClaim()).claim?.state, "pending_review");
    assert.equal((await second.api.me()).account.state, "active");
    await operator.api.rejectIdentityClaim(b.id, "Ce numéro RPPS appartient déjà à un autre compte.");
    assert.equal(await proofRows(b.id), 0);
  });

  test("a proof must be a JPEG, PNG or PDF that is what it says, up to 10 MiB", async () => {
    const user = await server.createUser();
    const { claim } = await user.api.createIdentityClaim({
      identifier: BEN_SAID.rpps,
      lastName: "Ben Said",
      firstName: "Arthur",
    });
    const put = (body: RequestInit["body"], contentType: string, extra: RequestInit = {}) =>
      fetch(`${server.url}/api/v1/identity/claims/${claim.id}/proof`, {
        method: "PUT",
        headers: { authorization: `Bearer ${user.api.token}`, "content-type": contentType },
        body,
        ...extra,
      } as RequestInit);
    const codeOf = async (response: Response) => {
      const body = (await response.json()) as { error: { code: string } };
      return [response.status, body.error.code];
    };
    assert.deepEqual(await codeOf(await put(Buffer.from("GIF89a...."), "image/gif")), [
      415,
      "PROOF_TYPE_UNSUPPORTED",
    ]);
    assert.deepEqual(await codeOf(await put(JSON.stringify({ a: 1 }), "application/json")), [
      415,
      "PROOF_TYPE_UNSUPPORTED",
    ]);
    assert.deepEqual(await codeOf(await put("hello", "text/plain")), [415, "PROOF_TYPE_UNSUPPORTED"]);
    // Declared a JPEG, but a PNG; a PDF that is an HTML page; an empty file.
    await rejectsWith(
      user.api.uploadIdentityProof(claim.id, png("p"), "image/jpeg"),
      "PROOF_TYPE_UNSUPPORTED",
      415,
    );
    await rejectsWith(
      user.api.uploadIdentityProof(
        claim.id,
        Buffer.from("<html><script>alert(1)</script>"),
        "application/pdf",
      ),
      "PROOF_TYPE_UNSUPPORTED",
      415,
    );
    await rejectsWith(
      user.api.uploadIdentityProof(claim.id, new Uint8Array(0), "image/png"),
      "PROOF_TYPE_UNSUPPORTED",
      415,
    );
    // Too large, with a Content-Length, and streamed without one.
    const big = Buffer.concat([jpeg("big"), Buffer.alloc(PROOF_MAX_BYTES)]);
    await rejectsWith(user.api.uploadIdentityProof(claim.id, big, "image/jpeg"), "PROOF_TOO_LARGE", 413);
    const streamed = await put(
      new ReadableStream({
        start(controller) {
          controller.enqueue(jpeg("chunked"));
          for (let i = 0; i < 11; i++) controller.enqueue(new Uint8Array(1024 * 1024));
          controller.close();
        },
      }),
      "image/jpeg",
      { duplex: "half" } as RequestInit,
    );
    assert.deepEqual(await codeOf(streamed), [413, "PROOF_TOO_LARGE"]);
    // Nothing was stored; the claim still waits for its proof. Exactly 10 MiB is accepted.
    assert.equal(await proofRows(claim.id), 0);
    assert.equal((await user.api.myIdentityClaim()).claim?.state, "awaiting_proof");
    const largest = Buffer.concat([jpeg("max"), Buffer.alloc(PROOF_MAX_BYTES)]).subarray(0, PROOF_MAX_BYTES);
    assert.equal(
      (await user.api.uploadIdentityProof(claim.id, largest, "image/jpeg")).claim.proof?.size,
      PROOF_MAX_BYTES,
    );

    // Someone else's claim is not found; a withdrawn one takes no proof.
    const stranger = await server.createUser();
    await rejectsWith(
      stranger.api.uploadIdentityProof(claim.id, jpeg("s"), "image/jpeg"),
      "CLAIM_NOT_FOUND",
      404,
    );
    await rejectsWith(stranger.api.withdrawIdentityClaim(claim.id), "CLAIM_NOT_FOUND", 404);
    await user.api.withdrawIdentityClaim(claim.id);
    await rejectsWith(user.api.uploadIdentityProof(claim.id, jpeg("late"), "image/jpeg"), "CONFLICT", 409);
    await rejectsWith(
      server.client().uploadIdentityProof(claim.id, jpeg("anon"), "image/jpeg"),
      "AUTH_REQUIRED",
      401,
    );
  });

  test("the queue, the proofs and the decisions are for operators, never on their own claim", async () => {
    const user = await server.createUser();
    const { claim } = await user.api.createIdentityClaim({
      identifier: GIRARD.rpps,
      lastName: "Girard",
      firstName: "Anais",
    });
    await user.api.uploadIdentityProof(claim.id, jpeg("g"), "image/jpeg");
    await rejectsWith(user.api.identityClaimQueue(), "OPERATOR_ONLY", 403);
    await rejectsWith(user.api.identityClaimProof(claim.id), "OPERATOR_ONLY", 403);
    await rejectsWith(user.api.approveIdentityClaim(claim.id), "OPERATOR_ONLY", 403);
    await rejectsWith(user.api.rejectIdentityClaim(claim.id, "non"), "OPERATOR_ONLY", 403);
    await rejectsWith(server.client().identityClaimQueue(), "AUTH_REQUIRED", 401);
    await rejectsWith(server.client().myIdentityClaim(), "AUTH_REQUIRED", 401);
    await rejectsWith(operator.api.approveIdentityClaim("no-such-claim"), "CLAIM_NOT_FOUND", 404);
    await rejectsWith(operator.api.identityClaimProof("no-such-claim"), "CLAIM_NOT_FOUND", 404);
    await rejectsWith(operator.api.rejectIdentityClaim(claim.id, "   "), "VALIDATION_FAILED", 400);
    assert.equal((await user.api.myIdentityClaim()).claim?.state, "pending_review");

    // An operator who is not yet verified claims like anyone, but another operator decides.
    const newcomer = await server.createUser({ operator: true });
    const own = (
      await newcomer.api.createIdentityClaim({
        identifier: GIRARD.nationalId,
        lastName: "GIRARD",
        firstName: "Anaïs",
      })
    ).claim;
    await newcomer.api.uploadIdentityProof(own.id, jpeg("own"), "image/jpeg");
    await rejectsWith(newcomer.api.approveIdentityClaim(own.id), "FORBIDDEN", 403);
    await rejectsWith(newcomer.api.rejectIdentityClaim(own.id, "Moi-même"), "FORBIDDEN", 403);
    await operator.api.rejectIdentityClaim(
      own.id,
      "Doublon : une autre demande est en cours pour ce numéro.",
    );
    await operator.api.approveIdentityClaim(claim.id);
    assert.equal((await user.api.me()).account.identityMethod, "review");
  });

  test("the queue pages oldest first by cursor; a decision between pages skips no claim", async () => {
    // Seven claims enter the queue; three share one instant, so the id breaks the tie.
    const claimants: { api: TestUser["api"]; claimId: string }[] = [];
    for (let i = 0; i < 7; i++) {
      const claimant = await server.createUser({ name: `Dr Attente ${i}` });
      const { claim } = await claimant.api.createIdentityClaim({
        identifier: BEN_SAID.rpps,
        lastName: BEN_SAID.lastName,
        firstName: BEN_SAID.firstName,
      });
      claimants.push({ api: claimant.api, claimId: claim.id });
    }
    const entered: string[] = [];
    for (const [i, { api, claimId }] of claimants.entries()) {
      if (i !== 3 && i !== 4) server.clock.advance(1000);
      await api.uploadIdentityProof(claimId, jpeg(`wait-${i}`), "image/jpeg");
      entered.push(claimId);
    }
    const whole = await operator.api.identityClaimQueue({ limit: 200 });
    assert.equal(whole.nextCursor, null);
    const order = whole.claims.map((c) => c.id);
    assert.deepEqual(
      order.filter((id) => entered.includes(id)),
      [...entered.slice(0, 2), ...entered.slice(2, 5).sort(), ...entered.slice(5)],
      "oldest first, then by id",
    );
    for (let i = 1; i < whole.claims.length; i++) {
      const [a, b] = [whole.claims[i - 1]!, whole.claims[i]!];
      assert.ok(a.submittedAt! < b.submittedAt! || (a.submittedAt === b.submittedAt && a.id < b.id));
    }

    // Pages of two read the same queue in the same order, the last page says so.
    const paged: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await operator.api.identityClaimQueue({ limit: 2, ...(cursor ? { cursor } : {}) });
      assert.ok(page.claims.length <= 2);
      paged.push(...page.claims.map((c) => c.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    assert.deepEqual(paged, order);
    assert.equal(pages, Math.ceil(order.length / 2));
    // 50 by default.
    assert.equal((await operator.api.identityClaimQueue()).claims.length, Math.min(50, order.length));

    // A claim decided between two pages leaves the queue; the next page starts right after the cursor.
    const first = await operator.api.identityClaimQueue({ limit: 3 });
    await operator.api.rejectIdentityClaim(first.claims[1]!.id, "Photo illisible : recommencez.");
    const second = await operator.api.identityClaimQueue({ limit: 3, cursor: first.nextCursor! });
    assert.deepEqual(
      second.claims.map((c) => c.id),
      order.slice(3, 6),
    );
    // Another state pages the same way.
    const rejected = await operator.api.identityClaimQueue({ state: "rejected", limit: 1 });
    assert.equal(rejected.claims.length, 1);
    assert.notEqual(rejected.nextCursor, null);

    // Bad parameters have their own codes and change nothing.
    const raw = async (query: string) => {
      const response = await fetch(`${server.url}/api/v1/admin/identity-claims?${query}`, {
        headers: { authorization: `Bearer ${operator.api.token}` },
      });
      return { status: response.status, body: (await response.json()) as { error?: { code: string } } };
    };
    for (const limit of ["0", "201", "abc", "-1", "2.5", "99999"]) {
      const answer = await raw(`limit=${limit}`);
      assert.equal(answer.status, 400, limit);
      assert.equal(answer.body.error?.code, "PAGE_LIMIT_INVALID", limit);
    }
    for (const bad of ["garbage", "!!", Buffer.from("review-queue:12:").toString("base64url")]) {
      const answer = await raw(`cursor=${encodeURIComponent(bad)}`);
      assert.equal(answer.body.error?.code, "PAGE_CURSOR_INVALID", bad);
    }
    await rejectsWith(operator.api.identityClaimQueue({ cursor: "x".repeat(201) }), "VALIDATION_FAILED", 400);
    // A cursor of another list (the sent invitations) is refused, not read from a meaningless place.
    await operator.api.invite({ email: "a@example.fr" });
    await operator.api.invite({ email: "b@example.fr" });
    const sent = await operator.api.sentInvitations({ limit: 1 });
    await rejectsWith(
      operator.api.identityClaimQueue({ cursor: sent.nextCursor! }),
      "PAGE_CURSOR_INVALID",
      400,
    );
    assert.deepEqual(
      (await operator.api.identityClaimQueue({ limit: 200 })).claims.map((c) => c.id),
      order.filter((id) => id !== first.claims[1]!.id),
    );
  });
});

describe(`migration 0007-identity-claims on ${testStore()}`, () => {
  test("0006 → 0007 keeps the accounts and adds empty claim tables; down removes them", async () => {
    const scratch = await scratchDatabase("identity-claims-migration");
    try {
      const handle = await scratch.open();
      try {
        await migrate(handle, "0006-pro-sante-connect");
        await handle.db.insertInto("users").values(userRow()).execute();
        assert.deepEqual(await migrate(handle, "0007-identity-claims"), ["0007-identity-claims"]);
        const user = await handle.db
          .selectFrom("users")
          .select("email")
          .where("id", "=", "u1")
          .executeTakeFirstOrThrow();
        assert.equal(user.email, "a@example.fr");
        const claim = {
          id: "c1",
          user_id: "u1",
          attempt: 1,
          open_user_id: "u1",
          national_id: "810400089206",
          id_type: "RPPS" as const,
          typed_last_name: "Le Gall",
          typed_first_name: "Lucas",
          state: "awaiting_proof" as const,
          rejection_reason: null,
          decided_by: null,
          created_at: 1,
          submitted_at: null,
          closed_at: null,
          updated_at: 1,
        };
        await handle.db.insertInto("identity_claims").values(claim).execute();
        // One open claim per account, whatever the node.
        await assert.rejects(
          handle.db
            .insertInto("identity_claims")
            .values({ ...claim, id: "c2", attempt: 2 })
            .execute(),
        );
        await handle.db
          .insertInto("identity_claim_proofs")
          .values({
            claim_id: "c1",
            content_type: "image/png",
            size: 3,
            sealed: Buffer.from([1, 2, 3]),
            uploaded_at: 1,
          })
          .execute();
        const proof = await handle.db
          .selectFrom("identity_claim_proofs")
          .selectAll()
          .executeTakeFirstOrThrow();
        assert.deepEqual([...Buffer.from(proof.sealed)], [1, 2, 3]);
        await migrate(handle, "0006-pro-sante-connect");
        const tables =
          handle.kind === "postgres"
            ? await sql<{
                name: string;
              }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(
                handle.db,
              )
            : await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(
                handle.db,
              );
        assert.ok(!tables.rows.some((t) => t.name.startsWith("identity_claim")));
      } finally {
        await handle.close();
      }
    } finally {
      await scratch.dispose();
    }
  });
});
