import { type Kysely, sql } from "kysely";
import type { MigrationContext } from "./index.ts";

/**
 * Organisations: establishments (a FINESS site or legal entity) with their services and rosters,
 * and territories (communauté de communes, CPTS, département) with a perimeter and members.
 */
export function organisations(context: MigrationContext) {
  // Folded keys sort byte-wise on both stores (PostgreSQL's default collation would not).
  const keyText = context.kind === "postgres" ? sql`text collate "C"` : sql`text`;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("organisations")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("territory_type", "text")
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("finess", "text", (c) => c.unique())
        .addColumn("siren", "text")
        // Establishments: where they are, copied from the directory when created (the directory
        // row may go away with a later import; the organisation stays findable).
        .addColumn("commune_code", "text")
        .addColumn("commune_label", "text")
        .addColumn("departement_code", "text")
        // The folded words of the name and commune, searched with the services' names.
        .addColumn("search_key", keyText, (c) => c.notNull().defaultTo(""))
        .addColumn("sponsored", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("created_by", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("organisation_perimeter")
        .addColumn("organisation_id", "text", (c) =>
          c.notNull().references("organisations.id").onDelete("cascade"),
        )
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("code", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("organisation_perimeter_pk", ["organisation_id", "kind", "code"])
        .execute();

      await db.schema
        .createTable("organisation_members")
        .addColumn("organisation_id", "text", (c) =>
          c.notNull().references("organisations.id").onDelete("cascade"),
        )
        .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
        .addColumn("role", "text", (c) => c.notNull())
        .addColumn("added_by", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("organisation_members_pk", ["organisation_id", "user_id"])
        .execute();
      await db.schema
        .createIndex("organisation_members_user")
        .on("organisation_members")
        .column("user_id")
        .execute();

      await db.schema
        .createTable("services")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("organisation_id", "text", (c) =>
          c.notNull().references("organisations.id").onDelete("cascade"),
        )
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("name_key", keyText, (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addUniqueConstraint("services_name_unique", ["organisation_id", "name_key"])
        .execute();

      await db.schema
        .createTable("service_roster")
        .addColumn("service_id", "text", (c) => c.notNull().references("services.id").onDelete("cascade"))
        .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
        .addColumn("added_by", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("service_roster_pk", ["service_id", "user_id"])
        .execute();
      await db.schema.createIndex("service_roster_user").on("service_roster").column("user_id").execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of [
        "service_roster",
        "services",
        "organisation_members",
        "organisation_perimeter",
        "organisations",
      ]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
