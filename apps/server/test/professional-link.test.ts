import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { rejectsWith, runServerCli, startTestServer, type TestServer, testStore } from "@confrere/dev-env";
import { withLuhnKey } from "@confrere/protocol";
import { makeTempDir, mapTable, OLD_PERSONNE_ACTIVITE } from "../src/directory/test-support.ts";

/** ROBERT Léa, sage-femme at Dijon in the fixture; BONNET Clémence, médecin généraliste. */
const ROBERT = "810434640974";
const BONNET = "810582029384";

/** The fixture without the rows of one professional: an extraction after they stopped practising. */
async function extractionWithout(dir: string, nationalId: string): Promise<string> {
  const file = path.join(dir, "PS_LibreAcces_Personne_activite_202612010000.txt");
  await writeFile(
    file,
    mapTable(readFileSync(OLD_PERSONNE_ACTIVITE, "utf8"), (rows) => {
      const column = rows[0]!.indexOf("Identification nationale PP");
      return rows.filter((row, i) => i === 0 || row[column] !== nationalId);
    }),
  );
  return file;
}

async function importFiles(server: TestServer, files: string[], ...flags: string[]): Promise<void> {
  const result = await runServerCli(["directory", "import", ...files, ...flags], { env: server.env });
  assert.equal(result.code, 0, result.stderr);
}

describe(`account ↔ directory link on ${testStore()}`, () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  before(async () => {
    tmp = await makeTempDir();
  });
  after(async () => {
    await tmp.remove();
  });

  test("an operator links an account to its professional: one account per professional, one professional per account", async () => {
    const server = await startTestServer();
    try {
      await importFiles(server, [OLD_PERSONNE_ACTIVITE], "--no-deactivate-missing");
      const operator = await server.createUser({ operator: true, verified: true });
      const robert = await server.createUser();
      const other = await server.createUser();

      const { account } = await operator.api.verifyIdentity(robert.userId, undefined, ROBERT);
      assert.equal(account.state, "verified");
      assert.equal(account.nationalId, ROBERT);
      assert.equal(account.identityMethod, "operator");
      assert.equal((await robert.api.me()).account.nationalId, ROBERT);

      await rejectsWith(
        operator.api.verifyIdentity(other.userId, undefined, ROBERT),
        "PROFESSIONAL_ALREADY_LINKED",
        409,
      );
      await rejectsWith(
        operator.api.verifyIdentity(robert.userId, undefined, BONNET),
        "ACCOUNT_ALREADY_LINKED",
        409,
      );
      await rejectsWith(
        operator.api.verifyIdentity(other.userId, undefined, `8${withLuhnKey("1999999999")}`),
        "PROFESSIONAL_NOT_IN_DIRECTORY",
        404,
      );
      // The refusals changed nothing.
      const untouched = (await other.api.me()).account;
      assert.equal(untouched.state, "active");
      assert.equal(untouched.nationalId, null);

      const events = await operator.api.auditEvents({ limit: 50 });
      const link = events.events.find(
        (e) => e.action === "account.identity_verified" && e.targetId === robert.userId,
      );
      assert.deepEqual(link?.detail, { method: "operator", nationalId: ROBERT });
    } finally {
      await server.close();
    }
  });

  test("a professional missing from a complete extraction: their verified account is suspended and told why", async () => {
    const server = await startTestServer();
    try {
      await importFiles(server, [OLD_PERSONNE_ACTIVITE], "--no-deactivate-missing");
      const operator = await server.createUser({ operator: true, verified: true });
      const robert = await server.createUser();
      const bonnet = await server.createUser();
      await operator.api.verifyIdentity(robert.userId, undefined, ROBERT);
      await operator.api.verifyIdentity(bonnet.userId, undefined, BONNET);

      await importFiles(server, [await extractionWithout(tmp.dir, ROBERT)], "--deactivate-missing");

      await rejectsWith(robert.api.me(), "AUTH_REQUIRED", 401);
      const [listed] = (await operator.api.adminUsers(robert.email)).users;
      assert.equal(listed?.state, "suspended");
      assert.equal((await bonnet.api.me()).account.state, "verified");
      const mail = (await server.outbox()).find((m) => m.to === robert.email && /suspendu/.test(m.subject));
      assert.ok(mail, "the suspended professional is told why");
      assert.match(mail.text, /Annuaire Santé/);

      // An inactive professional cannot be linked again.
      const newcomer = await server.createUser();
      await rejectsWith(
        operator.api.verifyIdentity(newcomer.userId, undefined, ROBERT),
        "PROFESSIONAL_INACTIVE",
        409,
      );
    } finally {
      await server.close();
    }
  });

  test("DIRECTORY_INACTIVE_POLICY=warn only warns the account", async () => {
    const server = await startTestServer({ env: { DIRECTORY_INACTIVE_POLICY: "warn" } });
    try {
      await importFiles(server, [OLD_PERSONNE_ACTIVITE], "--no-deactivate-missing");
      const operator = await server.createUser({ operator: true, verified: true });
      const robert = await server.createUser();
      await operator.api.verifyIdentity(robert.userId, undefined, ROBERT);

      await importFiles(server, [await extractionWithout(tmp.dir, ROBERT)], "--deactivate-missing");

      assert.equal((await robert.api.me()).account.state, "verified");
      const mail = (await server.outbox()).find((m) => m.to === robert.email && /Annuaire/.test(m.subject));
      assert.ok(mail, "the professional is warned");
    } finally {
      await server.close();
    }
  });
});
