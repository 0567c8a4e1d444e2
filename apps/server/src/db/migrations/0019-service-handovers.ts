import type { Kysely } from "kysely";
import type { MigrationContext } from "./index.ts";

/**
 * A request to a service that neither its on-call staff nor the rest of its roster took goes to
 * the service's backup. The server cannot read or re-address it: it records the handover, and the
 * asker's device forwards the request, encrypted, to the backup service (care/handovers.ts).
 */
export function serviceHandovers(_context: MigrationContext) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("service_handovers")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("conversation_id", "text", (c) =>
          c.notNull().references("conversations.id").onDelete("cascade"),
        )
        .addColumn("seq", "integer", (c) => c.notNull())
        .addColumn("sender_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
        .addColumn("from_service_id", "text", (c) => c.references("services.id").onDelete("set null"))
        .addColumn("to_service_id", "text", (c) => c.notNull().references("services.id").onDelete("cascade"))
        .addColumn("urgent", "integer", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        // After the roster's own delay: still untaken then, the asker's device is asked to forward.
        .addColumn("due_at", "bigint", (c) => c.notNull())
        .addColumn("offered_at", "bigint")
        .addColumn("claimed_by_device", "text")
        .addColumn("claimed_at", "bigint")
        .addColumn("forwarded_conversation_id", "text", (c) =>
          c.references("conversations.id").onDelete("set null"),
        )
        .addColumn("forwarded_at", "bigint")
        .addColumn("dropped_at", "bigint")
        .execute();
      await db.schema
        .createIndex("service_handovers_message")
        .on("service_handovers")
        .columns(["conversation_id", "seq"])
        .unique()
        .execute();
      await db.schema
        .createIndex("service_handovers_sender")
        .on("service_handovers")
        .columns(["sender_id", "forwarded_at"])
        .execute();
      await db.schema
        .createIndex("service_handovers_due")
        .on("service_handovers")
        .columns(["offered_at", "due_at"])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable("service_handovers").execute();
    },
  };
}
