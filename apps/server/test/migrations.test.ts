import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ScratchDatabase, scratchDatabase, testStore } from "@confrere/dev-env";
import { migrate } from "@confrere/server";
import { Migrator, NO_MIGRATIONS, sql } from "kysely";
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
});
