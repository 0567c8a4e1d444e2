import { type RawBuilder, type SqlBool, sql } from "kysely";
import type { AppContext } from "../context.ts";
import { type OrganisationRow, organisationPerimeter } from "../organisations/organisation-access.ts";

/**
 * The professionals an organisation may vouch for, read from where the directory says they
 * practise: for a territory, an establishment (cabinet, hospital…) in one of its communes or
 * départements; for an establishment, a practice situation at its own FINESS (site or legal
 * entity). An establishment created without a FINESS vouches for nobody.
 */
export type OrganisationScope =
  | { kind: "area"; communes: string[]; departements: string[] }
  | { kind: "finess"; finess: string }
  | { kind: "none" };

export async function organisationScope(
  ctx: AppContext,
  organisation: OrganisationRow,
): Promise<OrganisationScope> {
  if (organisation.kind === "establishment") {
    return organisation.finess ? { kind: "finess", finess: organisation.finess } : { kind: "none" };
  }
  const { communes, departements } = await organisationPerimeter(ctx, organisation.id);
  return communes.length + departements.length > 0
    ? { kind: "area", communes, departements }
    : { kind: "none" };
}

/**
 * The scope as a condition on a practice situation aliased `s` (directory_practice_situations)
 * left-joined to its establishment aliased `e` (directory_establishments). As for a territory's
 * members (organisations/organisation-members.ts), a département matches the situation's copy or
 * the establishment's. Values are bound parameters.
 */
export function practiceInScope(scope: OrganisationScope): RawBuilder<SqlBool> {
  switch (scope.kind) {
    case "finess":
      return sql<SqlBool>`(e.finess_site = ${scope.finess} or e.finess_legal_entity = ${scope.finess})`;
    case "area": {
      const parts: RawBuilder<unknown>[] = [];
      if (scope.communes.length > 0) parts.push(sql`e.commune_code in (${sql.join(scope.communes)})`);
      if (scope.departements.length > 0) {
        const departements = sql.join(scope.departements);
        parts.push(sql`s.departement_code in (${departements})`);
        parts.push(sql`e.departement_code in (${departements})`);
      }
      return sql<SqlBool>`(${sql.join(parts, sql` or `)})`;
    }
    case "none":
      return sql<SqlBool>`(1 = 0)`;
  }
}
