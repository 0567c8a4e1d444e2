/** Tables of migrations/0017-tele-expertise.ts. Times in epoch milliseconds. */

/**
 * A télé-expertise request's state: opaque ids, the state and its timestamps. The question, the
 * clinical context, a decline reason and the conclusion travel end-to-end encrypted only.
 */
export interface TeleExpertisesTable {
  id: string;
  conversation_id: string;
  /** The requérant (null once their account is deleted). */
  requerant_id: string | null;
  /** The requis; for a request to a service, the roster member who accepted it. */
  requis_user_id: string | null;
  service_id: string | null;
  /** An opaque case id of the same conversation, or null. */
  case_id: string | null;
  urgency: "routine" | "urgent";
  state: "sent" | "accepted" | "declined" | "answered" | "closed";
  sent_at: number;
  accepted_at: number | null;
  declined_at: number | null;
  answered_at: number | null;
  closed_at: number | null;
}

export interface TeleExpertiseTables {
  tele_expertises: TeleExpertisesTable;
}
