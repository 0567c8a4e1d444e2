import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { runServerCli, startTestServer, type TestServer, type TestUser, testStore } from "@confrere/dev-env";
import { ConfrereError, type DirectoryProfessional, withLuhnKey } from "@confrere/protocol";
import {
  makeTempDir,
  mapTable,
  OLD_PERSONNE_ACTIVITE,
  SPLIT_PERSONNE_ACTIVITE,
  SPLIT_SAVOIR_FAIRE,
} from "../src/directory/test-support.ts";

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
});
