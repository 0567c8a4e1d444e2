import type { Kysely } from "kysely";
import type { MigrationContext } from "./index.ts";

/**
 * The format of the search documents each directory import wrote (directory/search-documents.ts).
 * Earlier imports wrote format 1, with the practice civility ("Madame", "Docteur") among the
 * words. An import that finds the latest completed one wrote an older format writes every
 * document again.
 */
export function directorySearchFormat(_context: MigrationContext) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable("directory_imports")
        .addColumn("search_format", "integer", (column) => column.notNull().defaultTo(1))
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable("directory_imports").dropColumn("search_format").execute();
    },
  };
}
