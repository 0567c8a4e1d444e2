import { ConfrereError, ErrorCode } from "@confrere/protocol";
import type { AppContext } from "../context.ts";
import { isOrganisationAdmin } from "../organisations/organisation-access.ts";
import type { Caller } from "./create-invitation.ts";

/**
 * Withdraws an invitation: its link stops working at once. The inviter may, and for an
 * organisation's invitation any administrator of it (operators included). Revoking a revoked or
 * expired invitation is harmless; an accepted one cannot be taken back (the account exists).
 */
export async function revokeInvitation(ctx: AppContext, caller: Caller, invitationId: string): Promise<void> {
  const operation = "revokeInvitation";
  const row = await ctx.db
    .selectFrom("invitations")
    .select(["id", "inviter_user_id", "organisation_id", "accepted_at", "revoked_at"])
    .where("id", "=", invitationId)
    .executeTakeFirst();
  if (!row) {
    throw new ConfrereError(
      ErrorCode.INVITATION_NOT_FOUND,
      404,
      `${operation}: no such invitation; check its id`,
    );
  }
  const mayRevoke =
    row.inviter_user_id === caller.user.id ||
    caller.user.role === "operator" ||
    (row.organisation_id !== null && (await isOrganisationAdmin(ctx, caller.user.id, row.organisation_id)));
  if (!mayRevoke) {
    throw new ConfrereError(
      ErrorCode.FORBIDDEN,
      403,
      `${operation}: only the person who sent this invitation, or an administrator of its organisation, may withdraw it`,
    );
  }
  if (row.accepted_at !== null) throw alreadyAccepted(operation);
  if (row.revoked_at !== null) return;
  const now = ctx.clock.now();
  const result = await ctx.db
    .updateTable("invitations")
    .set({ revoked_at: now, revoked_by_user_id: caller.user.id })
    .where("id", "=", row.id)
    .where("accepted_at", "is", null)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) {
    // Accepted or revoked by a concurrent request between our read and our update.
    const current = await ctx.db
      .selectFrom("invitations")
      .select("accepted_at")
      .where("id", "=", row.id)
      .executeTakeFirst();
    if (current && current.accepted_at !== null) throw alreadyAccepted(operation);
    return;
  }
  await ctx.audit.record({
    action: "invitation.revoked",
    actorId: caller.user.id,
    targetType: "invitation",
    targetId: row.id,
    ip: caller.ip,
    deviceId: caller.deviceId,
    detail: { organisationId: row.organisation_id },
  });
}

function alreadyAccepted(operation: string): ConfrereError {
  return new ConfrereError(
    ErrorCode.INVITATION_ALREADY_ACCEPTED,
    409,
    `${operation}: this invitation was accepted and its account exists; an operator may suspend the account if needed`,
  );
}
