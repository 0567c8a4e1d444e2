import { type Kysely, sql } from "kysely";
import type { MigrationContext } from "./index.ts";

/**
 * The professional directory imported from the Annuaire Santé (see docs/architecture.md,
 * "Professional directory"): professionals, their practice situations and specialties, the
 * establishments they practise in, one row per import, and the full-text search index.
 */
export function directory({ kind }: MigrationContext) {
  const isPostgres = kind === "postgres";
  // Search keys are compared and sorted byte-wise on both stores, so that both return the same
  // order (PostgreSQL's default collation would sort "le gall" and "legall" differently from SQLite).
  const keyText = isPostgres ? sql`text collate "C"` : sql`text`;
  const serialId = isPostgres ? "bigserial" : "integer";
  const reference = isPostgres ? "bigint" : "integer";

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("directory_imports")
        .addColumn("id", serialId, (c) => (isPostgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn("started_at", "bigint", (c) => c.notNull())
        .addColumn("finished_at", "bigint")
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("sources", "text", (c) => c.notNull())
        .addColumn("rows_read", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("rows_rejected", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("professionals_new", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("professionals_updated", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("professionals_unchanged", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("professionals_deactivated", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("deactivated_missing", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("error", "text")
        .execute();

      await db.schema
        .createTable("directory_professionals")
        .addColumn("id", serialId, (c) => (isPostgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn("national_id", keyText, (c) => c.notNull().unique())
        .addColumn("id_type", "text", (c) => c.notNull())
        .addColumn("identifier", "text", (c) => c.notNull())
        .addColumn("civility_code", "text")
        .addColumn("practice_civility_code", "text")
        .addColumn("practice_civility_label", "text")
        .addColumn("last_name", "text", (c) => c.notNull())
        .addColumn("first_name", "text", (c) => c.notNull())
        .addColumn("last_name_key", keyText, (c) => c.notNull())
        .addColumn("first_name_key", keyText, (c) => c.notNull())
        .addColumn("profession_code", "text")
        .addColumn("profession_label", "text")
        .addColumn("is_active", "integer", (c) => c.notNull())
        .addColumn("content_hash", "text", (c) => c.notNull())
        .addColumn("first_seen_import", reference, (c) => c.notNull())
        .addColumn("last_seen_import", reference, (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      // No index on names: results are ordered after the search index or a filter has found
      // them, and an index in name order would be written in random order by every import.

      await db.schema
        .createTable("directory_establishments")
        .addColumn("id", serialId, (c) => (isPostgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn("establishment_key", keyText, (c) => c.notNull().unique())
        .addColumn("finess_site", "text")
        .addColumn("finess_legal_entity", "text")
        .addColumn("siret", "text")
        .addColumn("technical_id", "text")
        .addColumn("name", "text")
        .addColumn("trade_name", "text")
        .addColumn("address", "text")
        .addColumn("postal_code", "text")
        .addColumn("commune_code", "text")
        .addColumn("commune_label", "text")
        .addColumn("departement_code", "text")
        .addColumn("departement_label", "text")
        .addColumn("phone", "text")
        .addColumn("content_hash", "text", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("directory_practice_situations")
        .addColumn("id", serialId, (c) => (isPostgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn("professional_id", reference, (c) =>
          c.notNull().references("directory_professionals.id").onDelete("cascade"),
        )
        // No foreign key: deleting an unused establishment would then scan this table for each
        // one (there is deliberately no index on this column); the importer keeps the link whole.
        .addColumn("establishment_id", reference)
        .addColumn("situation_key", keyText, (c) => c.notNull())
        .addColumn("profession_code", "text")
        .addColumn("profession_label", "text")
        .addColumn("specialty_code", "text")
        .addColumn("departement_code", "text")
        .addColumn("practice_mode_code", "text")
        .addColumn("practice_mode_label", "text")
        .addColumn("sector_code", "text")
        .addColumn("sector_label", "text")
        .addColumn("role_code", "text")
        .addColumn("role_label", "text")
        .addUniqueConstraint("directory_practice_situations_key", ["professional_id", "situation_key"])
        .execute();
      // The département and profession filters. The copy of the establishment's département keeps
      // that filter to one index; professional ids grow during an import, so both indexes are
      // written in order (a few hundred insertion points), unlike an index on names.
      await db.schema
        .createIndex("directory_practice_situations_departement")
        .on("directory_practice_situations")
        .columns(["departement_code", "professional_id"])
        .execute();
      await db.schema
        .createIndex("directory_practice_situations_profession")
        .on("directory_practice_situations")
        .columns(["profession_code", "professional_id"])
        .execute();

      await db.schema
        .createTable("directory_specialties")
        .addColumn("professional_id", reference, (c) =>
          c.notNull().references("directory_professionals.id").onDelete("cascade"),
        )
        .addColumn("code", keyText, (c) => c.notNull())
        .addColumn("label", "text")
        .addColumn("type_code", "text")
        .addPrimaryKeyConstraint("directory_specialties_pk", ["professional_id", "code"])
        .execute();
      await db.schema
        .createIndex("directory_specialties_code")
        .on("directory_specialties")
        .columns(["code", "professional_id"])
        .execute();

      // The search index: one document per professional, its words already folded to [a-z0-9]
      // by directory/search-text.ts, so that both stores see the very same tokens.
      if (isPostgres) {
        await sql`
          create table directory_search (
            professional_id bigint primary key references directory_professionals (id) on delete cascade,
            document tsvector not null
          )`.execute(db);
        await sql`create index directory_search_document on directory_search using gin (document)`.execute(
          db,
        );
      } else {
        // contentless (the words live in directory_professionals and friends) with deletes allowed
        // (SQLite 3.43+); prefix indexes for 2- and 3-letter prefixes keep "ma*" fast.
        await sql`
          create virtual table directory_search using fts5(
            document,
            tokenize = 'unicode61 remove_diacritics 2',
            prefix = '2 3',
            content = '',
            contentless_delete = 1
          )`.execute(db);
      }
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of [
        "directory_search",
        "directory_specialties",
        "directory_practice_situations",
        "directory_establishments",
        "directory_professionals",
        "directory_imports",
      ]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
