/**
 * A territory's perimeter as the directory search filters by it: the INSEE codes of its communes
 * and its départements (organisation_perimeter, see db/schema-organisations.ts).
 */
import type { Db } from "../db/database.ts";

export interface TerritoryPerimeter {
  /** INSEE commune codes (`89024`, `2A004`, `97411`), upper-cased. */
  readonly communes: readonly string[];
  /** Département codes (`89`, `2A`, `974`), upper-cased. */
  readonly departements: readonly string[];
}

/** The perimeter of territory `organisationId`, or null when there is no such territory. */
export async function loadTerritoryPerimeter(
  db: Db,
  organisationId: string,
): Promise<TerritoryPerimeter | null> {
  const territory = await db
    .selectFrom("organisations")
    .select("id")
    .where("id", "=", organisationId)
    .where("kind", "=", "territory")
    .executeTakeFirst();
  if (!territory) return null;
  const rows = await db
    .selectFrom("organisation_perimeter")
    .select(["kind", "code"])
    .where("organisation_id", "=", organisationId)
    .orderBy("kind")
    .orderBy("code")
    .execute();
  const communes = new Set<string>();
  const departements = new Set<string>();
  for (const row of rows) (row.kind === "commune" ? communes : departements).add(row.code.toUpperCase());
  return { communes: [...communes], departements: [...departements] };
}

/**
 * The département of an INSEE commune code: its first two characters (`2A`/`2B` in Corsica), three
 * for the overseas départements and collectivities (`97411` → `974`).
 *
 * @example
 * departementOfCommune("89024"); // "89"
 * departementOfCommune("97411"); // "974"
 */
export function departementOfCommune(code: string): string {
  return code.startsWith("97") || code.startsWith("98") ? code.slice(0, 3) : code.slice(0, 2);
}
