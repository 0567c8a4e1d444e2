/** Milliseconds since the Unix epoch. */
type Millis = number;

/**
 * An invitation by e-mail (migration 0009). Without `organisation_id` it is a colleague's; with
 * one, an administrator of that organisation vouches for the directory professional `national_id`.
 * The state is read from the dates: accepted, revoked, expired (clock past `expires_at`) or pending.
 */
export interface InvitationsTable {
  id: string;
  /** SHA-256 of the mailed token; the token itself is never stored. */
  token_hash: string;
  /** Normalised (trimmed, lower case) as account e-mails are. */
  email: string;
  national_id: string | null;
  organisation_id: string | null;
  inviter_user_id: string;
  /** The inviter's memo; never e-mailed. */
  note: string | null;
  created_at: Millis;
  expires_at: Millis;
  accepted_at: Millis | null;
  /** The account created by accepting. */
  accepted_user_id: string | null;
  revoked_at: Millis | null;
  revoked_by_user_id: string | null;
}

export interface InvitationTables {
  invitations: InvitationsTable;
}
