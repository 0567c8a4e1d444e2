/** Tables of the directory-match road: claims, their encrypted proofs, the review (migration 0007). */

/** Milliseconds since the Unix epoch. */
type Millis = number;

/** One attempt of an account to prove it is a professional of the directory (RPPS/ADELI). */
export interface IdentityClaimsTable {
  id: string;
  user_id: string;
  /** 1 for the account's first claim, then 2, …: orders an account's claims whatever the clock. */
  attempt: number;
  /**
   * The account's id while the claim is open (`awaiting_proof`, `pending_review`), null once
   * closed: its unique index keeps one open claim per account, even between two nodes.
   */
  open_user_id: string | null;
  /** `8` + RPPS or `0` + ADELI. */
  national_id: string;
  id_type: "RPPS" | "ADELI";
  /** The names as the user typed them (shown to the operator next to the directory's). */
  typed_last_name: string;
  typed_first_name: string;
  state: "awaiting_proof" | "pending_review" | "approved" | "rejected" | "withdrawn";
  /** The operator's words, when rejected; e-mailed to the user. */
  rejection_reason: string | null;
  /** The operator who approved or rejected the claim. */
  decided_by: string | null;
  created_at: Millis;
  /** When the claim first entered the review queue: the queue's order. */
  submitted_at: Millis | null;
  /** When it was approved, rejected or withdrawn. */
  closed_at: Millis | null;
  updated_at: Millis;
}

/**
 * The proof of a claim (a photo of the CPS card or professional card), AES-256-GCM encrypted
 * under the server secret with the claim id as associated data; deleted once the claim is closed.
 */
export interface IdentityClaimProofsTable {
  claim_id: string;
  content_type: "image/jpeg" | "image/png" | "application/pdf";
  /** Size of the file before encryption. */
  size: number;
  sealed: Uint8Array;
  uploaded_at: Millis;
}

export interface IdentityClaimTables {
  identity_claims: IdentityClaimsTable;
  identity_claim_proofs: IdentityClaimProofsTable;
}
