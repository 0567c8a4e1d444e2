import type { Invitation, InvitationState, InvitationStateCounts } from "@confrere/protocol";
import { sql } from "kysely";
import type { AppContext } from "../context.ts";
import type { InvitationsTable } from "../db/schema-invitations.ts";
import { invitationState } from "./invitation-rules.ts";

/** Newest invitations shown in "my invitations". */
const SENT_LIST_LIMIT = 200;

/** An invitation for its inviter and the organisation's administrators (never the token hash). */
export function toInvitation(
  row: InvitationsTable,
  organisationName: string | null,
  now: number,
): Invitation {
  return {
    id: row.id,
    email: row.email,
    nationalId: row.national_id,
    organisationId: row.organisation_id,
    organisationName,
    invitedBy: row.inviter_user_id,
    note: row.note,
    state: invitationState(row, now),
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    acceptedAt: row.accepted_at === null ? null : Number(row.accepted_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}

/** One invitation for the wire, with its organisation's name. */
export async function loadInvitation(ctx: AppContext, row: InvitationsTable): Promise<Invitation> {
  const organisation = row.organisation_id
    ? await ctx.db
        .selectFrom("organisations")
        .select("name")
        .where("id", "=", row.organisation_id)
        .executeTakeFirst()
    : undefined;
  return toInvitation(row, organisation?.name ?? null, ctx.clock.now());
}

function invitationsWithOrganisation(ctx: AppContext) {
  return ctx.db
    .selectFrom("invitations as i")
    .leftJoin("organisations as o", "o.id", "i.organisation_id")
    .selectAll("i")
    .select("o.name as organisation_name");
}

/** The caller's own invitations, newest first. */
export async function listSentInvitations(ctx: AppContext, userId: string): Promise<Invitation[]> {
  const now = ctx.clock.now();
  const rows = await invitationsWithOrganisation(ctx)
    .where("i.inviter_user_id", "=", userId)
    .orderBy("i.created_at", "desc")
    .orderBy("i.id")
    .limit(SENT_LIST_LIMIT)
    .execute();
  return rows.map(({ organisation_name, ...row }) => toInvitation(row, organisation_name, now));
}

/** Counts by state over all of an organisation's invitations, and its newest ones in `state`. */
export async function listOrganisationInvitations(
  ctx: AppContext,
  organisationId: string,
  filter: { state?: InvitationState; limit: number },
): Promise<{ counts: InvitationStateCounts; invitations: Invitation[] }> {
  const now = ctx.clock.now();
  const tally = await ctx.db
    .selectFrom("invitations")
    .select([
      sql<string | number>`count(*)`.as("total"),
      sql<string | number | null>`sum(case when accepted_at is not null then 1 else 0 end)`.as("accepted"),
      sql<
        string | number | null
      >`sum(case when accepted_at is null and revoked_at is not null then 1 else 0 end)`.as("revoked"),
      sql<
        string | number | null
      >`sum(case when accepted_at is null and revoked_at is null and expires_at <= ${now} then 1 else 0 end)`.as(
        "expired",
      ),
    ])
    .where("organisation_id", "=", organisationId)
    .executeTakeFirstOrThrow();
  const total = Number(tally.total);
  const accepted = Number(tally.accepted ?? 0);
  const revoked = Number(tally.revoked ?? 0);
  const expired = Number(tally.expired ?? 0);
  const counts = { total, pending: total - accepted - revoked - expired, accepted, revoked, expired };

  let query = invitationsWithOrganisation(ctx).where("i.organisation_id", "=", organisationId);
  switch (filter.state) {
    case "accepted":
      query = query.where("i.accepted_at", "is not", null);
      break;
    case "revoked":
      query = query.where("i.accepted_at", "is", null).where("i.revoked_at", "is not", null);
      break;
    case "expired":
      query = query
        .where("i.accepted_at", "is", null)
        .where("i.revoked_at", "is", null)
        .where("i.expires_at", "<=", now);
      break;
    case "pending":
      query = query
        .where("i.accepted_at", "is", null)
        .where("i.revoked_at", "is", null)
        .where("i.expires_at", ">", now);
      break;
    case undefined:
      break;
  }
  const rows = await query.orderBy("i.created_at", "desc").orderBy("i.id").limit(filter.limit).execute();
  return {
    counts,
    invitations: rows.map(({ organisation_name, ...row }) => toInvitation(row, organisation_name, now)),
  };
}
