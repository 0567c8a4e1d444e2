import { type Kysely, sql } from "kysely";
import type { MigrationContext } from "./index.ts";

/** The append-only, hash-chained audit trail. */
export function audit({ kind }: MigrationContext) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("audit_events")
        .addColumn("seq", kind === "postgres" ? "bigserial" : "integer", (c) =>
          kind === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn("at", "bigint", (c) => c.notNull())
        .addColumn("actor_id", "text")
        .addColumn("action", "text", (c) => c.notNull())
        .addColumn("target_type", "text")
        .addColumn("target_id", "text")
        .addColumn("ip", "text")
        .addColumn("device_id", "text")
        .addColumn("detail", "text")
        .addColumn("prev_hash", "text", (c) => c.notNull())
        .addColumn("hash", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("audit_events_actor")
        .on("audit_events")
        .columns(["actor_id", "seq"])
        .execute();
      await db.schema
        .createIndex("audit_events_target")
        .on("audit_events")
        .columns(["target_id", "seq"])
        .execute();
      await db.schema
        .createTable("audit_head")
        .addColumn("id", "integer", (c) => c.primaryKey())
        .addColumn("seq", "bigint", (c) => c.notNull())
        .addColumn("hash", "text", (c) => c.notNull())
        .execute();
      await sql`insert into audit_head (id, seq, hash) values (1, 0, ${GENESIS_HASH})`.execute(db);
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable("audit_head").execute();
      await db.schema.dropTable("audit_events").execute();
    },
  };
}

/** The `prev_hash` of the first event. */
export const GENESIS_HASH = "0".repeat(64);
