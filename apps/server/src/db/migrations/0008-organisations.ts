import type { Kysely } from "kysely";
import type { MigrationContext } from "./index.ts";

/** Establishments, services, rosters, territories, members and invitations. */
export function organisations(_context: MigrationContext) {
  return {
    async up(_db: Kysely<unknown>): Promise<void> {},
    async down(_db: Kysely<unknown>): Promise<void> {},
  };
}
