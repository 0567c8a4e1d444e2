import {
  ConfrereError,
  type CreateInvitationRequest,
  checkNationalId,
  ErrorCode,
  InvitationLimits,
} from "@confrere/protocol";
import { normalizeEmail } from "../accounts/users.ts";
import type { AppContext } from "../context.ts";
import type { UsersTable } from "../db/schema.ts";
import type { InvitationsTable } from "../db/schema-invitations.ts";
import { requireOrganisationAdmin } from "../organisations/organisation-access.ts";
import { DAILY_LIMIT_WINDOW_MS, RESEND_WINDOW_MS } from "./invitation-rules.ts";
import { issueInvitation, senderOf } from "./issue-invitation.ts";
import { organisationScope } from "./organisation-scope.ts";
import { assessVouching } from "./vouching.ts";

/** Who asks, from where: for the checks and the audit trail. */
export interface Caller {
  user: UsersTable;
  ip: string | null;
  deviceId: string | null;
}

const OPERATION = "createInvitation";

/** A well-formed national id, or the identifier check's own code (NATIONAL_ID_INVALID_…). */
export function wellFormedNationalId(input: string, operation: string): string {
  const check = checkNationalId(input);
  if (!check.ok) {
    throw new ConfrereError(
      check.code,
      400,
      `${operation}: ${check.message.replace(/^checkNationalId: /, "")}`,
    );
  }
  return check.value;
}

/**
 * `POST /api/v1/invitations`. Without an organisation: a verified professional invites a colleague
 * (20 a day; the same address again within 7 days answers the first invitation). With one: an
 * administrator of that organisation vouches for a professional of the directory. `isNew` is false
 * when an existing invitation is answered again (nothing stored, nothing sent).
 */
export async function createInvitation(
  ctx: AppContext,
  caller: Caller,
  request: CreateInvitationRequest,
): Promise<{ invitation: InvitationsTable; isNew: boolean }> {
  return request.organisationId === undefined
    ? inviteColleague(ctx, caller, request)
    : vouchForProfessional(ctx, caller, request, request.organisationId);
}

async function inviteColleague(
  ctx: AppContext,
  caller: Caller,
  request: CreateInvitationRequest,
): Promise<{ invitation: InvitationsTable; isNew: boolean }> {
  // Confrère is reserved to verified professionals: only they may bring in colleagues.
  if (caller.user.identity_verified_at === null) {
    throw new ConfrereError(
      ErrorCode.PROFESSIONAL_VERIFICATION_REQUIRED,
      403,
      `${OPERATION}: inviting colleagues is open to verified professionals; have your professional identity verified first`,
    );
  }
  const nationalId =
    request.nationalId === undefined ? null : wellFormedNationalId(request.nationalId, OPERATION);
  const email = normalizeEmail(request.email);
  const now = ctx.clock.now();
  const earlier = await ctx.db
    .selectFrom("invitations")
    .selectAll()
    .where("inviter_user_id", "=", caller.user.id)
    .where("email", "=", email)
    .where("organisation_id", "is", null)
    .where("revoked_at", "is", null)
    .where("created_at", ">", now - RESEND_WINDOW_MS)
    .orderBy("created_at", "desc")
    .executeTakeFirst();
  if (earlier) return { invitation: earlier, isNew: false };

  const sent = await ctx.db
    .selectFrom("invitations")
    .select((eb) => eb.fn.countAll<number | string>().as("n"))
    .where("inviter_user_id", "=", caller.user.id)
    .where("organisation_id", "is", null)
    .where("created_at", ">", now - DAILY_LIMIT_WINDOW_MS)
    .executeTakeFirstOrThrow();
  if (Number(sent.n) >= InvitationLimits.maxPerUserPerDay) {
    throw new ConfrereError(
      ErrorCode.INVITATION_LIMIT_REACHED,
      429,
      `${OPERATION}: you have sent ${InvitationLimits.maxPerUserPerDay} invitations in the last 24 hours, the most allowed; try again tomorrow`,
    );
  }

  const invitation = await issueInvitation(
    ctx,
    { inviterId: caller.user.id, email, nationalId, organisationId: null, note: request.note ?? null },
    await senderOf(ctx, caller.user.id, null),
  );
  await recordCreated(ctx, caller, invitation);
  return { invitation, isNew: true };
}

async function vouchForProfessional(
  ctx: AppContext,
  caller: Caller,
  request: CreateInvitationRequest,
  organisationId: string,
): Promise<{ invitation: InvitationsTable; isNew: boolean }> {
  if (request.nationalId === undefined) {
    throw new ConfrereError(
      ErrorCode.INVITATION_NATIONAL_ID_REQUIRED,
      400,
      `${OPERATION}: an organisation's invitation vouches for a professional of the directory; give their RPPS/ADELI national id (nationalId)`,
    );
  }
  const nationalId = wellFormedNationalId(request.nationalId, OPERATION);
  const organisation = await requireOrganisationAdmin(ctx, caller.user.id, organisationId, OPERATION);
  const email = normalizeEmail(request.email);
  const live = await ctx.db
    .selectFrom("invitations")
    .selectAll()
    .where("organisation_id", "=", organisation.id)
    .where("national_id", "=", nationalId)
    .where("email", "=", email)
    .where("accepted_at", "is", null)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", ctx.clock.now())
    .executeTakeFirst();
  if (live) return { invitation: live, isNew: false };

  const scope = await organisationScope(ctx, organisation);
  const refusal = (await assessVouching(ctx, organisation.id, scope, [nationalId], OPERATION)).get(
    nationalId,
  );
  if (refusal) throw new ConfrereError(refusal.code, refusal.status, refusal.message);

  const invitation = await issueInvitation(
    ctx,
    {
      inviterId: caller.user.id,
      email,
      nationalId,
      organisationId: organisation.id,
      note: request.note ?? null,
    },
    await senderOf(ctx, caller.user.id, organisation.id),
  );
  await recordCreated(ctx, caller, invitation);
  return { invitation, isNew: true };
}

async function recordCreated(ctx: AppContext, caller: Caller, invitation: InvitationsTable): Promise<void> {
  await ctx.audit.record({
    action: "invitation.created",
    actorId: caller.user.id,
    targetType: "invitation",
    targetId: invitation.id,
    ip: caller.ip,
    deviceId: caller.deviceId,
    detail: {
      organisationId: invitation.organisation_id,
      nationalId: invitation.national_id,
    },
  });
}
