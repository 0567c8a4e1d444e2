import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { startTestServer, type TestServer, type TestUser } from "@confrere/dev-env";
import { confrere, loginCli } from "./support/cli.ts";

describe("confrere case open / list / export", () => {
  let server: TestServer;
  let root: string;
  before(async () => {
    server = await startTestServer();
    root = await fs.mkdtemp(path.join(os.tmpdir(), "confrere-case-"));
  });
  after(async () => {
    await server.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  async function login(user: TestUser, home: string) {
    const run = await loginCli(server, user, home);
    assert.equal(run.code, 0, run.stderr);
  }

  test("open a case from a patient file, find it, export it as PDF and FHIR", async () => {
    const alice = await server.createUser({ verified: true, name: "Dr Alice Martin" });
    const bob = await server.createUser({ verified: true, name: "Dr Bob Durand" });
    const home = path.join(root, "alice");
    await login(alice, home);
    const created = await confrere([
      "group",
      "create",
      "--name",
      "RCP",
      "--member",
      bob.email,
      "--home",
      home,
      "--json",
    ]);
    assert.equal(created.code, 0, created.stderr);
    const { conversationId } = JSON.parse(created.stdout) as { conversationId: string };

    const bad = path.join(root, "bad.json");
    await fs.writeFile(
      bad,
      JSON.stringify({
        ins: "284057800608491",
        birthName: "X",
        firstNames: "Y",
        sex: "F",
        birthDate: "1984-05-17",
        birthplaceCode: "78006",
      }),
    );
    const refused = await confrere([
      "case",
      "open",
      "--conversation",
      conversationId,
      "--patient-file",
      bad,
      "--home",
      home,
    ]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /the key \(last 2 digits\) does not match/);

    const patientFile = path.join(root, "patient.json");
    await fs.writeFile(
      patientFile,
      JSON.stringify({
        ins: "284057800608490",
        birthName: "Quennevillé",
        firstNames: "Honorine",
        sex: "F",
        birthDate: "1984-05-17",
        birthplaceCode: "78006",
      }),
    );
    const opened = await confrere([
      "case",
      "open",
      "--conversation",
      conversationId,
      "--patient-file",
      patientFile,
      "--consent",
      "consented",
      "--home",
      home,
      "--json",
    ]);
    assert.equal(opened.code, 0, opened.stderr);
    const { caseId } = JSON.parse(opened.stdout) as { caseId: string };

    const listed = await confrere(["case", "list", "--search", "quenneville", "--home", home, "--json"]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(
      (JSON.parse(listed.stdout) as { cases: { caseId: string }[] }).cases.map((c) => c.caseId),
      [caseId],
    );

    const fhirOut = path.join(root, "case.fhir.json");
    const fhir = await confrere([
      "case",
      "export",
      "--case",
      caseId,
      "--format",
      "fhir",
      "--out",
      fhirOut,
      "--home",
      home,
      "--json",
    ]);
    assert.equal(fhir.code, 0, fhir.stderr);
    const bundle = JSON.parse(await fs.readFile(fhirOut, "utf8")) as {
      resourceType: string;
      entry: unknown[];
    };
    assert.equal(bundle.resourceType, "Bundle");
    assert.ok(JSON.stringify(bundle).includes("284057800608490"));
    assert.equal((await fs.stat(fhirOut)).mode & 0o077, 0, "the export is private to its owner");

    const pdfOut = path.join(root, "case.pdf");
    const pdf = await confrere([
      "case",
      "export",
      "--case",
      caseId,
      "--format",
      "pdf",
      "--out",
      pdfOut,
      "--home",
      home,
    ]);
    assert.equal(pdf.code, 0, pdf.stderr);
    assert.equal((await fs.readFile(pdfOut)).subarray(0, 5).toString(), "%PDF-");

    const wrongFormat = await confrere([
      "case",
      "export",
      "--case",
      caseId,
      "--format",
      "docx",
      "--out",
      pdfOut,
      "--home",
      home,
    ]);
    assert.equal(wrongFormat.code, 64, "a usage error");
  });
});
