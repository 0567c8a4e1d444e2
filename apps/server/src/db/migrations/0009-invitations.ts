import type { Kysely } from "kysely";
import type { MigrationContext } from "./index.ts";

/** Invitations by e-mail: a colleague's, or an administrator's who vouches for a listed professional. */
export function invitations(_context: MigrationContext) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("invitations")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("token_hash", "text", (c) => c.notNull().unique())
        .addColumn("email", "text", (c) => c.notNull())
        .addColumn("national_id", "text")
        .addColumn("organisation_id", "text", (c) => c.references("organisations.id").onDelete("cascade"))
        .addColumn("inviter_user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
        .addColumn("note", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("expires_at", "bigint", (c) => c.notNull())
        .addColumn("accepted_at", "bigint")
        .addColumn("accepted_user_id", "text", (c) => c.references("users.id").onDelete("set null"))
        .addColumn("revoked_at", "bigint")
        .addColumn("revoked_by_user_id", "text", (c) => c.references("users.id").onDelete("set null"))
        .execute();
      // The daily limit and the 7-day resend window read one inviter's newest invitations.
      await db.schema
        .createIndex("invitations_inviter")
        .on("invitations")
        .columns(["inviter_user_id", "created_at"])
        .execute();
      // An organisation's list and counts, and "already invited" for a professional in bulk.
      await db.schema
        .createIndex("invitations_organisation")
        .on("invitations")
        .columns(["organisation_id", "national_id"])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable("invitations").execute();
    },
  };
}
