import type { Invitation, InvitationState, InvitationStateCounts } from "@confrere/protocol";
import { sql } from "kysely";
import type { AppContext } from "../context.ts";
import type { InvitationsTable } from "../db/schema-invitations.ts";
import { type PageRequest, pageOf } from "../http/cursor-page.ts";
import { invitationState } from "./invitation-rules.ts";

/** The names the lists' cursors carry (http/cursor-page.ts). */
export const SENT_INVITATIONS_LIST = "sent-invitations";
export const ORGANISATION_INVITATIONS_LIST = "organisation-invitations";

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

/**
 * The caller's own invitations, newest first, a page at a time. The order (creation time, then id)
 * never changes for an invitation, so the pages neither skip nor repeat one sent meanwhile.
 */
export async function listSentInvitations(
  ctx: AppContext,
  userId: string,
  page: PageRequest,
): Promise<{ invitations: Invitation[]; nextCursor: string | null }> {
  const query = invitationsWithOrganisation(ctx).where("i.inviter_user_id", "=", userId);
  return newestPage(ctx, query, page, SENT_INVITATIONS_LIST);
}

/** One page of invitations, newest first (creation time, then id), after the page's cursor. */
async function newestPage(
  ctx: AppContext,
  query: ReturnType<typeof invitationsWithOrganisation>,
  page: PageRequest,
  list: string,
): Promise<{ invitations: Invitation[]; nextCursor: string | null }> {
  const now = ctx.clock.now();
  const after = page.after;
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb("i.created_at", "<", after.time),
        eb.and([eb("i.created_at", "=", after.time), eb("i.id", ">", after.id)]),
      ]),
    );
  }
  const rows = await query
    .orderBy("i.created_at", "desc")
    .orderBy("i.id")
    .limit(page.limit + 1)
    .execute();
  const { items, nextCursor } = pageOf(rows, page.limit, list, (row) => ({
    time: Number(row.created_at),
    id: row.id,
  }));
  return {
    invitations: items.map(({ organisation_name, ...row }) => toInvitation(row, organisation_name, now)),
    nextCursor,
  };
}

/** Counts by state over all of an organisation's invitations, and its newest ones in `state`, a page at a time. */
export async function listOrganisationInvitations(
  ctx: AppContext,
  organisationId: string,
  filter: { state?: InvitationState; page: PageRequest },
): Promise<{ counts: InvitationStateCounts; invitations: Invitation[]; nextCursor: string | null }> {
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
  return { counts, ...(await newestPage(ctx, query, filter.page, ORGANISATION_INVITATIONS_LIST)) };
}
