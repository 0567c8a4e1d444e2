import type { Kysely } from "kysely";
import type { MigrationContext } from "./index.ts";

/** Web Push subscriptions: one per device, deleted with the device (see push/push-subscriptions.ts). */
export function pushSubscriptions(_context: MigrationContext) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("push_subscriptions")
        .addColumn("device_id", "text", (c) => c.primaryKey().references("devices.id").onDelete("cascade"))
        .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
        .addColumn("endpoint", "text", (c) => c.notNull())
        .addColumn("p256dh", "text", (c) => c.notNull())
        .addColumn("auth", "text", (c) => c.notNull())
        .addColumn("preview", "text", (c) => c.notNull())
        .addColumn("last_pushed", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      // Recipients of a message are users: their subscribed devices are read by user.
      await db.schema
        .createIndex("push_subscriptions_user")
        .on("push_subscriptions")
        .column("user_id")
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable("push_subscriptions").execute();
    },
  };
}
