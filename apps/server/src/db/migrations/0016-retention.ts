import type { Kysely } from "kysely";
import type { MigrationContext } from "./index.ts";

/**
 * Retention policies (per organisation), legal holds (per conversation), the export reminders
 * already sent and the purge runs. See care/retention.ts for which policy applies.
 */
export function retention(_context: MigrationContext) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("retention_policies")
        .addColumn("organisation_id", "text", (c) =>
          c.primaryKey().references("organisations.id").onDelete("cascade"),
        )
        .addColumn("days", "integer", (c) => c.notNull())
        .addColumn("updated_by", "text")
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();

      // One hold per conversation at a time; lifting it deletes the row (the audit trail keeps both).
      await db.schema
        .createTable("legal_holds")
        .addColumn("conversation_id", "text", (c) =>
          c.primaryKey().references("conversations.id").onDelete("cascade"),
        )
        .addColumn("reason", "text", (c) => c.notNull())
        .addColumn("placed_by", "text")
        .addColumn("placed_at", "bigint", (c) => c.notNull())
        .execute();

      // The content created up to `covered_until` was announced to this person: never twice.
      await db.schema
        .createTable("retention_reminders")
        .addColumn("conversation_id", "text", (c) =>
          c.notNull().references("conversations.id").onDelete("cascade"),
        )
        .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
        .addColumn("covered_until", "bigint", (c) => c.notNull())
        .addColumn("sent_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("retention_reminders_pk", ["conversation_id", "user_id"])
        .execute();

      await db.schema
        .createTable("retention_purge_runs")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("started_at", "bigint", (c) => c.notNull())
        .addColumn("finished_at", "bigint", (c) => c.notNull())
        .addColumn("conversations", "integer", (c) => c.notNull())
        .addColumn("messages_deleted", "integer", (c) => c.notNull())
        .addColumn("attachments_deleted", "integer", (c) => c.notNull())
        .addColumn("held_conversations", "integer", (c) => c.notNull())
        .execute();

      // The purge walks each conversation's oldest entries; the reminder its oldest application one.
      await db.schema
        .createIndex("log_entries_retention")
        .on("log_entries")
        .columns(["conversation_id", "kind", "created_at"])
        .execute();
      await db.schema
        .createIndex("attachments_retention")
        .on("attachments")
        .columns(["conversation_id", "created_at"])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex("attachments_retention").execute();
      await db.schema.dropIndex("log_entries_retention").execute();
      for (const table of [
        "retention_purge_runs",
        "retention_reminders",
        "legal_holds",
        "retention_policies",
      ]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
