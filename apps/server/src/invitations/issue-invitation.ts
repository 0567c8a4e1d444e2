import { InvitationLimits } from "@confrere/protocol";
import { hashToken, newId, newToken } from "../accounts/tokens.ts";
import type { AppContext } from "../context.ts";
import type { InvitationsTable } from "../db/schema-invitations.ts";
import {
  type InvitationSender,
  invitationMessage,
  invitedButRegisteredMessage,
  vouchedButRegisteredMessage,
} from "../mail/invitation-templates.ts";
import type { MailMessage } from "../mail/mailer.ts";
import { INVITATION_VALIDITY_MS } from "./invitation-rules.ts";

export interface NewInvitation {
  inviterId: string;
  /** Normalised. */
  email: string;
  nationalId: string | null;
  organisationId: string | null;
  note: string | null;
}

/**
 * Stores an invitation and e-mails it. The token goes only into the mail; the row keeps its
 * SHA-256. When the address already has an account, an organisation's invitation says "log in to
 * accept" (with the link, which the signed-in holder accepts); a colleague's sends no link (the
 * token is thrown away) but a "a colleague wants to reach you" mail. The inviter's answer is the
 * same either way, so invitations do not reveal who is registered.
 */
export async function issueInvitation(
  ctx: AppContext,
  input: NewInvitation,
  sender: InvitationSender,
): Promise<InvitationsTable> {
  const token = newToken();
  const now = ctx.clock.now();
  const row: InvitationsTable = {
    id: newId(),
    token_hash: hashToken(token),
    email: input.email,
    national_id: input.nationalId,
    organisation_id: input.organisationId,
    inviter_user_id: input.inviterId,
    note: input.note,
    created_at: now,
    expires_at: now + INVITATION_VALIDITY_MS,
    accepted_at: null,
    accepted_user_id: null,
    revoked_at: null,
    revoked_by_user_id: null,
  };
  await ctx.db.insertInto("invitations").values(row).execute();
  const registered = await ctx.db
    .selectFrom("users")
    .select("id")
    .where("email", "=", input.email)
    .executeTakeFirst();
  const publicUrl = ctx.config.publicUrl;
  const link = `${publicUrl}/invitation?token=${token}`;
  const { organisationName } = sender;
  let message: MailMessage;
  if (!registered) {
    message = invitationMessage(input.email, sender, link, InvitationLimits.validityDays);
  } else if (input.organisationId !== null && organisationName !== null) {
    message = vouchedButRegisteredMessage(
      input.email,
      { ...sender, organisationName },
      link,
      InvitationLimits.validityDays,
    );
  } else {
    message = invitedButRegisteredMessage(input.email, sender, `${publicUrl}/connexion`);
  }
  await ctx.mailer.send(message);
  return row;
}

/** The names an invitation e-mail shows: the inviter's display name and the organisation's name. */
export async function senderOf(
  ctx: AppContext,
  inviterId: string,
  organisationId: string | null,
): Promise<InvitationSender> {
  const inviter = await ctx.db
    .selectFrom("users")
    .select("display_name")
    .where("id", "=", inviterId)
    .executeTakeFirstOrThrow();
  const organisation = organisationId
    ? await ctx.db
        .selectFrom("organisations")
        .select("name")
        .where("id", "=", organisationId)
        .executeTakeFirst()
    : undefined;
  return { inviterName: inviter.display_name, organisationName: organisation?.name ?? null };
}
