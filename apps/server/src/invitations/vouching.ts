import { ErrorCode } from "@confrere/protocol";
import type { AppContext } from "../context.ts";
import { type OrganisationScope, practiceInScope } from "./organisation-scope.ts";

/** Why an organisation cannot vouch for a professional now; the same codes as linkProfessional's. */
export interface VouchRefusal {
  /** `skipped`: nothing to do (already on Confrère, already invited); `rejected`: a wrong line. */
  outcome: "skipped" | "rejected";
  code: ErrorCode;
  status: number;
  message: string;
}

/** Keeps each query's list of bound values well under both stores' limits. */
const CHUNK = 500;

/**
 * Decides, for each national id (already well-formed), whether the organisation may vouch for that
 * professional: listed and active in the directory, not yet linked to an account, practising within
 * the organisation's scope, and not already waiting on a live invitation of the organisation.
 * A few queries per 500 ids, so that a bulk request of 1,000 lines costs a handful of round trips.
 */
export async function assessVouching(
  ctx: AppContext,
  organisationId: string,
  scope: OrganisationScope,
  nationalIds: readonly string[],
  operation: string,
): Promise<Map<string, VouchRefusal | null>> {
  const unique = [...new Set(nationalIds)];
  const now = ctx.clock.now();
  const known = new Map<string, boolean>();
  const linked = new Set<string>();
  const inScope = new Set<string>();
  const pending = new Set<string>();
  for (let i = 0; i < unique.length; i += CHUNK) {
    const chunk = unique.slice(i, i + CHUNK);
    for (const row of await ctx.db
      .selectFrom("directory_professionals")
      .select(["national_id", "is_active"])
      .where("national_id", "in", chunk)
      .execute()) {
      known.set(row.national_id, Number(row.is_active) === 1);
    }
    for (const row of await ctx.db
      .selectFrom("users")
      .select("national_id")
      .where("national_id", "in", chunk)
      .execute()) {
      if (row.national_id) linked.add(row.national_id);
    }
    for (const row of await ctx.db
      .selectFrom("directory_professionals as p")
      .innerJoin("directory_practice_situations as s", "s.professional_id", "p.id")
      .leftJoin("directory_establishments as e", "e.id", "s.establishment_id")
      .select("p.national_id")
      .distinct()
      .where("p.national_id", "in", chunk)
      .where(practiceInScope(scope))
      .execute()) {
      inScope.add(row.national_id);
    }
    for (const row of await ctx.db
      .selectFrom("invitations")
      .select("national_id")
      .where("organisation_id", "=", organisationId)
      .where("national_id", "in", chunk)
      .where("accepted_at", "is", null)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", now)
      .execute()) {
      if (row.national_id) pending.add(row.national_id);
    }
  }

  const verdicts = new Map<string, VouchRefusal | null>();
  for (const nationalId of unique) {
    const isActive = known.get(nationalId);
    let refusal: VouchRefusal | null = null;
    if (isActive === undefined) {
      refusal = {
        outcome: "rejected",
        code: ErrorCode.PROFESSIONAL_NOT_IN_DIRECTORY,
        status: 404,
        message: `${operation}: this RPPS/ADELI number is not in the professional directory (Annuaire Santé); check it`,
      };
    } else if (!isActive) {
      refusal = {
        outcome: "rejected",
        code: ErrorCode.PROFESSIONAL_INACTIVE,
        status: 409,
        message: `${operation}: the directory lists this professional as no longer practising`,
      };
    } else if (linked.has(nationalId)) {
      refusal = {
        outcome: "skipped",
        code: ErrorCode.PROFESSIONAL_ALREADY_LINKED,
        status: 409,
        message: `${operation}: this professional is already on Confrère; find them in the directory to write to them`,
      };
    } else if (!inScope.has(nationalId)) {
      refusal = {
        outcome: "rejected",
        code: ErrorCode.INVITATION_OUTSIDE_PERIMETER,
        status: 403,
        message: `${operation}: the directory lists no practice of this professional within the organisation (its communes and départements, or its FINESS); an organisation vouches only for its own professionals`,
      };
    } else if (pending.has(nationalId)) {
      refusal = {
        outcome: "skipped",
        code: ErrorCode.INVITATION_ALREADY_PENDING,
        status: 409,
        message: `${operation}: an invitation of this organisation already waits for this professional; revoke it first to send one to another address`,
      };
    }
    verdicts.set(nationalId, refusal);
  }
  return verdicts;
}
