import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { runServerCli, startTestServer, type TestServer, type TestUser, testStore } from "@confrere/dev-env";
import { ConfrereError, type DirectoryProfessional, withLuhnKey } from "@confrere/protocol";
import { sql } from "kysely";
import { searchDirectory } from "../src/directory/directory-search.ts";
import { KyselyDirectorySql } from "../src/directory/directory-sql.ts";
import { HEAD_LENGTH } from "../src/directory/search-candidates.ts";
import { refreshSearchHeads, writeSearchHeads } from "../src/directory/search-heads.ts";
import { SearchStatistics, SearchStatisticsCache } from "../src/directory/search-statistics.ts";
import { loadTerritoryPerimeter } from "../src/directory/territory-perimeter.ts";
import {
  makeTempDir,
  mapTable,
  OLD_PERSONNE_ACTIVITE,
  SPLIT_PERSONNE_ACTIVITE,
  SPLIT_SAVOIR_FAIRE,
} from "../src/directory/test-support.ts";
import { linkProfessional } from "../src/identity/professional-link.ts";

async function rejects(promise: Promise<unknown>, code: string, status: number): Promise<void> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ConfrereError, `expected a ConfrereError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.equal(error.status, status);
    return;
  }
  assert.fail(`expected ${code}`);
}

/** "LASTNAME Firstname" of each result, in order. */
function names(results: readonly DirectoryProfessional[]): string[] {
  return results.map((r) => `${r.lastName} ${r.firstName}`);
}

describe(`directory search on ${testStore()}`, () => {
  let server: TestServer;
  let doctor: TestUser;
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  const abadie = `8${withLuhnKey("1888888888")}`;

  before(async () => {
    server = await startTestServer();
    tmp = await makeTempDir();
    // ABADIE Simon: a first name equal to other people's surname, and a surname that sorts first.
    const extra = path.join(tmp.dir, "PS_LibreAcces_Personne_activite_202612010000.txt");
    await writeFile(
      extra,
      mapTable(readFileSync(OLD_PERSONNE_ACTIVITE, "utf8"), (rows) => {
        const header = rows[0]!;
        const row = [...rows[1]!];
        row[header.indexOf("Identifiant PP")] = abadie.slice(1);
        row[header.indexOf("Identification nationale PP")] = abadie;
        row[header.indexOf("Nom d'exercice")] = "ABADIE";
        row[header.indexOf("Prénom d'exercice")] = "Simon";
        return [header, row];
      }),
    );
    for (const files of [[OLD_PERSONNE_ACTIVITE], [SPLIT_PERSONNE_ACTIVITE, SPLIT_SAVOIR_FAIRE], [extra]]) {
      const result = await runServerCli(["directory", "import", ...files, "--no-deactivate-missing"], {
        env: server.env,
      });
      assert.equal(result.code, 0, result.stderr);
    }
    doctor = await server.createUser({ verified: true });
  });
  after(async () => {
    await tmp.remove();
    await server.close();
  });

  test("only verified professionals may search", async () => {
    const unverified = await server.createUser({ verified: false });
    await rejects(
      unverified.api.searchDirectory({ q: "lefevre" }),
      "PROFESSIONAL_VERIFICATION_REQUIRED",
      403,
    );
    await rejects(server.client().searchDirectory({ q: "lefevre" }), "AUTH_REQUIRED", 401);
  });

  test("accents and case are ignored: lefevre finds LEFÈVRE", async () => {
    const { results, isPartial } = await doctor.api.searchDirectory({ q: "lefevre" });
    assert.equal(isPartial, false);
    assert.deepEqual(names(results), [
      "LEFÈVRE Clémence",
      "LEFÈVRE Clémence",
      "LEFÈVRE Gabriel",
      "LEFÈVRE Léa",
      "LEFÈVRE Noé",
    ]);
    // Same name, ordered by national id.
    assert.deepEqual(
      results.slice(0, 2).map((r) => r.nationalId),
      ["810049592586", "810254746141"],
    );
    for (const q of ["LEFÈVRE", "Lefèvre", "lEfEvRe", "  lefèvre  "]) {
      assert.deepEqual((await doctor.api.searchDirectory({ q })).results, results, q);
    }
  });

  test("each word is a prefix: lef finds LEFEBVRE too", async () => {
    const { results } = await doctor.api.searchDirectory({ q: "lef" });
    assert.deepEqual(names(results), [
      "LEFEBVRE Hugo",
      "LEFÈVRE Clémence",
      "LEFÈVRE Clémence",
      "LEFÈVRE Gabriel",
      "LEFÈVRE Léa",
      "LEFÈVRE Noé",
    ]);
  });

  test("every word must match: cardio then cardio + a commune narrows to its cardiologists", async () => {
    const cardio = await doctor.api.searchDirectory({ q: "cardio" });
    assert.deepEqual(names(cardio.results), ["BERTRAND Hugo", "GIRARD Jules", "LAMBERT Lucas", "LEROY Léa"]);
    const avallon = await doctor.api.searchDirectory({ q: "cardio avallon" });
    assert.deepEqual(names(avallon.results), ["BERTRAND Hugo"]);
    const tonnerre = await doctor.api.searchDirectory({ q: "Cardiologie TONNERRE" });
    assert.deepEqual(names(tonnerre.results), ["LAMBERT Lucas"]);
    // Postal code and département words are indexed too.
    assert.deepEqual(names((await doctor.api.searchDirectory({ q: "cardio 892" })).results), [
      "BERTRAND Hugo",
    ]);
    assert.deepEqual(names((await doctor.api.searchDirectory({ q: "cardio yonne" })).results), [
      "BERTRAND Hugo",
      "LAMBERT Lucas",
    ]);
    assert.deepEqual((await doctor.api.searchDirectory({ q: "cardio ajaccio" })).results, []);
  });

  test("exact surname matches come first", async () => {
    const { results } = await doctor.api.searchDirectory({ q: "simon" });
    assert.deepEqual(names(results), ["SIMON Clémence", "SIMON Hélène", "SIMON Hugo", "ABADIE Simon"]);
    assert.equal(results[3]?.nationalId, abadie);
    // A surname of several words, matched by consecutive words of the query.
    const leGall = await doctor.api.searchDirectory({ q: "le gall" });
    assert.deepEqual(names(leGall.results), ["LE GALL Lucas"]);
  });

  test("civilities are neither indexed nor needed: Dr Le Gall is le gall, and mada finds no Madame", async () => {
    const leGall = await doctor.api.searchDirectory({ q: "le gall" });
    assert.deepEqual(names(leGall.results), ["LE GALL Lucas"]);
    for (const q of ["Dr Le Gall", "docteur le gall", "Mme LE GALL", "Madame Le Gall", "le gall pr"]) {
      assert.deepEqual((await doctor.api.searchDirectory({ q })).results, leGall.results, q);
    }
    // A third of the fixture practises as "Madame": typed on the way to a name, none of them match.
    for (const q of ["mada", "madame", "docteur", "mme"]) {
      assert.deepEqual((await doctor.api.searchDirectory({ q })).results, [], q);
    }
  });

  test("a result carries the professional, their specialties and places", async () => {
    const { results } = await doctor.api.searchDirectory({ q: "leroy lea" });
    assert.deepEqual(results, [
      {
        nationalId: "810785900399",
        idType: "RPPS",
        civility: "Docteur",
        lastName: "LEROY",
        firstName: "Léa",
        profession: { code: "10", label: "Médecin" },
        specialties: [
          { code: "SM04", label: "Cardiologie et maladies vasculaires" },
          { code: "SM54", label: "Médecine générale" },
        ],
        active: true,
        places: [
          {
            establishmentName: "CABINET LEROY",
            commune: "SAINT-DENIS",
            postalCode: "97400",
            departement: { code: "974", label: "La Réunion" },
          },
          {
            establishmentName: "CABINET LEROY",
            commune: "LE CREUSOT",
            postalCode: "71200",
            departement: { code: "71", label: "Saône-et-Loire" },
          },
        ],
        onConfrere: false,
        userId: null,
      },
    ]);
  });

  test("filters: profession, specialty, département, with or without words", async () => {
    const doctors89 = (await doctor.api.searchDirectory({ profession: "10", departement: "89", limit: 100 }))
      .results;
    assert.equal(doctors89.length, 20);
    for (const r of doctors89) {
      assert.equal(r.profession?.code, "10");
      assert.ok(r.places.some((p) => p.departement?.code === "89"));
    }
    const bySpecialty = await doctor.api.searchDirectory({ specialty: "sm04" });
    assert.deepEqual(names(bySpecialty.results), [
      "BERTRAND Hugo",
      "GIRARD Jules",
      "LAMBERT Lucas",
      "LEROY Léa",
    ]);
    const corsica = await doctor.api.searchDirectory({ departement: "2a", limit: 100 });
    assert.deepEqual(corsica, await doctor.api.searchDirectory({ departement: "2A", limit: 100 }));
    assert.equal(corsica.results.length, 12);
    assert.ok(corsica.results.every((r) => r.places.some((p) => p.commune === "AJACCIO")));
    const bonnetDoctors = await doctor.api.searchDirectory({ q: "bonnet", profession: "10" });
    assert.deepEqual(names(bonnetDoctors.results), [
      "BONNET Chloé",
      "BONNET Clémence",
      "BONNET Jules",
      "BONNET Théo",
    ]);
    const cardio89 = await doctor.api.searchDirectory({ q: "cardio", departement: "89", specialty: "SM04" });
    assert.deepEqual(names(cardio89.results), ["BERTRAND Hugo", "LAMBERT Lucas"]);
  });

  test("limit: default 20, at most 100", async () => {
    assert.equal((await doctor.api.searchDirectory({ departement: "89" })).results.length, 20);
    assert.equal((await doctor.api.searchDirectory({ departement: "89", limit: 2 })).results.length, 2);
    assert.equal((await doctor.api.searchDirectory({ departement: "89", limit: 0 })).results.length, 1);
    // 999 is taken as 100.
    assert.deepEqual(
      await doctor.api.searchDirectory({ q: "8", limit: 999 }),
      await doctor.api.searchDirectory({ q: "8", limit: 100 }),
    );
    await rejects(doctor.api.searchDirectory({ q: "a", limit: 1000 }), "VALIDATION_FAILED", 400);
  });

  test("malformed searches are 400s", async () => {
    const get = (query: string) =>
      fetch(`${server.url}/api/v1/directory/search?${query}`, {
        headers: { authorization: `Bearer ${doctor.api.token}` },
      });
    for (const query of [
      "",
      "q=",
      "q=%22%2A%3A",
      "limit=abc&q=martin",
      "q=martin&page=2",
      "profession=medecin",
      "departement=999x",
      "specialty=SM%2704",
      `q=${encodeURIComponent("a b c d e f g h i")}`,
      `q=${"x".repeat(201)}`,
      "q=lef%00vre",
    ]) {
      const response = await get(query);
      assert.equal(response.status, 400, query);
      const body = (await response.json()) as { error: { code: string } };
      assert.equal(body.error.code, "VALIDATION_FAILED", query);
    }
  });

  test("full-text query syntax in q is only text: never an error", async () => {
    for (const q of [
      '"',
      '"lef',
      "lef*",
      "*",
      "NEAR(lef",
      "NEAR(lefevre gabriel)",
      "-lefevre",
      "lefevre -gabriel",
      "document:lefevre",
      "lefevre:*",
      "'",
      "O'CONNOR",
      "lefevre OR martin",
      "NOT lefevre",
      "lefevre AND",
      "^lefevre",
      "(lefevre",
      "lefevre & martin | !x",
      "lefevre <-> gabriel",
      "\\",
      "%_",
      "{lefevre}",
      "lefevre;drop table directory_professionals",
    ]) {
      const response = await fetch(`${server.url}/api/v1/directory/search?q=${encodeURIComponent(q)}`, {
        headers: { authorization: `Bearer ${doctor.api.token}` },
      });
      const body = (await response.json()) as { results?: unknown[]; error?: { code: string } };
      // Only symbols, no word: a 400; anything else: results (often none).
      if (response.status === 400) assert.equal(body.error?.code, "VALIDATION_FAILED", q);
      else assert.ok(response.status === 200 && Array.isArray(body.results), `${q}: ${response.status}`);
    }
    assert.deepEqual(names((await doctor.api.searchDirectory({ q: "O'CONNOR" })).results), [
      "O'CONNOR Anaïs",
      "O'CONNOR François",
      "O'CONNOR Théo",
    ]);
    assert.deepEqual(names((await doctor.api.searchDirectory({ q: '"lefevre* gabriel:*' })).results), [
      "LEFÈVRE Gabriel",
    ]);
    assert.deepEqual((await doctor.api.searchDirectory({ q: "NOT lefevre" })).results, []);
  });

  test("a result says whether the person is on Confrère: a verified, not suspended account linked to them", async () => {
    const leroy = "810785900399";
    const onConfrere = async () => {
      const [result] = (await doctor.api.searchDirectory({ q: "leroy lea" })).results;
      return { onConfrere: result?.onConfrere, userId: result?.userId };
    };
    assert.deepEqual(await onConfrere(), { onConfrere: false, userId: null });

    // Linked through the one road every identity proof ends at.
    const colleague = await server.createUser({ verified: false });
    await linkProfessional(server.server.ctx, colleague.userId, leroy, { actorId: null, method: "operator" });
    assert.deepEqual(await onConfrere(), { onConfrere: true, userId: colleague.userId });
    // Others with the same surname are not.
    const others = (await doctor.api.searchDirectory({ q: "leroy" })).results.filter(
      (r) => r.nationalId !== leroy,
    );
    assert.ok(others.length > 0 && others.every((r) => !r.onConfrere && r.userId === null));

    // Suspended: no longer reachable.
    const operator = await server.createUser({ operator: true, verified: true });
    await operator.api.suspend(colleague.userId, "test");
    assert.deepEqual(await onConfrere(), { onConfrere: false, userId: null });
    const lifted = await fetch(`${server.url}/api/v1/admin/users/${colleague.userId}/unsuspend`, {
      method: "POST",
      headers: { authorization: `Bearer ${operator.api.token}` },
    });
    assert.equal(lifted.status, 200);
    assert.deepEqual(await onConfrere(), { onConfrere: true, userId: colleague.userId });

    // A link without a verified identity does not count (written directly: no road does this).
    const bonnet = "810582029384";
    const unverified = await server.createUser({ verified: false });
    await server.server.ctx.db
      .updateTable("users")
      .set({ national_id: bonnet })
      .where("id", "=", unverified.userId)
      .execute();
    const bonnets = (await doctor.api.searchDirectory({ q: "bonnet" })).results;
    assert.ok(bonnets.some((r) => r.nationalId === bonnet));
    assert.ok(bonnets.every((r) => !r.onConfrere));
  });

  describe("territory filter", () => {
    const db = () => server.server.ctx.db;
    async function territory(
      id: string,
      perimeter: { kind: "commune" | "departement"; code: string }[],
      kind: "territory" | "establishment" = "territory",
    ) {
      // Written directly, with the columns every version of the table has: the organisation
      // roads are not this test's subject.
      const now = server.clock.now();
      await sql`insert into organisations (id, kind, territory_type, name, sponsored, created_at, updated_at)
        values (${id}, ${kind}, ${kind === "territory" ? "cpts" : null}, ${`Organisation ${id}`}, 0, ${now}, ${now})`.execute(
        db(),
      );
      for (const { kind: perimeterKind, code } of perimeter) {
        await sql`insert into organisation_perimeter (organisation_id, kind, code)
          values (${id}, ${perimeterKind}, ${code})`.execute(db());
      }
    }
    const communes = (r: DirectoryProfessional) => r.places.map((p) => p.commune);

    before(async () => {
      await territory("cpts-tonnerrois", [
        { kind: "commune", code: "89405" },
        { kind: "commune", code: "89206" },
      ]);
      await territory("sud-corse-reunion", [
        { kind: "departement", code: "2A" },
        { kind: "commune", code: "97411" },
      ]);
      await territory("cpts-vide", []);
      await territory("hopital-auxerre", [{ kind: "commune", code: "89024" }], "establishment");
    });

    test("communes: the professionals practising in Tonnerre or Joigny, and only them", async () => {
      const { results, isPartial } = await doctor.api.searchDirectory({
        territory: "cpts-tonnerrois",
        limit: 100,
      });
      assert.equal(isPartial, false);
      // The same people, found the other way: the département's professionals with a place there.
      const yonne = (await doctor.api.searchDirectory({ departement: "89", limit: 100 })).results;
      const expected = yonne.filter((r) => communes(r).some((c) => c === "TONNERRE" || c === "JOIGNY"));
      assert.ok(expected.length >= 10);
      assert.deepEqual(results, expected);
    });

    test("départements and communes together; with words and other filters", async () => {
      const { results } = await doctor.api.searchDirectory({ territory: "sud-corse-reunion", limit: 100 });
      const corsica = (await doctor.api.searchDirectory({ departement: "2A", limit: 100 })).results;
      const reunion = (await doctor.api.searchDirectory({ departement: "974", limit: 100 })).results;
      assert.deepEqual(
        new Set(names(results)),
        new Set(names([...corsica, ...reunion.filter((r) => communes(r).includes("SAINT-DENIS"))])),
      );
      assert.ok(results.every((r) => communes(r).some((c) => c === "AJACCIO" || c === "SAINT-DENIS")));

      assert.deepEqual(
        names((await doctor.api.searchDirectory({ q: "cardio", territory: "cpts-tonnerrois" })).results),
        ["LAMBERT Lucas"],
      );
      const doctors = await doctor.api.searchDirectory({
        territory: "cpts-tonnerrois",
        profession: "10",
        limit: 100,
      });
      const all = await doctor.api.searchDirectory({ territory: "cpts-tonnerrois", limit: 100 });
      assert.deepEqual(
        doctors.results,
        all.results.filter((r) => r.profession?.code === "10"),
      );
      assert.ok(doctors.results.length > 0 && doctors.results.length < all.results.length);
    });

    test("a territory without a perimeter holds no one; an unknown id or an establishment is a 404", async () => {
      assert.deepEqual(await doctor.api.searchDirectory({ territory: "cpts-vide" }), {
        results: [],
        isPartial: false,
      });
      await rejects(doctor.api.searchDirectory({ territory: "no-such-territory" }), "NOT_FOUND", 404);
      await rejects(
        doctor.api.searchDirectory({ territory: "hopital-auxerre", q: "martin" }),
        "NOT_FOUND",
        404,
      );
      const response = await fetch(
        `${server.url}/api/v1/directory/search?territory=${encodeURIComponent("a/b")}`,
        {
          headers: { authorization: `Bearer ${doctor.api.token}` },
        },
      );
      assert.equal(response.status, 400);
    });
  });

  test("the statistics a search plans with change how fast, never which rows", async () => {
    const directorySql = new KyselyDirectorySql(server.server.ctx.db, server.store);
    const cache = new SearchStatisticsCache(directorySql, server.server.ctx.logger);
    await cache.current();
    await cache.settled();
    const statistics = await cache.current();
    assert.ok(statistics, "a snapshot is read after the import");
    const tonnerrois = await loadTerritoryPerimeter(server.server.ctx.db, "cpts-tonnerrois");
    const searches = [
      { q: "m" },
      { q: "l" },
      { q: "le" },
      { q: "lef" },
      { q: "lefe" },
      { q: "lefevre" },
      { q: "medeci" },
      { q: "medecin g" },
      { q: "cardio yonne" },
      { q: "masseur kine joigny" },
      { q: "sa" },
      { q: "zzzz" },
      { q: "89" },
      { q: "m", profession: "10" },
      { q: "infirm", departement: "89" },
      { specialty: "SM04", departement: "89" },
      { specialty: "SM54", profession: "10", departement: "71" },
      { departement: "89", profession: "60" },
      { q: "d", territory: tonnerrois! },
      { territory: tonnerrois!, profession: "10" },
      { specialty: "SM04", territory: tonnerrois! },
    ];
    // The fixture is too small for most plans: the same words and codes, as if each held 100,000
    // times more rows, take the others (long prefixes spelt out, sets merged, the GIN index or
    // the id order on PostgreSQL).
    const db = server.server.ctx.db;
    let words: { term: string; doc: number }[];
    if (server.store === "sqlite") {
      await sql`create virtual table temp.test_words using fts5vocab(main, directory_search, 'row')`.execute(
        db,
      );
      words = (await sql<{ term: string; doc: number }>`select term, doc from temp.test_words`.execute(db))
        .rows;
      await sql`drop table temp.test_words`.execute(db);
    } else {
      words = (
        await sql<{
          term: string;
          doc: number;
        }>`select word as term, ndoc as doc from ts_stat('select document from directory_search')`.execute(db)
      ).rows;
    }
    words.sort((a, b) => (a.term < b.term ? -1 : a.term > b.term ? 1 : 0));
    const counts = new Map<string, number>();
    for (const [filter, query] of [
      [
        "specialty",
        sql<{ code: string; n: number }>`select code, count(*) as n from directory_specialties group by code`,
      ],
      [
        "departement",
        sql<{
          code: string;
          n: number;
        }>`select departement_code as code, count(*) as n from directory_practice_situations group by departement_code`,
      ],
      [
        "profession",
        sql<{
          code: string;
          n: number;
        }>`select profession_code as code, count(*) as n from directory_practice_situations group by profession_code`,
      ],
    ] as const) {
      for (const row of (await query.execute(db)).rows)
        counts.set(`${filter}:${row.code}`, Number(row.n) * 100_000);
    }
    const [professionals] = (
      await sql<{ n: number }>`select count(*) as n from directory_professionals`.execute(db)
    ).rows;
    const inflated = new SearchStatistics(
      0,
      Number(professionals!.n) * 100_000,
      words.map((row): [string, number] => [row.term, Number(row.doc) * 100_000]),
      counts,
    );
    for (const search of searches) {
      const params = { ...search, limit: 100 };
      const expected = await searchDirectory(directorySql, params, null);
      assert.deepEqual(
        await searchDirectory(directorySql, params, statistics),
        expected,
        JSON.stringify(search),
      );
      assert.deepEqual(
        await searchDirectory(directorySql, params, inflated),
        expected,
        JSON.stringify(search),
      );
    }
    await cache.close();
  });

  test("PostgreSQL: a prefix's head gives the rows its query gives, and serves only the latest completed import", {
    skip:
      testStore() === "sqlite" ? "heads are PostgreSQL's (FTS5 reads a prefix's first ids itself)" : false,
  }, async () => {
    const directorySql = new KyselyDirectorySql(server.server.ctx.db, server.store);
    const db = server.server.ctx.db;
    const latestImport = async () =>
      Number(
        (
          await db
            .selectFrom("directory_imports")
            .select("id")
            .orderBy("id", "desc")
            .executeTakeFirstOrThrow()
        ).id,
      );
    const oneWord = ["m", "l", "le", "lef", "lefe", "lefevre", "medeci", "sa", "89", "d", "zzzz"];
    const search = (q: string) => searchDirectory(directorySql, { q, limit: 100 });
    const expected = new Map<string, Awaited<ReturnType<typeof search>>>();
    for (const q of oneWord) expected.set(q, await search(q));

    // The fixture is small: every prefix gets a head, all found in one pass, or each by its own
    // query; either way, every head holds its prefix's first ids.
    const all = {
      minDocuments: 1,
      maxDocuments: Number.MAX_SAFE_INTEGER,
      onePassMaxDocuments: Number.MAX_SAFE_INTEGER,
    };
    const importId = await latestImport();
    const firstIds = async () =>
      (
        await sql<{ prefix: string; ids: string[]; first: string[] }>`
          select h.prefix, h.ids, array(
            select professional_id from directory_search
            where document @@ to_tsquery('simple', h.prefix || ':*') order by 1 limit ${HEAD_LENGTH}) as first
          from directory_search_heads h order by h.prefix`.execute(db)
      ).rows;
    const oneByOne = await writeSearchHeads(directorySql, importId, { ...all, onePassMaxDocuments: 0 });
    const heads = await firstIds();
    assert.equal(heads.length, oneByOne);
    for (const head of heads) assert.deepEqual(head.ids, head.first, head.prefix);
    const inOnePass = await writeSearchHeads(directorySql, importId, all);
    assert.equal(inOnePass, oneByOne);
    assert.deepEqual(await firstIds(), heads);
    // "lefev", "lefevr" and "lefevre" start the same words: they share one head, each under its name.
    const lefevre = heads.filter((head) => head.prefix.startsWith("lefev"));
    assert.deepEqual(
      lefevre.map((head) => head.prefix),
      ["lefev", "lefevr", "lefevre"],
    );
    assert.ok(lefevre.every((head) => head.ids.join() === lefevre[0]!.ids.join()));
    for (const q of oneWord) assert.deepEqual(await search(q), expected.get(q), q);

    // The head is what answers: made to name someone else, the search shows them.
    const abadieId = Number(
      (
        await db
          .selectFrom("directory_professionals")
          .select("id")
          .where("national_id", "=", abadie)
          .executeTakeFirstOrThrow()
      ).id,
    );
    await sql`update directory_search_heads set ids = array[${abadieId}]::bigint[] where prefix = 'lefevre'`.execute(
      db,
    );
    assert.deepEqual(names((await search("lefevre")).results), ["ABADIE Simon"]);

    // An import running (the index changing) or one that failed: the head is not used.
    const [begun] = (
      await sql<{
        id: number;
      }>`insert into directory_imports (started_at, status, sources) values (${Date.now()}, 'running', '[]') returning id`.execute(
        db,
      )
    ).rows;
    const nextId = Number(begun!.id);
    assert.deepEqual(await search("lefevre"), expected.get("lefevre"));
    await db.updateTable("directory_imports").set({ status: "failed" }).where("id", "=", nextId).execute();
    assert.deepEqual(await search("lefevre"), expected.get("lefevre"));

    // That import completing without changing the index takes the heads of the completed import
    // before it over (the altered head answers again); one that changed it writes them again.
    await db.updateTable("directory_imports").set({ status: "completed" }).where("id", "=", nextId).execute();
    await refreshSearchHeads(directorySql, nextId, false, all);
    assert.deepEqual(names((await search("lefevre")).results), ["ABADIE Simon"], "taken over");
    await refreshSearchHeads(directorySql, nextId, true, all);
    assert.deepEqual(await search("lefevre"), expected.get("lefevre"), "written again");
    await db.deleteFrom("directory_imports").where("id", "=", nextId).execute();
    await sql`delete from directory_search_heads`.execute(db);
  });

  test("PostgreSQL: a word with a profession or département filter reads the codes its document carries, which the imports keep equal to the practice situations'", {
    skip: testStore() === "sqlite" ? "the copy of the codes is PostgreSQL's (migration 0021)" : false,
  }, async () => {
    const db = server.server.ctx.db;
    const directorySql = new KyselyDirectorySql(db, server.store);
    // After three imports (the second changing people), every document's codes are its
    // professional's practice situations' ones.
    const [differing] = (
      await sql<{ n: number }>`
        select count(*) as n from directory_search s
        left join (
          select professional_id,
            coalesce(array_agg(distinct profession_code order by profession_code) filter (where profession_code is not null), '{}') as professions,
            coalesce(array_agg(distinct departement_code order by departement_code) filter (where departement_code is not null), '{}') as departements
          from directory_practice_situations group by professional_id
        ) c on c.professional_id = s.professional_id
        where array(select unnest(s.professions) order by 1) is distinct from coalesce(c.professions, '{}')
           or array(select unnest(s.departements) order by 1) is distinct from coalesce(c.departements, '{}')`.execute(
        db,
      )
    ).rows;
    assert.equal(Number(differing!.n), 0);
    const [withCodes] = (
      await sql<{
        n: number;
      }>`select count(*) as n from directory_search where cardinality(professions) > 0 and cardinality(departements) > 0`.execute(
        db,
      )
    ).rows;
    assert.ok(Number(withCodes!.n) > 0);

    // The copy is what answers: one BONNET doctor's codes taken away, the search leaves her out.
    const search = (params: { q: string; profession?: string; departement?: string }) =>
      searchDirectory(directorySql, { ...params, limit: 100 }).then((found) => names(found.results));
    const chloe = (await searchDirectory(directorySql, { q: "bonnet chloe", limit: 1 })).results[0]!;
    const place = chloe.places.find((p) => p.departement)!.departement!.code;
    assert.ok((await search({ q: "bonnet", profession: "10" })).includes("BONNET Chloé"));
    assert.ok((await search({ q: "bonnet", departement: place })).includes("BONNET Chloé"));
    const [row] = (
      await sql<{ professional_id: number; professions: string[]; departements: string[] }>`
        select s.professional_id, s.professions, s.departements from directory_search s
        join directory_professionals p on p.id = s.professional_id where p.national_id = ${chloe.nationalId}`.execute(
        db,
      )
    ).rows;
    await sql`update directory_search set professions = '{}', departements = '{}' where professional_id = ${row!.professional_id}`.execute(
      db,
    );
    try {
      assert.ok(!(await search({ q: "bonnet", profession: "10" })).includes("BONNET Chloé"));
      assert.ok(!(await search({ q: "bonnet", departement: place })).includes("BONNET Chloé"));
      assert.ok((await search({ q: "bonnet" })).includes("BONNET Chloé"), "the words alone still find her");
    } finally {
      await sql`update directory_search set professions = ${row!.professions}, departements = ${row!.departements} where professional_id = ${row!.professional_id}`.execute(
        db,
      );
    }
    assert.ok((await search({ q: "bonnet", profession: "10" })).includes("BONNET Chloé"));
  });
});
