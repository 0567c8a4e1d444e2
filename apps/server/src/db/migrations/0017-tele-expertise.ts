import type { Kysely } from "kysely";
import type { MigrationContext } from "./index.ts";

/** Télé-expertise requests: states, timestamps and opaque ids (the clinical part travels encrypted). */
export function teleExpertise(_context: MigrationContext) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("tele_expertises")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("conversation_id", "text", (c) =>
          c.notNull().references("conversations.id").onDelete("cascade"),
        )
        .addColumn("requerant_id", "text", (c) => c.references("users.id").onDelete("set null"))
        .addColumn("requis_user_id", "text", (c) => c.references("users.id").onDelete("set null"))
        .addColumn("service_id", "text", (c) => c.references("services.id").onDelete("set null"))
        .addColumn("case_id", "text")
        .addColumn("urgency", "text", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("sent_at", "bigint", (c) => c.notNull())
        .addColumn("accepted_at", "bigint")
        .addColumn("declined_at", "bigint")
        .addColumn("answered_at", "bigint")
        .addColumn("closed_at", "bigint")
        .execute();
      // "Mine": as requérant, as requis, or as a member of the service's roster.
      for (const column of ["requerant_id", "requis_user_id", "service_id"] as const) {
        await db.schema
          .createIndex(`tele_expertises_${column}`)
          .on("tele_expertises")
          .columns([column, "sent_at"])
          .execute();
      }
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable("tele_expertises").execute();
    },
  };
}
