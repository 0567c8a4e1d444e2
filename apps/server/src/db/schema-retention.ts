/** Tables of migrations/0016-retention.ts. Times in epoch milliseconds. */

/** How long an organisation keeps messages and attachments on the server. */
export interface RetentionPoliciesTable {
  organisation_id: string;
  days: number;
  updated_by: string | null;
  updated_at: number;
}

/** A conversation whose expiry is suspended (litigation, inquiry). Reason codes, no free text. */
export interface LegalHoldsTable {
  conversation_id: string;
  reason: "litigation" | "regulatory_inquiry" | "patient_request" | "other";
  placed_by: string | null;
  placed_at: number;
}

/** The export reminder a member got: content created up to `covered_until` was announced. */
export interface RetentionRemindersTable {
  conversation_id: string;
  user_id: string;
  covered_until: number;
  sent_at: number;
}

/** One run of the purge job, with its counts. */
export interface RetentionPurgeRunsTable {
  id: string;
  started_at: number;
  finished_at: number;
  conversations: number;
  messages_deleted: number;
  attachments_deleted: number;
  held_conversations: number;
}

export interface RetentionTables {
  retention_policies: RetentionPoliciesTable;
  legal_holds: LegalHoldsTable;
  retention_reminders: RetentionRemindersTable;
  retention_purge_runs: RetentionPurgeRunsTable;
}
