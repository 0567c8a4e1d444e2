import {
  type AcceptInvitationRequest,
  ConfrereError,
  ErrorCode,
  type InvitationPreviewResponse,
} from "@confrere/protocol";
import { createUser } from "../accounts/create-user.ts";
import { assertAcceptablePassword } from "../accounts/password-policy.ts";
import { hashToken } from "../accounts/tokens.ts";
import type { AppContext } from "../context.ts";
import type { InvitationsTable } from "../db/schema-invitations.ts";
import { linkProfessional } from "../identity/professional-link.ts";
import { isOrganisationAdmin } from "../organisations/organisation-access.ts";
import { insertMembers } from "../organisations/organisation-members.ts";
import { invitationState } from "./invitation-rules.ts";
import { senderOf } from "./issue-invitation.ts";

function invalidLink(operation: string): ConfrereError {
  return new ConfrereError(
    ErrorCode.TOKEN_INVALID,
    400,
    `${operation}: this invitation link is invalid, already used, withdrawn or expired; ask the person who invited you for a new one`,
  );
}

async function invitationByToken(ctx: AppContext, token: string): Promise<InvitationsTable | undefined> {
  return ctx.db
    .selectFrom("invitations")
    .selectAll()
    .where("token_hash", "=", hashToken(token))
    .executeTakeFirst();
}

/** What the invited person sees before signing up: who invites, for which organisation, and the state. */
export async function previewInvitation(ctx: AppContext, token: string): Promise<InvitationPreviewResponse> {
  const row = await invitationByToken(ctx, token);
  if (!row) throw invalidLink("previewInvitation");
  const sender = await senderOf(ctx, row.inviter_user_id, row.organisation_id);
  return {
    inviterName: sender.inviterName,
    organisationName: sender.organisationName,
    email: row.email,
    state: invitationState(row, ctx.clock.now()),
  };
}

/**
 * Creates the account of the invited address. Receiving the mailed token proved the address, so
 * the account starts with its e-mail verified and must now set a second factor, as every account.
 * An organisation's invitation also links the account to the professional it vouched for (identity
 * method `invitation`) and makes it a member of the organisation.
 *
 * The invitation is claimed first (one conditional update: of two concurrent acceptances, one
 * wins); if the account or the link cannot be made, the claim is given back and the half-made
 * account removed, so the person can try again.
 */
export async function acceptInvitation(
  ctx: AppContext,
  request: AcceptInvitationRequest,
  ip: string | null,
): Promise<string> {
  const operation = "acceptInvitation";
  const row = await invitationByToken(ctx, request.token);
  if (!row || invitationState(row, ctx.clock.now()) !== "pending") throw invalidLink(operation);
  assertAcceptablePassword(request.password, operation);
  // A vouch holds only while the person who gave it still administers the organisation.
  if (
    row.organisation_id !== null &&
    !(await isOrganisationAdmin(ctx, row.inviter_user_id, row.organisation_id))
  ) {
    throw invalidLink(operation);
  }
  const registered = await ctx.db
    .selectFrom("users")
    .select("id")
    .where("email", "=", row.email)
    .executeTakeFirst();
  if (registered) {
    // Only the mailbox owner holds the token: telling them is no leak.
    throw new ConfrereError(
      ErrorCode.ACCOUNT_EMAIL_TAKEN,
      409,
      `${operation}: this address already has a Confrère account; log in, or reset your password`,
    );
  }

  const now = ctx.clock.now();
  const claimed = await ctx.db
    .updateTable("invitations")
    .set({ accepted_at: now })
    .where("id", "=", row.id)
    .where("accepted_at", "is", null)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) !== 1) throw invalidLink(operation);
  const giveBack = () =>
    ctx.db.updateTable("invitations").set({ accepted_at: null }).where("id", "=", row.id).execute();

  let userId: string;
  try {
    userId = await createUser(
      ctx,
      {
        email: row.email,
        password: request.password,
        displayName: request.displayName,
        role: "user",
        emailVerified: true,
      },
      operation,
    );
  } catch (error) {
    await giveBack();
    throw error;
  }
  if (row.organisation_id !== null && row.national_id !== null) {
    try {
      await linkProfessional(ctx, userId, row.national_id, {
        actorId: row.inviter_user_id,
        ip,
        method: "invitation",
      });
    } catch (error) {
      // The professional was linked to another account, or left the directory, since the invitation.
      await ctx.db.deleteFrom("users").where("id", "=", userId).execute();
      await giveBack();
      throw error;
    }
    await insertMembers(ctx, row.organisation_id, [userId], {
      actorId: row.inviter_user_id,
      ip,
      deviceId: null,
    });
  }
  await ctx.db
    .updateTable("invitations")
    .set({ accepted_user_id: userId })
    .where("id", "=", row.id)
    .execute();
  await ctx.audit.record({
    action: "account.registered",
    actorId: userId,
    targetType: "user",
    targetId: userId,
    ip,
    detail: { via: "invitation" },
  });
  await ctx.audit.record({
    action: "invitation.accepted",
    actorId: userId,
    targetType: "invitation",
    targetId: row.id,
    ip,
    detail: { organisationId: row.organisation_id },
  });
  return userId;
}
