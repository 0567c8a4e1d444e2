import type { Kysely } from "kysely";
import type { MigrationContext } from "./index.ts";

/** Availability, working hours, urgent messages awaiting acknowledgement, on-call schedules. */
export function availabilityOnCall(_context: MigrationContext) {
  return {
    async up(_db: Kysely<unknown>): Promise<void> {},
    async down(_db: Kysely<unknown>): Promise<void> {},
  };
}
