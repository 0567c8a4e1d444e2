import type { Kysely } from "kysely";
import type { MigrationContext } from "./index.ts";

/** Pro Santé Connect login states (helper: psc). */
export function proSanteConnect(_context: MigrationContext) {
  return {
    async up(_db: Kysely<unknown>): Promise<void> {},
    async down(_db: Kysely<unknown>): Promise<void> {},
  };
}
