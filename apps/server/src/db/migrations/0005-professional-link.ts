import type { Kysely } from "kysely";
import type { MigrationContext } from "./index.ts";

/**
 * The link between an account and the professional of the directory it belongs to, by national
 * id (`8` + RPPS or `0` + ADELI). One account per professional: the unique index refuses a second.
 */
export function professionalLink(_context: MigrationContext) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable("users").addColumn("national_id", "text").execute();
      await db.schema.alterTable("users").addColumn("identity_method", "text").execute();
      await db.schema.createIndex("users_national_id").on("users").column("national_id").unique().execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex("users_national_id").execute();
      await db.schema.alterTable("users").dropColumn("identity_method").execute();
      await db.schema.alterTable("users").dropColumn("national_id").execute();
    },
  };
}
