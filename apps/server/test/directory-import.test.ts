import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { type CliResult, runServerCli, startTestServer, type TestServer } from "@confrere/dev-env";
import { withLuhnKey } from "@confrere/protocol";
import { sql } from "kysely";
import type { DirectoryImportSummary } from "../src/directory/directory-import.ts";
import { searchDirectory } from "../src/directory/directory-search.ts";
import { KyselyDirectorySql } from "../src/directory/directory-sql.ts";
import { SEARCH_FORMAT } from "../src/directory/search-documents.ts";
import {
  encodeWindows1252,
  makeTempDir,
  mapTable,
  OLD_PERSONNE_ACTIVITE,
  SPLIT_PERSONNE_ACTIVITE,
  SPLIT_SAVOIR_FAIRE,
  writeZip,
} from "../src/directory/test-support.ts";

const oldText = readFileSync(OLD_PERSONNE_ACTIVITE, "utf8");
const OLD_NAME = path.basename(OLD_PERSONNE_ACTIVITE);
/** People (distinct national ids) and rows of the older fixture. */
const OLD_PEOPLE = 53;
const OLD_ROWS = 60;
/** People and rows (both files) of the newer, split fixture. */
const SPLIT_PEOPLE = 36;
const SPLIT_ROWS = 52;

let tmp: Awaited<ReturnType<typeof makeTempDir>>;
before(async () => {
  tmp = await makeTempDir();
});
after(async () => {
  await tmp.remove();
});

async function tempFile(name: string, data: string | Uint8Array): Promise<string> {
  const file = path.join(tmp.dir, name);
  await writeFile(file, data);
  return file;
}

/** Runs `confrere-server directory import FILES --json ARGS` against the server's database. */
async function runImport(
  server: TestServer,
  files: readonly string[],
  ...args: string[]
): Promise<CliResult & { summary: DirectoryImportSummary }> {
  const result = await runServerCli(["directory", "import", ...files, "--json", ...args], {
    env: server.env,
  });
  assert.equal(result.code, 0, result.stderr);
  return { ...result, summary: JSON.parse(result.stdout) as DirectoryImportSummary };
}

function counts(summary: DirectoryImportSummary) {
  return { ...summary.professionals, rowsRead: summary.rowsRead, rowsRejected: summary.rowsRejected };
}

async function professional(server: TestServer, nationalId: string) {
  return server.server.ctx.db
    .selectFrom("directory_professionals")
    .selectAll()
    .where("national_id", "=", nationalId)
    .executeTakeFirst();
}

async function countRows(
  server: TestServer,
  table: "directory_professionals" | "directory_practice_situations",
) {
  const row = await server.server.ctx.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * The specialties per département (migration 0011, the "specialty + département" filter), as the
 * import wrote them and as its specialties and practice situations say they should be.
 */
async function specialtyDepartements(server: TestServer) {
  const db = server.server.ctx.db;
  const key = (row: { code: string; departement_code: string; professional_id: number }) =>
    `${row.code} ${row.departement_code} ${Number(row.professional_id)}`;
  const written = await db
    .selectFrom("directory_specialty_departements")
    .select(["code", "departement_code", "professional_id"])
    .execute();
  const expected = await db
    .selectFrom("directory_specialties as sp")
    .innerJoin("directory_practice_situations as ps", "ps.professional_id", "sp.professional_id")
    .select(["sp.code", "ps.departement_code", "sp.professional_id"])
    .distinct()
    .where("ps.departement_code", "is not", null)
    .execute();
  return {
    written: written.map(key).sort(),
    expected: expected.map((row) => key({ ...row, departement_code: row.departement_code! })).sort(),
  };
}

describe("confrere-server directory import: older layout", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  test("imports every person with their practice situations, specialties and establishments", async () => {
    const { summary } = await runImport(server, [OLD_PERSONNE_ACTIVITE]);
    assert.deepEqual(counts(summary), {
      new: OLD_PEOPLE,
      updated: 0,
      unchanged: 0,
      deactivated: 0,
      rowsRead: OLD_ROWS,
      rowsRejected: 0,
    });
    assert.deepEqual(summary.sources, [OLD_NAME]);
    assert.equal(await countRows(server, "directory_professionals"), OLD_PEOPLE);
    assert.equal(await countRows(server, "directory_practice_situations"), OLD_ROWS);

    // LEROY Léa: two practice rows (two places, one specialty each) make one professional.
    const leroy = await professional(server, "810785900399");
    assert.ok(leroy);
    assert.equal(leroy.id_type, "RPPS");
    assert.equal(leroy.identifier, "10785900399");
    assert.equal(leroy.last_name, "LEROY");
    assert.equal(leroy.first_name, "Léa");
    assert.equal(leroy.practice_civility_label, "Docteur");
    assert.equal(leroy.profession_code, "10");
    assert.equal(leroy.is_active, 1);
    const db = server.server.ctx.db;
    const places = await db
      .selectFrom("directory_practice_situations as s")
      .innerJoin("directory_establishments as e", "e.id", "s.establishment_id")
      .select([
        "e.name",
        "e.commune_label",
        "e.postal_code",
        "e.departement_code",
        "e.address",
        "s.specialty_code",
      ])
      .where("s.professional_id", "=", leroy.id)
      .orderBy("s.situation_key")
      .execute();
    assert.deepEqual(
      places.map((p) => [p.name, p.commune_label, p.postal_code, p.departement_code, p.specialty_code]),
      [
        ["CABINET LEROY", "SAINT-DENIS", "97400", "974", "SM04"],
        ["CABINET LEROY", "LE CREUSOT", "71200", "71", "SM54"],
      ],
    );
    assert.equal(places[1]?.address, "72 rue Paul Bert");
    const specialties = await db
      .selectFrom("directory_specialties")
      .select(["code", "label", "type_code"])
      .where("professional_id", "=", leroy.id)
      .orderBy("code")
      .execute();
    assert.deepEqual(specialties, [
      { code: "SM04", label: "Cardiologie et maladies vasculaires", type_code: "S" },
      { code: "SM54", label: "Médecine générale", type_code: "S" },
    ]);

    const imports = await db.selectFrom("directory_imports").selectAll().execute();
    assert.equal(imports.length, 1);
    assert.equal(imports[0]?.status, "completed");
    assert.equal(imports[0]?.professionals_new, OLD_PEOPLE);
    const audit = await db
      .selectFrom("audit_events")
      .selectAll()
      .where("action", "=", "directory.imported")
      .execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0]?.target_id, String(summary.importId));
    assert.deepEqual(
      { ...JSON.parse(audit[0]?.detail ?? "{}"), durationMs: 0 },
      {
        rowsRead: OLD_ROWS,
        rowsRejected: 0,
        new: OLD_PEOPLE,
        updated: 0,
        unchanged: 0,
        deactivated: 0,
        deactivatedMissing: true,
        durationMs: 0,
      },
    );
  });

  test("importing the same file again changes nothing", async () => {
    const before = await professional(server, "810785900399");
    const { summary, stdout } = await runImport(server, [OLD_PERSONNE_ACTIVITE]);
    assert.deepEqual(summary.professionals, { new: 0, updated: 0, unchanged: OLD_PEOPLE, deactivated: 0 });
    const afterRow = await professional(server, "810785900399");
    assert.equal(afterRow?.updated_at, before?.updated_at);
    assert.equal(afterRow?.first_seen_import, before?.first_seen_import);
    assert.equal(afterRow?.last_seen_import, summary.importId);
    assert.equal(await countRows(server, "directory_practice_situations"), OLD_ROWS);
    assert.doesNotMatch(stdout, /rejected: /);
  });

  test("the same extraction in Latin-1 with CRLF line ends, or zipped, is the same content", async () => {
    const latin1 = await tempFile(OLD_NAME, encodeWindows1252(mapTable(oldText, (rows) => rows, "\r\n")));
    const fromLatin1 = await runImport(server, [latin1]);
    assert.deepEqual(fromLatin1.summary.professionals, {
      new: 0,
      updated: 0,
      unchanged: OLD_PEOPLE,
      deactivated: 0,
    });
    const zip = path.join(tmp.dir, "PS_LibreAcces_202611010000.zip");
    await writeZip(zip, [{ name: OLD_NAME, data: readFileSync(OLD_PERSONNE_ACTIVITE) }], "deflate");
    const fromZip = await runImport(server, [zip]);
    assert.deepEqual(fromZip.summary.professionals, {
      new: 0,
      updated: 0,
      unchanged: OLD_PEOPLE,
      deactivated: 0,
    });
  });

  test("a newer extraction updates a changed person, adds a new one and deactivates a missing one", async () => {
    const renamed = "810434640974"; // ROBERT Léa
    const dropped = "810079995337"; // BONNET Clémence
    const added = `8${withLuhnKey("1999999999")}`;
    const modified = await tempFile(
      "PS_LibreAcces_Personne_activite_202612010000.txt",
      mapTable(
        oldText,
        (rows) => {
          const header = rows[0]!;
          const column = (name: string) => header.indexOf(name);
          const out = rows.filter((row) => row[column("Identification nationale PP")] !== dropped);
          const robert = out.find((row) => row[column("Identification nationale PP")] === renamed)!;
          robert[column("Nom d'exercice")] = "ROBERT-DUVAL";
          const newcomer = [...robert];
          newcomer[column("Identifiant PP")] = added.slice(1);
          newcomer[column("Identification nationale PP")] = added;
          newcomer[column("Nom d'exercice")] = "NOUVEAU";
          out.push(newcomer);
          return out;
        },
        "\r\n",
      ),
    );
    const { summary } = await runImport(server, [modified]);
    assert.deepEqual(summary.professionals, {
      new: 1,
      updated: 1,
      unchanged: OLD_PEOPLE - 2,
      deactivated: 1,
    });
    assert.equal(summary.deactivation.done, true);
    assert.equal((await professional(server, renamed))?.last_name, "ROBERT-DUVAL");
    assert.equal((await professional(server, renamed))?.last_name_key, "robert duval");
    assert.equal((await professional(server, dropped))?.is_active, 0);
    assert.equal((await professional(server, added))?.is_active, 1);

    // Back to the first extraction: the renamed and the deactivated ones change back.
    const back = await runImport(server, [OLD_PERSONNE_ACTIVITE]);
    assert.deepEqual(back.summary.professionals, {
      new: 0,
      updated: 2,
      unchanged: OLD_PEOPLE - 2,
      deactivated: 1,
    });
    assert.equal((await professional(server, dropped))?.is_active, 1);
    assert.equal((await professional(server, added))?.is_active, 0);
    const pairs = await specialtyDepartements(server);
    assert.ok(pairs.expected.length > 0);
    assert.deepEqual(pairs.written, pairs.expected);
  });

  test("a file missing a required column is refused with its name, and nothing is imported", async () => {
    const before = await server.server.ctx.db
      .selectFrom("directory_professionals")
      .selectAll()
      .orderBy("id")
      .execute();
    const withoutName = await tempFile(
      "PS_LibreAcces_Personne_activite_202612020000.txt",
      mapTable(oldText, (rows) => {
        const index = rows[0]!.indexOf("Nom d'exercice");
        return rows.map((row) => row.filter((_, i) => i !== index));
      }),
    );
    // A good file first: the bad one must stop the import before anything is written.
    const result = await runServerCli(
      ["directory", "import", OLD_PERSONNE_ACTIVITE, withoutName, "--deactivate-missing"],
      { env: server.env },
    );
    assert.equal(result.code, 1);
    assert.match(result.stderr, /importAnnuaire: missing column "Nom d'exercice" in .*202612020000\.txt/);
    const afterRows = await server.server.ctx.db
      .selectFrom("directory_professionals")
      .selectAll()
      .orderBy("id")
      .execute();
    assert.deepEqual(afterRows, before);
    const last = await server.server.ctx.db
      .selectFrom("directory_imports")
      .selectAll()
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    assert.equal(last.status, "failed");
    assert.match(last.error ?? "", /missing column "Nom d'exercice"/);
  });

  test("an extraction that does not look complete deactivates nobody unless told to", async () => {
    const split = await runImport(server, [SPLIT_PERSONNE_ACTIVITE, SPLIT_SAVOIR_FAIRE]);
    assert.equal(split.summary.professionals.new, SPLIT_PEOPLE);
    assert.equal(split.summary.professionals.deactivated, 0);
    assert.equal(split.summary.deactivation.done, false);
    assert.match(split.stderr, /were not deactivated: it lists 36 professionals where 53 were active/);

    const forced = await runImport(
      server,
      [SPLIT_PERSONNE_ACTIVITE, SPLIT_SAVOIR_FAIRE],
      "--deactivate-missing",
    );
    assert.deepEqual(forced.summary.professionals, {
      new: 0,
      updated: 0,
      unchanged: SPLIT_PEOPLE,
      deactivated: OLD_PEOPLE,
    });
    const none = await runImport(server, [OLD_PERSONNE_ACTIVITE], "--no-deactivate-missing");
    assert.equal(none.summary.professionals.updated, OLD_PEOPLE); // reactivated
    assert.equal(none.summary.professionals.deactivated, 0);
  });

  test("wrong arguments are usage errors", async () => {
    const noFile = await runServerCli(["directory", "import"], { env: server.env });
    assert.equal(noFile.code, 64);
    assert.match(noFile.stderr, /give the extraction files/);
    const both = await runServerCli(
      ["directory", "import", OLD_PERSONNE_ACTIVITE, "--deactivate-missing", "--no-deactivate-missing"],
      { env: server.env },
    );
    assert.equal(both.code, 64);
    const missing = await runServerCli(["directory", "import", path.join(tmp.dir, "nope.txt")], {
      env: server.env,
    });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /importDirectory: cannot read .*nope\.txt: ENOENT/);
  });
});

describe("confrere-server directory import: newer layout, zip, broken rows", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  test("specialties come from the SavoirFaire file; the zip of both files is the same content", async () => {
    // Without --json: the summary for people.
    const { code, stdout, stderr } = await runServerCli(
      ["directory", "import", SPLIT_PERSONNE_ACTIVITE, SPLIT_SAVOIR_FAIRE],
      { env: server.env },
    );
    assert.equal(code, 0, stderr);
    assert.match(stdout, /rows read {4}52\n/);
    assert.match(stdout, /new {10}36\n/);
    const bertrand = await professional(server, "810373343929");
    assert.ok(bertrand);
    const specialties = await server.server.ctx.db
      .selectFrom("directory_specialties")
      .select(["code", "label"])
      .where("professional_id", "=", bertrand.id)
      .execute();
    assert.deepEqual(specialties, [{ code: "SM04", label: "Cardiologie et maladies vasculaires" }]);
    // FRANÇOIS Raphaël: two rows, one at a FINESS site.
    const francois = await professional(server, "810607173555");
    const establishments = await server.server.ctx.db
      .selectFrom("directory_practice_situations as s")
      .innerJoin("directory_establishments as e", "e.id", "s.establishment_id")
      .select(["e.establishment_key", "e.name", "s.practice_mode_code", "s.departement_code"])
      .where("s.professional_id", "=", francois!.id)
      .orderBy("e.establishment_key")
      .execute();
    assert.deepEqual(establishments, [
      {
        establishment_key: "F751486820",
        name: "CENTRE HOSPITALIER DE PARIS",
        practice_mode_code: "S",
        departement_code: "75",
      },
      {
        establishment_key: "F896604790",
        name: "CABINET FRANÇOIS",
        practice_mode_code: "S",
        departement_code: "89",
      },
    ]);

    const zip = path.join(tmp.dir, "PS_LibreAcces_202611150000.zip");
    await writeZip(
      zip,
      [
        { name: path.basename(SPLIT_PERSONNE_ACTIVITE), data: readFileSync(SPLIT_PERSONNE_ACTIVITE) },
        { name: path.basename(SPLIT_SAVOIR_FAIRE), data: readFileSync(SPLIT_SAVOIR_FAIRE) },
        { name: "PS_LibreAcces_Dipl_AutExerc_202611150000.txt", data: Buffer.from("ignored\n") },
      ],
      "deflate",
    );
    const again = await runImport(server, [zip]);
    assert.deepEqual(counts(again.summary), {
      new: 0,
      updated: 0,
      unchanged: SPLIT_PEOPLE,
      deactivated: 0,
      rowsRead: SPLIT_ROWS,
      rowsRejected: 0,
    });
  });

  test("a changed specialty in the SavoirFaire file updates only that person", async () => {
    const savoirFaire = readFileSync(SPLIT_SAVOIR_FAIRE, "utf8");
    const changed = await tempFile(
      "PS_LibreAcces_SavoirFaire_202612010000.txt",
      savoirFaire.replace("|SM04|Cardiologie et maladies vasculaires|", "|SM19|Gériatrie|"),
    );
    const previous = await specialtyDepartements(server);
    const { summary } = await runImport(server, [SPLIT_PERSONNE_ACTIVITE, changed]);
    assert.deepEqual(summary.professionals, {
      new: 0,
      updated: 1,
      unchanged: SPLIT_PEOPLE - 1,
      deactivated: 0,
    });
    // The "specialty + département" filter follows: the SM04 row became an SM19 one.
    const pairs = await specialtyDepartements(server);
    assert.deepEqual(pairs.written, pairs.expected);
    assert.notDeepEqual(pairs.written, previous.written);
    assert.equal(
      pairs.written.filter((row) => row.startsWith("SM19 ")).length,
      previous.written.filter((row) => row.startsWith("SM19 ")).length + 1,
    );
  });

  test("broken rows are reported with their line and skipped; the good rows are imported", async () => {
    const fresh = await startTestServer();
    try {
      const broken = await tempFile(
        "PS_LibreAcces_Personne_activite_202612030000.txt",
        mapTable(
          oldText,
          (rows) =>
            rows.map((row, index) => {
              // Line 7: a wrong RPPS key; line 10: a field missing.
              if (index === 6)
                return row.map((v, i) => (i === 2 ? "810327620795" : i === 1 ? "10327620795" : v));
              if (index === 9) return row.slice(1);
              return row;
            }),
          "\r\n",
        ),
      );
      const { summary, stderr } = await runImport(fresh, [broken]);
      assert.equal(summary.rowsRead, OLD_ROWS);
      assert.equal(summary.rowsRejected, 2);
      assert.equal(summary.professionals.new, OLD_PEOPLE - 2);
      assert.match(
        stderr,
        /rejected: importAnnuaire: line 7 of .*202612030000\.txt: .*810327620795.*\[NATIONAL_ID_/,
      );
      assert.match(stderr, /rejected: importAnnuaire: line 10 of .*: 52 fields where the header has 53/);
      assert.deepEqual(
        summary.rejections.map((r) => r.line),
        [7, 10],
      );
      assert.equal(await professional(fresh, "810327620794"), undefined);
      assert.equal(await professional(fresh, "810619676926"), undefined);
      assert.ok(await professional(fresh, "810785900399"));
    } finally {
      await fresh.close();
    }
  });
});

describe("confrere-server directory import: search documents of an older format", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  test("the import after one of an older format rebuilds every document, listed in it or not, and counts nobody as changed", async () => {
    const leroy = "810785900399"; // LEROY Léa, in both imports
    const robert = "810434640974"; // ROBERT Léa, left out of the second
    await runImport(server, [OLD_PERSONNE_ACTIVITE]);
    const db = server.server.ctx.db;
    const run = new KyselyDirectorySql(db, server.server.ctx.database.kind);
    const search = async (q: string) =>
      (await searchDirectory(run, { q, limit: 100 })).results.map((result) => result.nationalId).sort();
    // An import of format 1, whose documents a stale word tells apart.
    await db.updateTable("directory_imports").set({ search_format: 1 }).execute();
    for (const nationalId of [leroy, robert]) {
      const id = Number((await professional(server, nationalId))!.id);
      if (run.kind === "sqlite") {
        await run.run("delete from directory_search where rowid = ?", [id]);
        await run.run("insert into directory_search (rowid, document) values (?, 'zzancien')", [id]);
      } else {
        await run.run(
          "update directory_search set document = to_tsvector('simple', 'zzancien') where professional_id = ?",
          [id],
        );
      }
    }
    assert.deepEqual(await search("zzancien"), [robert, leroy].sort());
    assert.ok(!(await search("leroy lea")).includes(leroy));

    const withoutRobert = await tempFile(
      "PS_LibreAcces_Personne_activite_202612020000.txt",
      mapTable(oldText, (rows) => {
        const nationalId = rows[0]!.indexOf("Identification nationale PP");
        return rows.filter((row) => row[nationalId] !== robert);
      }),
    );
    const second = await runImport(server, [withoutRobert], "--no-deactivate-missing");
    assert.deepEqual(second.summary.professionals, {
      new: 0,
      updated: 0,
      unchanged: OLD_PEOPLE - 1,
      deactivated: 0,
    });
    assert.match(second.stderr, /search documents were written in an older format/);
    assert.deepEqual(await search("zzancien"), []);
    // Rebuilt from the stored rows: names, professions, specialties and places of every situation.
    for (const q of ["leroy lea", "leroy medecin cardio creusot", "leroy saone reunion 97400 974"]) {
      assert.deepEqual(await search(q), [leroy], q);
    }
    assert.ok((await search("robert lea")).includes(robert));
    const recorded = await db
      .selectFrom("directory_imports")
      .select("search_format")
      .where("id", "=", second.summary.importId)
      .executeTakeFirstOrThrow();
    assert.equal(recorded.search_format, SEARCH_FORMAT);

    // The current format: nothing more to rebuild.
    const third = await runImport(server, [withoutRobert], "--no-deactivate-missing");
    assert.doesNotMatch(third.stderr, /older format/);
    assert.ok((await search("robert lea")).includes(robert));
  });
});

describe("confrere-server directory import: interrupted", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  test("SIGINT stops the import, marks it failed, and the next import may start", async () => {
    // 60,000 rows: the fixture's rows again and again, each with a new valid RPPS.
    const big = await tempFile(
      "PS_LibreAcces_Personne_activite_202612040000.txt",
      mapTable(oldText, (rows) => {
        const header = rows[0]!;
        const id = header.indexOf("Identifiant PP");
        const nationalId = header.indexOf("Identification nationale PP");
        const out = [header];
        for (let n = 0; n < 60_000; n++) {
          const row = [...rows[1 + (n % (rows.length - 1))]!];
          row[id] = withLuhnKey(`1${String(n).padStart(9, "0")}`);
          row[nationalId] = `8${row[id]}`;
          out.push(row);
        }
        return out;
      }),
    );
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        path.resolve(import.meta.dirname, "../src/cli/main.ts"),
        "directory",
        "import",
        big,
      ],
      {
        env: { PATH: process.env.PATH ?? "", NODE_ENV: "test", ...server.env },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    const db = server.server.ctx.db;
    for (let i = 0; i < 600; i++) {
      const running = await db
        .selectFrom("directory_imports")
        .select("id")
        .where("status", "=", "running")
        .executeTakeFirst();
      if (running) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill("SIGINT");
    assert.equal(await exited, 1, stderr);
    assert.match(stderr, /importDirectory: interrupted by SIGINT/);
    const [row] = await db.selectFrom("directory_imports").selectAll().execute();
    assert.equal(row?.status, "failed");
    assert.match(row?.error ?? "", /interrupted by SIGINT/);

    const { summary } = await runImport(server, [OLD_PERSONNE_ACTIVITE]);
    assert.equal(summary.rowsRead, OLD_ROWS);
  });
});

describe("confrere-server directory import: many pages", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  /**
   * `people` persons, each one of the fixture's rows with a new valid RPPS: every page of the
   * merge (5,000 rows) names the fixture's few establishments again, and on PostgreSQL two pages
   * are written at once, both upserting them.
   */
  function manyPeople(people: number, renamed: (n: number) => boolean = () => false) {
    return mapTable(oldText, (rows) => {
      const header = rows[0]!;
      const id = header.indexOf("Identifiant PP");
      const nationalId = header.indexOf("Identification nationale PP");
      const lastName = header.indexOf("Nom d'exercice");
      const out = [header];
      for (let n = 0; n < people; n++) {
        const row = [...rows[1 + (n % (rows.length - 1))]!];
        row[id] = withLuhnKey(`2${String(n).padStart(9, "0")}`);
        row[nationalId] = `8${row[id]}`;
        if (renamed(n)) row[lastName] = `${row[lastName]}-RENOMME`;
        out.push(row);
      }
      return out;
    });
  }

  test("a 23,000-person extraction (five pages) imports whole, again unchanged, then with every seventh person changed", async () => {
    const people = 23_000;
    const file = await tempFile("PS_LibreAcces_Personne_activite_202612050000.txt", manyPeople(people));
    const first = await runImport(server, [file]);
    assert.deepEqual(counts(first.summary), {
      new: people,
      updated: 0,
      unchanged: 0,
      deactivated: 0,
      rowsRead: people,
      rowsRejected: 0,
    });
    const db = server.server.ctx.db;
    assert.equal(await countRows(server, "directory_professionals"), people);
    assert.equal(await countRows(server, "directory_practice_situations"), people);
    // Not in the typed schema: FTS5's virtual table on SQLite.
    const searchRows = (await sql<{ n: number }>`select count(*) as n from directory_search`.execute(db))
      .rows[0]!;
    assert.equal(Number(searchRows.n), people);
    // Each establishment once, and every situation's establishment is one of them.
    const establishments = await db
      .selectFrom("directory_establishments")
      .select(["id", "establishment_key"])
      .execute();
    assert.equal(new Set(establishments.map((e) => e.establishment_key)).size, establishments.length);
    const dangling = await db
      .selectFrom("directory_practice_situations as s")
      .leftJoin("directory_establishments as e", "e.id", "s.establishment_id")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("s.establishment_id", "is not", null)
      .where("e.id", "is", null)
      .executeTakeFirstOrThrow();
    assert.equal(Number(dangling.n), 0);
    const linked = await db
      .selectFrom("directory_practice_situations")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("establishment_id", "is not", null)
      .executeTakeFirstOrThrow();
    assert.ok(Number(linked.n) > people / 2, "most situations name an establishment");

    const again = await runImport(server, [file]);
    assert.deepEqual(counts(again.summary), { ...counts(first.summary), new: 0, unchanged: people });

    const changedFile = await tempFile(
      "PS_LibreAcces_Personne_activite_202612060000.txt",
      manyPeople(people, (n) => n % 7 === 0),
    );
    const changed = await runImport(server, [changedFile]);
    const renamed = Math.ceil(people / 7);
    assert.deepEqual(counts(changed.summary), {
      ...counts(first.summary),
      new: 0,
      updated: renamed,
      unchanged: people - renamed,
    });
    assert.equal(await countRows(server, "directory_practice_situations"), people);
    const renamedRows = await db
      .selectFrom("directory_professionals")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("last_name", "like", "%-RENOMME")
      .executeTakeFirstOrThrow();
    assert.equal(Number(renamedRows.n), renamed);
  });
});
