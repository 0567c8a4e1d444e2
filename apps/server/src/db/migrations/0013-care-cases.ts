import type { Kysely } from "kysely";
import type { MigrationContext } from "./index.ts";

/** Patient-case registry: opaque case ids tied to conversations (the patient travels encrypted only). */
export function careCases(_context: MigrationContext) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("care_cases")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("conversation_id", "text", (c) =>
          c.notNull().references("conversations.id").onDelete("cascade"),
        )
        .addColumn("opened_by", "text", (c) => c.references("users.id").onDelete("set null"))
        .addColumn("opened_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("care_cases_conversation")
        .on("care_cases")
        .columns(["conversation_id", "opened_at"])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable("care_cases").execute();
    },
  };
}
