import { InvitationLimits, type InvitationState } from "@confrere/protocol";
import { DAY } from "../clock.ts";
import type { InvitationsTable } from "../db/schema-invitations.ts";

/** How long a mailed invitation link works. */
export const INVITATION_VALIDITY_MS = InvitationLimits.validityDays * DAY;
/** The same address invited again by the same person within this window gets the first invitation back. */
export const RESEND_WINDOW_MS = InvitationLimits.resendWindowDays * DAY;
/** The window of the colleague invitations' daily limit (a rolling day, read from the injected clock). */
export const DAILY_LIMIT_WINDOW_MS = DAY;

/** An invitation's state at `now`: accepted and revoked are final; a pending one expires with time. */
export function invitationState(
  row: Pick<InvitationsTable, "accepted_at" | "revoked_at" | "expires_at">,
  now: number,
): InvitationState {
  if (row.accepted_at !== null) return "accepted";
  if (row.revoked_at !== null) return "revoked";
  if (Number(row.expires_at) <= now) return "expired";
  return "pending";
}

/**
 * The shape the HTTP edge accepts for an `email` field (ajv-formats' "email"), for the lines of a
 * bulk invitation, which are checked one by one so that a bad address rejects its line only.
 */
const EMAIL_SHAPE =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i;

export function isEmailAddress(value: string): boolean {
  return value.length >= 3 && value.length <= 254 && EMAIL_SHAPE.test(value);
}
