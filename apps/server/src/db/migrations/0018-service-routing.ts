import type { Kysely } from "kysely";
import type { MigrationContext } from "./index.ts";

/**
 * Plain messages to a service go first to whoever is on call, like urgent ones: their routing is
 * kept as alerts with `urgent = 0` (not shown as urgent, acknowledged by reading or answering).
 */
export function serviceRouting(_context: MigrationContext) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable("urgent_alerts")
        .addColumn("urgent", "integer", (c) => c.notNull().defaultTo(1))
        .execute();
      // The push notifier and the escalation job look alerts up by message.
      await db.schema
        .createIndex("urgent_alerts_message")
        .on("urgent_alerts")
        .columns(["conversation_id", "seq"])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex("urgent_alerts_message").execute();
      await db.schema.alterTable("urgent_alerts").dropColumn("urgent").execute();
    },
  };
}
