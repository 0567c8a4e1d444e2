import type { Kysely } from "kysely";
import type { MigrationContext } from "./index.ts";

/** The professional directory imported from the Annuaire Santé. */
export function directory(_context: MigrationContext) {
  return {
    async up(_db: Kysely<unknown>): Promise<void> {},
    async down(_db: Kysely<unknown>): Promise<void> {},
  };
}
