import type { Kysely } from "kysely";
import type { MigrationContext } from "./index.ts";

/**
 * Pro Santé Connect round trips: one row from `POST /psc/start` to `POST /psc/complete`. The state
 * and the ticket are stored as SHA-256 only, the PKCE verifier sealed with the server secret.
 */
export function proSanteConnect(_context: MigrationContext) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("psc_logins")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("state_hash", "text", (c) => c.notNull().unique())
        .addColumn("nonce", "text", (c) => c.notNull())
        .addColumn("code_verifier_sealed", "text", (c) => c.notNull())
        .addColumn("purpose", "text", (c) => c.notNull())
        .addColumn("user_id", "text", (c) => c.references("users.id").onDelete("cascade"))
        .addColumn("device_name", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("expires_at", "bigint", (c) => c.notNull())
        .addColumn("used_at", "bigint")
        .addColumn("outcome", "text")
        .addColumn("professional_sealed", "text")
        .addColumn("ticket_hash", "text", (c) => c.unique())
        .addColumn("ticket_expires_at", "bigint")
        .addColumn("ticket_used_at", "bigint")
        .execute();
      // Old rows are purged by creation time (see identity/psc-logins.ts).
      await db.schema.createIndex("psc_logins_created_at").on("psc_logins").column("created_at").execute();
      await db.schema.createIndex("psc_logins_user").on("psc_logins").column("user_id").execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable("psc_logins").execute();
    },
  };
}
