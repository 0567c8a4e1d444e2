import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ScratchDatabase, scratchDatabase, testStore } from "@confrere/dev-env";
import { migrate } from "@confrere/server";
import type { Insertable } from "kysely";
import type { DirectoryProfessionalsTable } from "../src/db/schema-directory.ts";
import { KyselyDirectorySql } from "../src/directory/directory-sql.ts";

/** A professional's row as the importer writes it (a doctor, active, seen in import 1). */
function professionalRow(nationalId: string, lastName = "LEROY"): Insertable<DirectoryProfessionalsTable> {
  return {
    national_id: nationalId,
    id_type: "RPPS",
    identifier: nationalId.slice(1),
    civility_code: null,
    practice_civility_code: null,
    practice_civility_label: null,
    last_name: lastName,
    first_name: "Léa",
    last_name_key: lastName.toLowerCase(),
    first_name_key: "lea",
    profession_code: "10",
    profession_label: "Médecin",
    is_active: 1,
    content_hash: "h",
    first_seen_import: 1,
    last_seen_import: 1,
    updated_at: 1,
  };
}

describe(`migration 0003-directory on ${testStore()}`, () => {
  let scratch: ScratchDatabase;
  const open = () => scratch.open();

  before(async () => {
    scratch = await scratchDatabase("migration-directory");
  });
  after(async () => {
    await scratch.dispose();
  });

  test("0002-audit → 0003-directory keeps the accounts; its tables and search index work; down drops them", async () => {
    const handle = await open();
    try {
      assert.deepEqual(await migrate(handle, "0002-audit"), ["0001-accounts", "0002-audit"]);
      await handle.db
        .insertInto("users")
        .values({
          id: "u1",
          email: "a@example.fr",
          display_name: "Dr A",
          password_hash: "$argon2id$x",
          role: "user",
          email_verified_at: 1,
          identity_verified_at: 2,
          suspended_at: null,
          suspended_reason: null,
          created_at: 1,
          updated_at: 1,
        })
        .execute();
      assert.deepEqual(await migrate(handle, "0003-directory"), ["0003-directory"]);
      const user = await handle.db.selectFrom("users").selectAll().executeTakeFirstOrThrow();
      assert.equal(user.identity_verified_at, 2);

      const professional = await handle.db
        .insertInto("directory_professionals")
        .values({
          ...professionalRow("810785900399"),
          civility_code: "MME",
          practice_civility_code: "DR",
          practice_civility_label: "Docteur",
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      await assert.rejects(
        handle.db
          .insertInto("directory_professionals")
          .values({ ...professionalRow("810785900399", "X"), profession_code: null, profession_label: null })
          .execute(),
        "one row per national id",
      );
      const sql = new KyselyDirectorySql(handle.db, handle.kind);
      const id = Number(professional.id);
      if (handle.kind === "sqlite") {
        await sql.run("insert into directory_search (rowid, document) values (?, ?)", [
          id,
          "leroy lea medecin",
        ]);
        const rows = await sql.rows<{ rowid: number }>(
          "select rowid from directory_search where directory_search match ?",
          ['"ler"* "med"*'],
        );
        assert.deepEqual(
          rows.map((r) => Number(r.rowid)),
          [id],
        );
      } else {
        await sql.run(
          "insert into directory_search (professional_id, document) values (?, to_tsvector('simple', ?))",
          [id, "leroy lea medecin"],
        );
        const rows = await sql.rows<{ professional_id: number }>(
          "select professional_id from directory_search where document @@ to_tsquery('simple', ?)",
          ["ler:* & med:*"],
        );
        assert.deepEqual(
          rows.map((r) => Number(r.professional_id)),
          [id],
        );
      }

      await migrate(handle, "0002-audit");
      await assert.rejects(handle.db.selectFrom("directory_professionals").selectAll().execute());
      assert.equal((await handle.db.selectFrom("users").selectAll().execute()).length, 1);
      assert.ok((await migrate(handle)).includes("0003-directory"));
    } finally {
      await handle.close();
    }
  });
});

describe(`migration 0011-directory-search on ${testStore()}`, () => {
  test("0010 → 0011 fills the specialties per département from the existing rows; down drops them", async () => {
    const scratch = await scratchDatabase("migration-directory-search");
    const handle = await scratch.open();
    try {
      await migrate(handle, "0010-billing");
      const sql = new KyselyDirectorySql(handle.db, handle.kind);
      const professionalIds: number[] = [];
      for (const [nationalId, lastName] of [
        ["810785900399", "LEROY"],
        ["810785900400", "MARTIN"],
      ] as const) {
        const row = await handle.db
          .insertInto("directory_professionals")
          .values(professionalRow(nationalId, lastName))
          .returning("id")
          .executeTakeFirstOrThrow();
        professionalIds.push(Number(row.id));
      }
      const [leroy, martin] = professionalIds as [number, number];
      // LEROY: two specialties, practising in the 89 (twice), the 21 and at a place without one.
      for (const [key, departement] of [
        ["a", "89"],
        ["b", "89"],
        ["c", "21"],
        ["d", null],
      ] as const) {
        await sql.run(
          "insert into directory_practice_situations (professional_id, situation_key, departement_code) values (?, ?, ?)",
          [leroy, key, departement],
        );
      }
      await sql.run(
        "insert into directory_specialties (professional_id, code) values (?, 'SM04'), (?, 'SM54'), (?, 'SM04')",
        [leroy, leroy, martin],
      );
      // MARTIN: a specialty, no practice situation: in no département.
      assert.deepEqual(await migrate(handle, "0011-directory-search"), ["0011-directory-search"]);

      const pairs = await sql.rows<{ code: string; departement_code: string; professional_id: number }>(
        "select code, departement_code, professional_id from directory_specialty_departements order by 1, 2, 3",
      );
      assert.deepEqual(
        pairs.map((p) => [p.code, p.departement_code, Number(p.professional_id)]),
        [
          ["SM04", "21", leroy],
          ["SM04", "89", leroy],
          ["SM54", "21", leroy],
          ["SM54", "89", leroy],
        ],
      );
      // One row per specialty, département and professional.
      await assert.rejects(
        sql.run(
          "insert into directory_specialty_departements (code, departement_code, professional_id) values ('SM04', '89', ?)",
          [leroy],
        ),
      );

      await migrate(handle, "0010-billing");
      await assert.rejects(sql.rows("select * from directory_specialty_departements"));
      assert.equal((await sql.rows("select * from directory_specialties")).length, 3);
      assert.ok((await migrate(handle)).includes("0011-directory-search"));
      assert.equal((await sql.rows("select * from directory_specialty_departements")).length, 4);
    } finally {
      await handle.close();
      await scratch.dispose();
    }
  });
});

describe(`migration 0021-directory-search-codes on ${testStore()}`, () => {
  test("PostgreSQL: 0020 → 0021 copies each professional's profession codes and départements onto their search document; down drops them", {
    skip: testStore() === "sqlite" ? "the copy is PostgreSQL's (FTS5 needs none)" : false,
  }, async () => {
    const scratch = await scratchDatabase("migration-directory-search-codes");
    const handle = await scratch.open();
    try {
      await migrate(handle, "0020-directory-search-heads");
      const sql = new KyselyDirectorySql(handle.db, handle.kind);
      const ids: number[] = [];
      for (const nationalId of ["810785900399", "810785900400"]) {
        const row = await handle.db
          .insertInto("directory_professionals")
          .values(professionalRow(nationalId))
          .returning("id")
          .executeTakeFirstOrThrow();
        ids.push(Number(row.id));
        await sql.run(
          "insert into directory_search (professional_id, document) values (?, to_tsvector('simple', 'leroy lea'))",
          [Number(row.id)],
        );
      }
      const [leroy, other] = ids as [number, number];
      // The first: a doctor in the 89 (twice) and the 21, and a pharmacist somewhere without one.
      // The other has no practice situation.
      for (const [key, profession, departement] of [
        ["a", "10", "89"],
        ["b", "10", "89"],
        ["c", "10", "21"],
        ["d", "21", null],
      ] as const) {
        await sql.run(
          "insert into directory_practice_situations (professional_id, situation_key, profession_code, departement_code) values (?, ?, ?, ?)",
          [leroy, key, profession, departement],
        );
      }
      assert.deepEqual(await migrate(handle, "0021-directory-search-codes"), ["0021-directory-search-codes"]);

      const rows = await sql.rows<{ professional_id: number; professions: string[]; departements: string[] }>(
        "select professional_id, array(select unnest(professions) order by 1) as professions, array(select unnest(departements) order by 1) as departements from directory_search order by 1",
      );
      assert.deepEqual(
        rows.map((r) => [Number(r.professional_id), r.professions, r.departements]),
        [
          [leroy, ["10", "21"], ["21", "89"]],
          [other, [], []],
        ],
      );

      await migrate(handle, "0020-directory-search-heads");
      await assert.rejects(sql.rows("select professions from directory_search"));
      assert.equal((await sql.rows("select * from directory_search")).length, 2);
    } finally {
      await handle.close();
      await scratch.dispose();
    }
  });
});

describe(`migration 0022-directory-without-professional-keys on ${testStore()}`, () => {
  test("PostgreSQL: 0021 → 0022 drops the professionals' foreign keys of the situations, specialties and search documents; down puts them back", {
    skip: testStore() === "sqlite" ? "SQLite keeps its keys" : false,
  }, async () => {
    const scratch = await scratchDatabase("migration-directory-keys");
    const handle = await scratch.open();
    try {
      await migrate(handle, "0021-directory-search-codes");
      const sql = new KyselyDirectorySql(handle.db, handle.kind);
      const professional = await handle.db
        .insertInto("directory_professionals")
        .values(professionalRow("810785900399"))
        .returning("id")
        .executeTakeFirstOrThrow();
      const unknown = Number(professional.id) + 1000;
      const writes = (id: number) => [
        () =>
          sql.run(
            "insert into directory_practice_situations (professional_id, situation_key) values (?, 'a')",
            [id],
          ),
        () => sql.run("insert into directory_specialties (professional_id, code) values (?, 'SM04')", [id]),
        () =>
          sql.run(
            "insert into directory_search (professional_id, document) values (?, to_tsvector('simple', 'leroy'))",
            [id],
          ),
      ];
      for (const write of writes(unknown)) await assert.rejects(write(), /foreign key/);

      assert.deepEqual(await migrate(handle, "0022-directory-without-professional-keys"), [
        "0022-directory-without-professional-keys",
      ]);
      for (const write of writes(unknown)) assert.equal(await write(), 1);

      // Down checks the rows it keys: the ones without their professional go first.
      for (const table of ["directory_practice_situations", "directory_specialties", "directory_search"]) {
        await sql.run(`delete from ${table} where professional_id = ?`, [unknown]);
      }
      await migrate(handle, "0021-directory-search-codes");
      for (const write of writes(unknown)) await assert.rejects(write(), /foreign key/);
      for (const write of writes(Number(professional.id))) assert.equal(await write(), 1);
    } finally {
      await handle.close();
      await scratch.dispose();
    }
  });
});
