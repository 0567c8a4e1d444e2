import type { Kysely } from "kysely";
import type { MigrationContext } from "./index.ts";

/** Availability, working hours, urgent messages awaiting acknowledgement, on-call schedules. */
export function availabilityOnCall(_context: MigrationContext) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // One row per user who set anything; no row means "available, no working hours".
      await db.schema
        .createTable("availability")
        .addColumn("user_id", "text", (c) => c.primaryKey().references("users.id").onDelete("cascade"))
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("status_until", "bigint")
        // JSON: { mon: [["08:00","12:00"], ...], ... } in Europe/Paris local time; null = always.
        .addColumn("working_hours", "text")
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();

      // One alert per recipient user of an urgent message, pending until acknowledged.
      await db.schema
        .createTable("urgent_alerts")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("conversation_id", "text", (c) =>
          c.notNull().references("conversations.id").onDelete("cascade"),
        )
        .addColumn("seq", "integer", (c) => c.notNull())
        .addColumn("sender_id", "text", (c) => c.references("users.id").onDelete("set null"))
        .addColumn("recipient_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
        .addColumn("renotify_after_minutes", "integer")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("last_notified_at", "bigint")
        .addColumn("acknowledged_at", "bigint")
        // Set on the on-call staff's alerts of a service conversation: escalate after the service's delay.
        .addColumn("service_id", "text", (c) => c.references("services.id").onDelete("set null"))
        .addColumn("escalated_at", "bigint")
        .execute();
      await db.schema
        .createIndex("urgent_alerts_recipient")
        .on("urgent_alerts")
        .columns(["recipient_id", "acknowledged_at"])
        .execute();

      // A service's on-call settings; the shifts are rows of on_call_shifts.
      await db.schema
        .createTable("on_call_schedules")
        .addColumn("service_id", "text", (c) => c.primaryKey().references("services.id").onDelete("cascade"))
        .addColumn("escalation_minutes", "integer", (c) => c.notNull())
        .addColumn("backup_service_id", "text", (c) => c.references("services.id").onDelete("set null"))
        .addColumn("updated_by", "text")
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("on_call_shifts")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("service_id", "text", (c) =>
          c.notNull().references("on_call_schedules.service_id").onDelete("cascade"),
        )
        .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
        .addColumn("starts_at", "bigint", (c) => c.notNull())
        .addColumn("ends_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("on_call_shifts_service")
        .on("on_call_shifts")
        .columns(["service_id", "ends_at"])
        .execute();

      // A conversation addressed to a service (notification routing only: the group holds the roster).
      await db.schema
        .createTable("service_conversations")
        .addColumn("conversation_id", "text", (c) =>
          c.primaryKey().references("conversations.id").onDelete("cascade"),
        )
        .addColumn("service_id", "text", (c) => c.notNull().references("services.id").onDelete("cascade"))
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of [
        "service_conversations",
        "on_call_shifts",
        "on_call_schedules",
        "urgent_alerts",
        "availability",
      ]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
