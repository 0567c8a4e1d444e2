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
import type { Caller } from "./create-invitation.ts";
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

async function accountOf(ctx: AppContext, email: string): Promise<{ id: string } | undefined> {
  return ctx.db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirst();
}

/**
 * What the invited person sees before answering: who invites, for which organisation, the state,
 * and whether the address already has an account (then they log in to accept instead of signing
 * up). Only the holder of the mailed token can ask, so this tells nobody else who is registered.
 */
export async function previewInvitation(ctx: AppContext, token: string): Promise<InvitationPreviewResponse> {
  const row = await invitationByToken(ctx, token);
  if (!row) throw invalidLink("previewInvitation");
  const sender = await senderOf(ctx, row.inviter_user_id, row.organisation_id);
  return {
    inviterName: sender.inviterName,
    organisationName: sender.organisationName,
    email: row.email,
    state: invitationState(row, ctx.clock.now()),
    hasAccount: (await accountOf(ctx, row.email)) !== undefined,
  };
}

/** The pending invitation of a token, whose vouch (if any) still holds; TOKEN_INVALID otherwise. */
async function acceptableInvitation(
  ctx: AppContext,
  token: string,
  operation: string,
): Promise<InvitationsTable> {
  const row = await invitationByToken(ctx, token);
  if (!row || invitationState(row, ctx.clock.now()) !== "pending") throw invalidLink(operation);
  // A vouch holds only while the person who gave it still administers the organisation.
  if (
    row.organisation_id !== null &&
    !(await isOrganisationAdmin(ctx, row.inviter_user_id, row.organisation_id))
  ) {
    throw invalidLink(operation);
  }
  return row;
}

/**
 * Marks the invitation accepted with one conditional update (of two concurrent acceptances, one
 * wins) and returns how to give the claim back if what follows fails.
 */
async function claimInvitation(
  ctx: AppContext,
  row: InvitationsTable,
  operation: string,
): Promise<() => Promise<unknown>> {
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
  return () =>
    ctx.db.updateTable("invitations").set({ accepted_at: null }).where("id", "=", row.id).execute();
}

/** The national id a vouching invitation links to; null for a colleague's invitation (no vouch). */
function vouchedNationalId(row: InvitationsTable): string | null {
  return row.organisation_id !== null ? row.national_id : null;
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
  const row = await acceptableInvitation(ctx, request.token, operation);
  await assertAcceptablePassword(request.password, operation);
  if (await accountOf(ctx, row.email)) {
    // Only the mailbox owner holds the token: telling them is no leak.
    throw new ConfrereError(
      ErrorCode.ACCOUNT_EMAIL_TAKEN,
      409,
      `${operation}: this address already has a Confrère account; log in with it (or reset its password), then open the invitation link again to accept with that account`,
    );
  }
  const giveBack = await claimInvitation(ctx, row, operation);

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
  const nationalId = vouchedNationalId(row);
  if (row.organisation_id !== null && nationalId !== null) {
    try {
      await linkProfessional(ctx, userId, nationalId, {
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

/**
 * The signed-in holder of the invited address accepts with their existing account: the token
 * proves the mailbox, the session (password and second factor) the account. A colleague's
 * invitation is only marked accepted. A vouching invitation links an account not yet linked to
 * the professional vouched for (through linkProfessional, method `invitation`, as a new account
 * would be), and makes the account a member of the organisation; an account already linked to
 * that professional just becomes a member, one linked to another professional is refused
 * (INVITATION_PROFESSIONAL_MISMATCH) and the invitation stays pending.
 */
export async function acceptInvitationSignedIn(
  ctx: AppContext,
  caller: Caller,
  token: string,
): Promise<void> {
  const operation = "acceptInvitationSignedIn";
  const row = await acceptableInvitation(ctx, token, operation);
  const { user } = caller;
  if (user.email !== row.email) {
    throw new ConfrereError(
      ErrorCode.INVITATION_EMAIL_MISMATCH,
      403,
      `${operation}: this invitation was sent to another address than your account's; log out, then log in with the account of the invited address (or create it from the link)`,
    );
  }
  const nationalId = vouchedNationalId(row);
  if (nationalId !== null && user.national_id !== null && user.national_id !== nationalId) {
    throw new ConfrereError(
      ErrorCode.INVITATION_PROFESSIONAL_MISMATCH,
      409,
      `${operation}: this invitation vouches for another professional (RPPS/ADELI) than the one your account is verified as; ask the administrator who invited you to check the number`,
    );
  }
  const giveBack = await claimInvitation(ctx, row, operation);
  if (row.organisation_id !== null && nationalId !== null) {
    if (user.national_id === null) {
      try {
        await linkProfessional(ctx, user.id, nationalId, {
          actorId: row.inviter_user_id,
          ip: caller.ip,
          deviceId: caller.deviceId,
          method: "invitation",
        });
      } catch (error) {
        // The professional was linked to another account, or left the directory, since the invitation.
        await giveBack();
        throw error;
      }
    }
    await insertMembers(ctx, row.organisation_id, [user.id], {
      actorId: row.inviter_user_id,
      ip: caller.ip,
      deviceId: caller.deviceId,
    });
  }
  await ctx.db
    .updateTable("invitations")
    .set({ accepted_user_id: user.id })
    .where("id", "=", row.id)
    .execute();
  await ctx.audit.record({
    action: "invitation.accepted",
    actorId: user.id,
    targetType: "invitation",
    targetId: row.id,
    ip: caller.ip,
    deviceId: caller.deviceId,
    detail: { organisationId: row.organisation_id, via: "existing_account" },
  });
}
