import { type Kysely, sql } from "kysely";
import type { MigrationContext } from "./index.ts";

/**
 * PostgreSQL: each search document carries its professional's profession codes and départements
 * (those of their practice situations, as the search's filters read them), so that a search for
 * a word with a profession or département filter checks each of the word's matches on the row
 * the GIN read fetches anyway, instead of one index look-up in the practice situations per match
 * (directory/search-candidates.ts; bench/README.md, "Search"). The import writes them with the
 * document; this fills them for a directory imported before. SQLite's FTS5 reads the words in id
 * order beside the filters' indexes and needs no copy.
 */
export function directorySearchCodes({ kind }: MigrationContext) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (kind !== "postgres") return;
      await sql`
        alter table directory_search
          add column professions text[] not null default '{}',
          add column departements text[] not null default '{}'`.execute(db);
      await sql`
        update directory_search s
        set professions = c.professions, departements = c.departements
        from (
          select professional_id,
            coalesce(array_agg(distinct profession_code) filter (where profession_code is not null), '{}') as professions,
            coalesce(array_agg(distinct departement_code) filter (where departement_code is not null), '{}') as departements
          from directory_practice_situations
          group by professional_id
        ) c
        where c.professional_id = s.professional_id`.execute(db);
    },
    async down(db: Kysely<unknown>): Promise<void> {
      if (kind !== "postgres") return;
      await sql`alter table directory_search drop column professions, drop column departements`.execute(db);
    },
  };
}
