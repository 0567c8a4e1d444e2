import { ConfrereError, ErrorCode } from "@confrere/protocol";
import type { AppContext } from "../context.ts";
import type { OrganisationsTable } from "../db/schema-organisations.ts";

/** What an organisation is, as the access checks need it. */
export type OrganisationRow = OrganisationsTable;

/** The communes (INSEE codes) and départements a territory covers; empty for an establishment. */
export interface Perimeter {
  communes: string[];
  departements: string[];
}

/** The organisation, or ORGANISATION_NOT_FOUND. */
export async function requireOrganisation(
  ctx: AppContext,
  organisationId: string,
  operation: string,
): Promise<OrganisationRow> {
  const organisation = await ctx.db
    .selectFrom("organisations")
    .selectAll()
    .where("id", "=", organisationId)
    .executeTakeFirst();
  if (!organisation) {
    throw new ConfrereError(
      ErrorCode.ORGANISATION_NOT_FOUND,
      404,
      `${operation}: no such organisation; check its id`,
    );
  }
  return organisation;
}

/** The caller's role in the organisation, or null when they are neither admin nor member. */
export async function organisationRole(
  ctx: AppContext,
  userId: string,
  organisationId: string,
): Promise<"admin" | "member" | null> {
  const row = await ctx.db
    .selectFrom("organisation_members")
    .select("role")
    .where("organisation_id", "=", organisationId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return row?.role ?? null;
}

/**
 * Passes when `userId` administers the organisation or is a platform operator; otherwise
 * ORGANISATION_ADMIN_REQUIRED (403). A missing organisation is ORGANISATION_NOT_FOUND (404), so
 * callers can tell a typo from a refusal; organisation ids are random, so this reveals nothing.
 *
 * Used by the organisation routes and by bulk invitations (routes/invitations.ts).
 */
export async function requireOrganisationAdmin(
  ctx: AppContext,
  userId: string,
  organisationId: string,
  operation: string,
): Promise<OrganisationRow> {
  const organisation = await requireOrganisation(ctx, organisationId, operation);
  if (await isOrganisationAdmin(ctx, userId, organisationId)) return organisation;
  throw new ConfrereError(
    ErrorCode.ORGANISATION_ADMIN_REQUIRED,
    403,
    `${operation}: only the organisation's administrators (or an operator) may do this; ask one of them`,
  );
}

/** Is `userId` an administrator of the organisation, or a platform operator? */
export async function isOrganisationAdmin(
  ctx: AppContext,
  userId: string,
  organisationId: string,
): Promise<boolean> {
  const user = await ctx.db.selectFrom("users").select("role").where("id", "=", userId).executeTakeFirst();
  if (user?.role === "operator") return true;
  return (await organisationRole(ctx, userId, organisationId)) === "admin";
}

/** The territory's perimeter, codes sorted; an establishment (or an unknown id) has an empty one. */
export async function organisationPerimeter(ctx: AppContext, organisationId: string): Promise<Perimeter> {
  const rows = await ctx.db
    .selectFrom("organisation_perimeter")
    .select(["kind", "code"])
    .where("organisation_id", "=", organisationId)
    .orderBy("kind")
    .orderBy("code")
    .execute();
  return {
    communes: rows.filter((r) => r.kind === "commune").map((r) => r.code),
    departements: rows.filter((r) => r.kind === "departement").map((r) => r.code),
  };
}
