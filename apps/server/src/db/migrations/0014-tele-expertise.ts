import type { Kysely } from "kysely";
import type { MigrationContext } from "./index.ts";

/** Télé-expertise requests: states, timestamps and opaque ids only. */
export function teleExpertise(_context: MigrationContext) {
  return {
    async up(_db: Kysely<unknown>): Promise<void> {},
    async down(_db: Kysely<unknown>): Promise<void> {},
  };
}
