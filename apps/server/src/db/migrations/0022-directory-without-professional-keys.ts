import { type Kysely, sql } from "kysely";
import type { MigrationContext } from "./index.ts";

/** The directory tables whose rows name a professional, with the foreign key migration 0003 gave them. */
const CHILD_TABLES = [
  ["directory_practice_situations", "directory_practice_situations_professional_id_fkey"],
  ["directory_specialties", "directory_specialties_professional_id_fkey"],
  ["directory_search", "directory_search_professional_id_fkey"],
] as const;

/**
 * PostgreSQL: no foreign key from the practice situations, specialties and search documents to
 * their professional, as migration 0011 already decided for the specialties' départements.
 * Professionals are never deleted (an import deactivates them), and only the import writes these
 * rows, with the ids its own insert of the professionals returned. Each key cost a look-up in the
 * professionals' primary key per written row: a first 2M-row import took 277 s with them and
 * 265 s without (bench/README.md, "Directory"). SQLite keeps its keys: dropping one means
 * rebuilding the table, and its import is within its time with them.
 */
export function directoryWithoutProfessionalKeys({ kind }: MigrationContext) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (kind !== "postgres") return;
      for (const [table, constraint] of CHILD_TABLES) {
        await sql`alter table ${sql.table(table)} drop constraint if exists ${sql.ref(constraint)}`.execute(
          db,
        );
      }
    },
    async down(db: Kysely<unknown>): Promise<void> {
      if (kind !== "postgres") return;
      for (const [table, constraint] of CHILD_TABLES) {
        await sql`
          alter table ${sql.table(table)} add constraint ${sql.ref(constraint)}
          foreign key (professional_id) references directory_professionals (id) on delete cascade`.execute(
          db,
        );
      }
    },
  };
}
