import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { candidatesQuery, ftsQuery, tsQuery } from "./search-candidates.ts";
import { SearchStatistics } from "./search-statistics.ts";

const statistics = new SearchStatistics(
  1,
  1_500_000,
  [
    ["lamar", 700],
    ["lamarber", 30],
    ["medecin", 500_000],
    ["medecine", 280_000],
    ["medical", 40],
    ["navin", 300],
    ["navina", 20],
  ],
  new Map([
    ["specialty:SM04", 30_000],
    ["departement:89", 50_000],
    ["profession:10", 700_000],
    ["profession:60", 80_000],
    ["specialtyDepartement:SM04 89", 1_200],
  ]),
);

describe("ftsQuery", () => {
  test("two and three letters use FTS5's prefix indexes; one letter, its two-letter prefixes", () => {
    assert.equal(ftsQuery(["le", "gal"], null), '"le"* AND "gal"*');
    const m = ftsQuery(["m"], null);
    assert.ok(m.startsWith('("m" OR "ma"* OR "mb"*'));
    assert.ok(m.endsWith('"m8"* OR "m9"*)'));
    assert.equal(m.split(" OR ").length, 37);
  });

  test("a longer prefix is spelt out when its words hold many documents", () => {
    assert.equal(ftsQuery(["medeci"], statistics), '("medecin" OR "medecine")');
    assert.equal(ftsQuery(["medecine"], statistics), '"medecine"');
    // Few documents: reading them at once costs nothing.
    assert.equal(ftsQuery(["lamar"], statistics), '"lamar"*');
    // No such word: an exact word that matches nothing.
    assert.equal(ftsQuery(["zzzz"], statistics), '"zzzz"');
    // Without statistics, the prefix as is.
    assert.equal(ftsQuery(["medeci"], null), '"medeci"*');
  });
});

describe("tsQuery", () => {
  test("prefixes, spelt out as on SQLite when their words hold many documents", () => {
    assert.equal(tsQuery(["cardio", "auxerre"], null), "cardio:* & auxerre:*");
    assert.equal(tsQuery(["medeci", "lamar"], statistics), "(medecin | medecine) & lamar:*");
    // Any length: "l" stands for two words of few documents, "m" for three of many.
    assert.equal(tsQuery(["l", "zzzz"], statistics), "l:* & zzzz");
    assert.equal(tsQuery(["m"], statistics), "(medecin | medecine | medical)");
  });
});

describe("candidatesQuery", () => {
  test("without statistics the words lead and the filters are checked id by id", () => {
    const { text, parameters } = candidatesQuery(
      "sqlite",
      ["lamar"],
      [{ kind: "profession", value: "10" }],
      null,
      2001,
    );
    assert.match(
      text,
      /^select directory_search\.rowid as id .* and exists \(.*profession_code = \?\) order by 1 limit \?$/,
    );
    assert.deepEqual(parameters, ['"lamar"*', "10", 2001]);
  });

  test("with statistics, sets of similar sizes are merged and much larger ones checked id by id", () => {
    const { text, parameters } = candidatesQuery(
      "sqlite",
      [],
      [
        { kind: "departement", value: "89" },
        { kind: "profession", value: "60" },
      ],
      statistics,
      2001,
    );
    assert.equal(
      text,
      "select dp.professional_id as id from directory_practice_situations dp where dp.departement_code = ? intersect select pr.professional_id as id from directory_practice_situations pr where pr.profession_code = ? order by 1 limit ?",
    );
    assert.deepEqual(parameters, ["89", "60", 2001]);
    const larger = candidatesQuery(
      "sqlite",
      [],
      [
        { kind: "departement", value: "89" },
        { kind: "profession", value: "10" },
      ],
      statistics,
      2001,
    );
    assert.match(
      larger.text,
      /^select distinct dp\.professional_id as id .* and exists \(.*xpr\.profession_code = \?\) order by 1 limit \?$/,
    );
  });

  test("a specialty and a département are read together, from their own index", () => {
    for (const withStatistics of [statistics, null]) {
      const { text, parameters } = candidatesQuery(
        "sqlite",
        [],
        [
          { kind: "specialty", value: "SM04" },
          { kind: "departement", value: "89" },
          { kind: "profession", value: "10" },
        ],
        withStatistics,
        2001,
      );
      assert.equal(
        text,
        "select sd.professional_id as id from directory_specialty_departements sd where sd.code = ? and sd.departement_code = ? and exists (select 1 from directory_practice_situations xpr where xpr.professional_id = sd.professional_id and xpr.profession_code = ?) order by 1 limit ?",
      );
      assert.deepEqual(parameters, ["SM04", "89", "10", 2001]);
    }
  });

  test("PostgreSQL: the GIN index for few matches, the id order for many; its planner checks the rest", () => {
    const few = candidatesQuery(
      "postgres",
      ["navin"],
      [{ kind: "departement", value: "89" }],
      statistics,
      2001,
    );
    // The words lead: a département or profession is checked on the rows they read (migration 0021).
    assert.equal(
      few.text,
      "select s.professional_id as id from (select professional_id from directory_search s where s.document @@ to_tsquery('simple', ?) and ? = any(s.departements) offset 0) s where true order by 1 limit ?",
    );
    assert.deepEqual(few.parameters, ["navin:*", "89", 2001]);
    // A specialty has no copy there: it is checked id by id.
    const fewDoctors = candidatesQuery(
      "postgres",
      ["navin"],
      [
        { kind: "specialty", value: "SM04" },
        { kind: "profession", value: "10" },
      ],
      statistics,
      2001,
    );
    assert.match(
      fewDoctors.text,
      /^select s\.professional_id as id from \(select professional_id from directory_search s where s\.document @@ to_tsquery\('simple', \?\) and \? = any\(s\.professions\) offset 0\) s where true and exists \(select 1 from directory_specialties xsp /,
    );
    assert.deepEqual(fewDoctors.parameters, ["navin:*", "10", "SM04", 2001]);
    // One word and no filter: the import's head of the prefix when it is current, else the words.
    const many = candidatesQuery("postgres", ["medecin"], [], statistics, 2001);
    assert.match(
      many.text,
      /^select id from \(\s*select unnest\(h\.ids\) as id from directory_search_heads h where h\.prefix = \? and /,
    );
    assert.ok(
      many.text.includes(
        "select id from (select s.professional_id as id from directory_search s where (s.document @@ to_tsquery('simple', ?)) is true order by 1 limit ?) q",
      ),
      many.text,
    );
    assert.deepEqual(many.parameters, ["medecin", "(medecin | medecine)", 2001, "medecin", 2001]);
    // More ids than a head holds: the words alone.
    assert.doesNotMatch(candidatesQuery("postgres", ["medecin"], [], statistics, 5000).text, /heads/);
    // A specialty far smaller than the words leads; the words are checked id by id.
    const specialty = candidatesQuery(
      "postgres",
      ["medecin"],
      [{ kind: "specialty", value: "SM04" }],
      statistics,
      2001,
    );
    assert.match(
      specialty.text,
      /^select sp\.professional_id as id from directory_specialties sp where sp\.code = \? and exists \(select 1 from directory_search xs/,
    );
    // Without statistics, PostgreSQL's planner chooses.
    const plain = candidatesQuery("postgres", ["cardio"], [{ kind: "departement", value: "89" }], null, 2001);
    assert.match(
      plain.text,
      /^select s\.professional_id as id from directory_search s where s\.document @@ to_tsquery\('simple', \?\) and \? = any\(s\.departements\) order by 1 limit \?$/,
    );
  });
});
