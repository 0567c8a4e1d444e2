import type { OrganisationStatsResponse } from "@confrere/protocol";
import type { AppContext } from "../context.ts";
import type { OrganisationRow } from "./organisation-access.ts";
import { listServices } from "./services.ts";

/**
 * What an organisation's administrators may know of it: counts of people and services. Nothing
 * here reads a conversation, a message or a delivery: administrators never learn who talks to
 * whom (CSP L1110-4, secret médical; the server could not read content anyway).
 */
export async function organisationStats(
  ctx: AppContext,
  organisation: OrganisationRow,
): Promise<OrganisationStatsResponse> {
  const people = await ctx.db
    .selectFrom("organisation_members")
    .innerJoin("users", "users.id", "organisation_members.user_id")
    .select((eb) => [
      eb.fn.countAll<number>().as("members"),
      eb.fn
        .sum<number>(
          eb.case().when("organisation_members.role", "=", "admin").then(eb.lit(1)).else(eb.lit(0)).end(),
        )
        .as("admins"),
      eb.fn
        .sum<number>(
          eb
            .case()
            .when(
              eb.and([
                eb("users.identity_verified_at", "is not", null),
                eb("users.suspended_at", "is", null),
              ]),
            )
            .then(eb.lit(1))
            .else(eb.lit(0))
            .end(),
        )
        .as("verified"),
    ])
    .where("organisation_members.organisation_id", "=", organisation.id)
    .executeTakeFirstOrThrow();
  const professions = await ctx.db
    .selectFrom("organisation_members")
    .innerJoin("users", "users.id", "organisation_members.user_id")
    .leftJoin("directory_professionals", "directory_professionals.national_id", "users.national_id")
    .select((eb) => [
      "directory_professionals.profession_code",
      eb.fn.max("directory_professionals.profession_label").as("profession_label"),
      eb.fn.countAll<number>().as("n"),
    ])
    .where("organisation_members.organisation_id", "=", organisation.id)
    .groupBy("directory_professionals.profession_code")
    .execute();
  const services = organisation.kind === "establishment" ? await listServices(ctx, organisation.id) : [];
  return {
    members: Number(people.members),
    verifiedMembers: Number(people.verified ?? 0),
    admins: Number(people.admins ?? 0),
    byProfession: professions
      .map((p) => ({ code: p.profession_code, label: p.profession_label ?? null, count: Number(p.n) }))
      // Known professions by code, accounts not linked to the directory last.
      .sort((a, b) => (a.code === null ? 1 : b.code === null ? -1 : a.code.localeCompare(b.code))),
    services: services.length,
    rosterSizes: services.map((s) => ({ serviceId: s.id, name: s.name, size: s.rosterSize })),
  };
}
