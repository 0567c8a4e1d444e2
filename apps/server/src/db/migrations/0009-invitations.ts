import type { Kysely } from "kysely";
import type { MigrationContext } from "./index.ts";

/** Invitations by e-mail: a colleague's, or an administrator's who vouches for a listed professional. */
export function invitations(_context: MigrationContext) {
  return {
    async up(_db: Kysely<unknown>): Promise<void> {},
    async down(_db: Kysely<unknown>): Promise<void> {},
  };
}
