import type { Kysely } from "kysely";
import type { MigrationContext } from "./index.ts";

/** Retention policies, legal holds and purge runs. */
export function retention(_context: MigrationContext) {
  return {
    async up(_db: Kysely<unknown>): Promise<void> {},
    async down(_db: Kysely<unknown>): Promise<void> {},
  };
}
