import type { Kysely } from "kysely";
import type { MigrationContext } from "./index.ts";

/** Patient-case registry: opaque case ids tied to conversations (the patient travels encrypted only). */
export function careCases(_context: MigrationContext) {
  return {
    async up(_db: Kysely<unknown>): Promise<void> {},
    async down(_db: Kysely<unknown>): Promise<void> {},
  };
}
