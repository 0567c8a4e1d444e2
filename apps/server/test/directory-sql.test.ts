import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ScratchDatabase, scratchDatabase, testStore } from "@confrere/dev-env";
import { migrate } from "@confrere/server";
import { type SqlValue, withDedicatedConnection } from "../src/directory/directory-sql.ts";

/** Values an extraction may hold, and those an array literal must escape. */
const AWKWARD = [
  'Lefèvre "dit" \\ le Grand',
  "a,b",
  "{x}",
  "NULL",
  "",
  "  espaces  ",
  "l'Haÿ-les-Roses",
  "fin\\",
  '"',
  "a\nb\tc",
  null,
];

describe(`DirectorySql.insert on ${testStore()}`, () => {
  let scratch: ScratchDatabase;

  before(async () => {
    scratch = await scratchDatabase("directory-sql");
  });
  after(async () => {
    await scratch.dispose();
  });

  test("writes every value as given, wrapped where asked, in chunks, with the rows of `returning` and `on conflict`", async () => {
    const handle = await scratch.open();
    try {
      await migrate(handle);
      await withDedicatedConnection(
        handle.db,
        handle.kind,
        async (run, helpers) => {
          assert.equal(helpers.length, handle.kind === "postgres" ? 2 : 0, "helpers on PostgreSQL only");
          await run.run(
            "create temp table samples (id bigint primary key, name text, marked_name text, n integer)",
          );
          // More rows than one statement takes on either store.
          const values: SqlValue[][] = [];
          for (let id = 1; id <= 12_001; id++) {
            const name = AWKWARD[id % AWKWARD.length]!;
            values.push([id, name, name, id % 3 === 0 ? null : id * 7]);
          }
          const returned = await run.insert<{ id: number | string }>(
            "samples",
            ["id", "name", "marked_name", "n"],
            values,
            "returning id",
            { marked_name: "'«' || ? || '»'" },
          );
          assert.equal(returned.length, values.length);
          const rows = await run.rows<{
            id: number | string;
            name: string | null;
            marked_name: string | null;
            n: number | null;
          }>("select id, name, marked_name, n from samples order by id");
          assert.deepEqual(
            rows.map((row) => [
              Number(row.id),
              row.name,
              row.marked_name,
              row.n === null ? null : Number(row.n),
            ]),
            values.map(([id, name, , n]) => [id, name, name === null ? null : `«${name}»`, n]),
          );

          // An upsert: conflicting rows are updated, and only those `returning` names come back.
          const upserted = await run.insert<{ id: number | string }>(
            "samples",
            ["id", "name", "marked_name", "n"],
            [
              [1, "changé", "changé", 1],
              [20_000, "nouveau", "nouveau", 2],
            ],
            "on conflict (id) do update set name = excluded.name where samples.id = 1 returning id",
            { marked_name: "'«' || ? || '»'" },
          );
          assert.deepEqual(
            upserted.map((row) => Number(row.id)).sort((a, b) => a - b),
            [1, 20_000],
          );
          assert.deepEqual(await run.rows("select name from samples where id = 1"), [{ name: "changé" }]);

          await assert.rejects(
            run.insert("samples", ["id", "no_such_column"], [[30_000, "x"]]),
            /no_such_column/,
          );
          assert.equal(await run.insert("samples", ["id"], []).then((out) => out.length), 0);
        },
        2,
      );
    } finally {
      await handle.close();
    }
  });
});
