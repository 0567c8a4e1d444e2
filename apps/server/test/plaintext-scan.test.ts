import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { connectDevice, eventually, startTestServer, type TestServer } from "@confrere/dev-env";
import { computeInsKey } from "@confrere/protocol";
import { CaseBook, ExpertiseDesk } from "@confrere/sdk";
import { sql } from "kysely";

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else out.push(full);
  }
  return out;
}

/**
 * The server must never be able to read a message or an attachment: after a real exchange, no byte
 * of the plaintexts is anywhere on the server side — database files (with the WAL), blob store,
 * logs, or, on PostgreSQL, any row of any table.
 */
describe("the server holds no plaintext", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ env: { LOG_LEVEL: "debug" } });
  });
  after(async () => {
    await server.close();
  });

  test("messages, file names and file bytes are nowhere on the server", async () => {
    const alice = await server.createUser({ verified: true });
    const bob = await server.createUser({ verified: true });
    const a = await connectDevice(server, alice);
    const b = await connectDevice(server, bob);
    try {
      const needle = `PLAINTEXT-${randomBytes(8).toString("hex")}`;
      const fileName = `dossier-${randomBytes(6).toString("hex")}.pdf`;
      const fileBytes = randomBytes(200_000);
      const conversationId = await a.openDirect(bob.userId);
      await a.sendText(conversationId, `Patient vu ce matin : ${needle}`);
      const group = await a.createGroup(`Groupe ${needle}`, [bob.userId]);
      const file = await b.sendFile(conversationId, {
        bytes: fileBytes,
        fileName,
        mimeType: "application/pdf",
      });
      await a.sendText(group, `${needle} en groupe`);
      // A patient case: the INS, the names and the birth date travel encrypted only.
      const nir = `2${String(randomBytes(4).readUInt32BE() % 10 ** 9).padStart(9, "0")}123`;
      const ins = nir + computeInsKey(nir);
      const birthName = `Patiente${randomBytes(5).toString("hex")}`;
      const firstNames = `Prenom${randomBytes(5).toString("hex")}`;
      const birthDate = "1937-02-23";
      const openedCase = await new CaseBook(a).openCase(
        group,
        { kind: "ins", ins, birthName, firstNames, sex: "F", birthDate, birthplaceCode: "99134" },
        "consented",
      );
      await new CaseBook(a).sendInCase(openedCase.caseId, `Compte rendu ${needle}`);
      // Télé-expertise about that patient: question, context, conclusion and decline reason.
      const question = `Question-${randomBytes(6).toString("hex")}`;
      const clinicalContext = `Contexte-${randomBytes(6).toString("hex")}`;
      const conclusion = `Conclusion-${randomBytes(6).toString("hex")}`;
      const declineReason = `Motif-${randomBytes(6).toString("hex")}`;
      const requests = new ExpertiseDesk(a);
      const answers = new ExpertiseDesk(b);
      const asked = await requests.request({
        to: bob.userId,
        question: `${question} ${birthName}`,
        clinicalContext,
        caseId: openedCase.caseId,
      });
      await answers.accept(asked.id);
      await answers.answer(asked.id, `${conclusion} (${ins})`);
      const refused = await requests.request({ to: bob.userId, question, caseId: openedCase.caseId });
      await answers.decline(refused.id, declineReason);
      await eventually(async () => (await requests.get(asked.id)).conclusion, "Alice gets the conclusion");
      await eventually(async () => a.findMessage(conversationId, file.id), "Alice gets the file");
      assert.ok(Buffer.from((await a.downloadAttachment(conversationId, file.id)).bytes).equals(fileBytes));

      const needles = [
        Buffer.from(needle),
        Buffer.from(fileName),
        fileBytes.subarray(1000, 1048),
        fileBytes.subarray(150_000, 150_048),
        Buffer.from(ins),
        Buffer.from(birthName),
        Buffer.from(firstNames),
        Buffer.from(birthDate),
        Buffer.from(question),
        Buffer.from(clinicalContext),
        Buffer.from(conclusion),
        Buffer.from(declineReason),
      ];
      const files = await filesUnder(server.dataDir);
      assert.ok(files.some((f) => f.endsWith("server.log")));
      // Control: the scan does see what the server legitimately holds (an account's e-mail).
      const everything = Buffer.concat(await Promise.all(files.map((f) => fs.readFile(f))));
      if (server.store === "sqlite") {
        assert.ok(everything.includes(Buffer.from(alice.email)), "the scan reads the database files");
        assert.ok(everything.includes(Buffer.from(asked.id)), "the scan reads the télé-expertise states");
      }
      for (const file of files) {
        const content = await fs.readFile(file);
        for (const n of needles)
          assert.ok(!content.includes(n), `${path.relative(server.dataDir, file)} holds plaintext`);
      }
      if (server.store === "postgres") {
        const tables = await sql<{ table_name: string }>`
          select table_name from information_schema.tables where table_schema = ${server.schema}`.execute(
          server.server.ctx.db,
        );
        for (const { table_name } of tables.rows) {
          const rows = await sql<{
            t: string;
          }>`select row_to_json(x)::text as t from ${sql.table(table_name)} x`.execute(server.server.ctx.db);
          const dump = rows.rows.map((r) => r.t).join("\n");
          for (const n of needles) {
            assert.ok(
              !dump.includes(n.toString("utf8")) && !dump.includes(n.toString("hex")),
              `table ${table_name} holds plaintext`,
            );
          }
        }
      }
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });
});
