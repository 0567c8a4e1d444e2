import { type Kysely, sql } from "kysely";
import type { MigrationContext } from "./index.ts";

/**
 * PostgreSQL: the first professional ids of the word prefixes its index answers slowly (thousands
 * to hundreds of thousands of documents), written by each directory import
 * (directory/search-heads.ts). SQLite's FTS5 reads a prefix's first ids in order by itself and
 * needs no such table.
 */
export function directorySearchHeads({ kind }: MigrationContext) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (kind !== "postgres") return;
      await sql`
        create table directory_search_heads (
          prefix text primary key,
          import_id bigint not null,
          ids bigint[] not null
        )`.execute(db);
    },
    async down(db: Kysely<unknown>): Promise<void> {
      if (kind !== "postgres") return;
      await db.schema.dropTable("directory_search_heads").execute();
    },
  };
}
