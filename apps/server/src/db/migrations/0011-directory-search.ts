import { type Kysely, sql } from "kysely";
import type { MigrationContext } from "./index.ts";

/**
 * Directory search structures (see directory/search-candidates.ts): the specialties of each
 * professional per département they practise in, so that "specialty + département", the usual
 * filter pair, reads one index range of exactly its matches in id order instead of merging a
 * specialty's and a département's ranges (tens of thousands of ids each on 2M rows). Backfilled
 * from the existing specialties and practice situations; the import keeps it in step.
 *
 * PostgreSQL also gets the ranking columns beside the id in one index: a search ranks up to
 * 2,000 candidates by them (directory-search.ts), and an index-only probe reads a page of this
 * narrow index instead of the primary key's and then the wide table's (≈4.5 buffers a candidate).
 * SQLite reads its rowid table directly, one B-tree search a candidate.
 */
export function directorySearch({ kind }: MigrationContext) {
  const isPostgres = kind === "postgres";
  // Byte order, as the tables it is copied from (migration 0003).
  const keyText = isPostgres ? sql`text collate "C"` : sql`text`;
  const reference = isPostgres ? sql`bigint` : sql`integer`;

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // No foreign key: professionals are never deleted, and the import writes and deletes these
      // rows with the professional's specialties (a key check per row would cost as much).
      await sql`
        create table directory_specialty_departements (
          code ${keyText} not null,
          departement_code ${keyText} not null,
          professional_id ${reference} not null,
          primary key (code, departement_code, professional_id)
        )${sql.raw(isPostgres ? "" : " without rowid")}`.execute(db);
      // The import replaces a changed professional's rows by their id.
      await sql`create index directory_specialty_departements_professional on directory_specialty_departements (professional_id)`.execute(
        db,
      );
      await sql`
        insert into directory_specialty_departements (code, departement_code, professional_id)
        select distinct sp.code, ps.departement_code, sp.professional_id
        from directory_specialties sp
        join directory_practice_situations ps on ps.professional_id = sp.professional_id
        where ps.departement_code is not null
        order by 1, 2, 3`.execute(db);
      if (isPostgres) {
        await sql`analyze directory_specialty_departements`.execute(db);
        await sql`create index directory_professionals_rank on directory_professionals (id) include (is_active, last_name_key, first_name_key, national_id)`.execute(
          db,
        );
      }
    },

    async down(db: Kysely<unknown>): Promise<void> {
      if (isPostgres) await db.schema.dropIndex("directory_professionals_rank").execute();
      await db.schema.dropTable("directory_specialty_departements").execute();
    },
  };
}
