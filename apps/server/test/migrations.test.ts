import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ScratchDatabase, scratchDatabase, TEST_DATABASE_URL, testStore } from "@confrere/dev-env";
import { migrate } from "@confrere/server";
import { Migrator, NO_MIGRATIONS, sql } from "kysely";
import pg from "pg";
import { migrationList, StaticMigrationProvider } from "../src/db/migrations/index.ts";

/** Each migration: migrate to the one before it, insert rows, migrate to it, check the rows. */
describe(`migrations on ${testStore()}`, () => {
  let scratch: ScratchDatabase;
  const open = () => scratch.open();

  before(async () => {
    scratch = await scratchDatabase("migrations");
  });
  after(async () => {
    await scratch.dispose();
  });

  test("0001-accounts → 0002-audit keeps the accounts and starts an empty audit chain", async () => {
    const handle = await open();
    try {
      assert.deepEqual(await migrate(handle, "0001-accounts"), ["0001-accounts"]);
      await handle.db
        .insertInto("users")
        .values({
          id: "u1",
          email: "a@example.fr",
          display_name: "Dr A",
          password_hash: "$argon2id$x",
          role: "user",
          email_verified_at: 1,
          identity_verified_at: null,
          suspended_at: null,
          suspended_reason: null,
          created_at: 1,
          updated_at: 1,
          // Columns added by later migrations do not exist yet at 0001.
        } as never)
        .execute();
      await handle.db
        .insertInto("devices")
        .values({ id: "d1", user_id: "u1", name: "Poste", created_at: 1, last_seen_at: 1, revoked_at: null })
        .execute();

      assert.deepEqual(await migrate(handle, "0002-audit"), ["0002-audit"]);
      const user = await handle.db
        .selectFrom("users")
        .selectAll()
        .where("id", "=", "u1")
        .executeTakeFirstOrThrow();
      assert.equal(user.email, "a@example.fr");
      assert.equal(user.email_verified_at, 1);
      const head = await handle.db.selectFrom("audit_head").selectAll().executeTakeFirstOrThrow();
      assert.equal(Number(head.seq), 0);
      assert.equal(head.hash, "0".repeat(64));
      const count = await sql<{ n: number }>`select count(*) as n from audit_events`.execute(handle.db);
      assert.equal(Number(count.rows[0]?.n), 0);
    } finally {
      await handle.close();
    }
  });

  test("every migration goes down and up again", async () => {
    const handle = await open();
    try {
      await migrate(handle);
      // Kysely's NO_MIGRATIONS sentinel goes below the first one.
      const migrator = new Migrator({
        db: handle.db,
        provider: new StaticMigrationProvider({ kind: handle.kind }),
        ...(handle.schema ? { migrationTableSchema: handle.schema } : {}),
      });
      const down = await migrator.migrateTo(NO_MIGRATIONS);
      assert.equal(down.error, undefined);
      assert.deepEqual(await migrate(handle), Object.keys(migrationList({ kind: handle.kind })));
    } finally {
      await handle.close();
    }
  });

  test("on PostgreSQL the migrator looks at our schema only: another schema's tables are not listed", {
    skip: testStore() !== "postgres",
  }, async () => {
    // Suites sharing a database each drop their schema on close. Kysely's introspector read every
    // schema's columns, and a schema dropped during that read failed our migration (CI, twice).
    const other = `o_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    const handle = await open();
    try {
      await admin.query(`create schema "${other}"`);
      await admin.query(`create table "${other}".kysely_migration (name text, note text)`);
      await admin.query(`create table "${other}".elsewhere (id serial primary key)`);
      await migrate(handle);
      await sql`create table probe (id serial primary key, note text default 'x')`.execute(handle.db);

      const tables = await handle.db.introspection.getTables({ withInternalKyselyTables: true });
      assert.deepEqual(new Set(tables.map((t) => t.schema)), new Set([handle.schema]));
      const names = tables.map((t) => t.name);
      assert.ok(names.includes("kysely_migration") && names.includes("users"));
      assert.ok(!names.includes("elsewhere"));
      const probe = tables.find((t) => t.name === "probe");
      assert.deepEqual(
        probe?.columns.map((c) => [
          c.name,
          c.dataType,
          c.isAutoIncrementing,
          c.isNullable,
          c.hasDefaultValue,
        ]),
        [
          ["id", "int4", true, false, true],
          ["note", "text", false, true, true],
        ],
      );
      const visible = await handle.db.introspection.getTables();
      assert.ok(!visible.some((t) => t.name === "kysely_migration"));
    } finally {
      await handle.close();
      await admin.query(`drop schema if exists "${other}" cascade`);
      await admin.end();
    }
  });
});
