import type { Kysely } from "kysely";
import type { MigrationContext } from "./index.ts";

/** RPPS/ADELI claims, their encrypted proofs and the operator review queue. */
export function identityClaims({ kind }: MigrationContext) {
  const bytes = kind === "postgres" ? "bytea" : "blob";
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("identity_claims")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
        .addColumn("attempt", "integer", (c) => c.notNull())
        // Unique while open, null once closed (several nulls are allowed on both stores).
        .addColumn("open_user_id", "text", (c) => c.unique())
        .addColumn("national_id", "text", (c) => c.notNull())
        .addColumn("id_type", "text", (c) => c.notNull())
        .addColumn("typed_last_name", "text", (c) => c.notNull())
        .addColumn("typed_first_name", "text", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("rejection_reason", "text")
        .addColumn("decided_by", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("submitted_at", "bigint")
        .addColumn("closed_at", "bigint")
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addUniqueConstraint("identity_claims_attempt_unique", ["user_id", "attempt"])
        .execute();
      // The review queue: one state, oldest submission first.
      await db.schema
        .createIndex("identity_claims_queue")
        .on("identity_claims")
        .columns(["state", "submitted_at"])
        .execute();
      // Other accounts' open claims on the same professional, shown to the operator.
      await db.schema
        .createIndex("identity_claims_national_id")
        .on("identity_claims")
        .column("national_id")
        .execute();

      await db.schema
        .createTable("identity_claim_proofs")
        .addColumn("claim_id", "text", (c) =>
          c.primaryKey().references("identity_claims.id").onDelete("cascade"),
        )
        .addColumn("content_type", "text", (c) => c.notNull())
        .addColumn("size", "integer", (c) => c.notNull())
        .addColumn("sealed", bytes, (c) => c.notNull())
        .addColumn("uploaded_at", "bigint", (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable("identity_claim_proofs").execute();
      await db.schema.dropTable("identity_claims").execute();
    },
  };
}
