/** Tables of migrations/0015-availability-on-call.ts. Times in epoch milliseconds. */

/** A user's availability status and weekly working hours (Europe/Paris local times, JSON). */
export interface AvailabilityTable {
  user_id: string;
  status: "available" | "in_consultation" | "away" | "on_call";
  status_until: number | null;
  working_hours: string | null;
  updated_at: number;
}

/** One recipient's alert for an urgent message, pending until acknowledged. */
export interface UrgentAlertsTable {
  id: string;
  conversation_id: string;
  seq: number;
  sender_id: string | null;
  recipient_id: string;
  renotify_after_minutes: number | null;
  created_at: number;
  last_notified_at: number | null;
  acknowledged_at: number | null;
  service_id: string | null;
  escalated_at: number | null;
  /** 1: an urgent message (a banner until acknowledged); 0: a plain message routed to the on-call staff. */
  urgent: number;
}

export interface OnCallSchedulesTable {
  service_id: string;
  escalation_minutes: number;
  backup_service_id: string | null;
  updated_by: string | null;
  updated_at: number;
}

export interface OnCallShiftsTable {
  id: string;
  service_id: string;
  user_id: string;
  starts_at: number;
  ends_at: number;
}

export interface ServiceConversationsTable {
  conversation_id: string;
  service_id: string;
  created_at: number;
}

/** A request no one at a service took, to be forwarded by the asker's device to the backup service. */
export interface ServiceHandoversTable {
  id: string;
  conversation_id: string;
  seq: number;
  sender_id: string;
  from_service_id: string | null;
  to_service_id: string;
  urgent: number;
  created_at: number;
  due_at: number;
  offered_at: number | null;
  claimed_by_device: string | null;
  claimed_at: number | null;
  forwarded_conversation_id: string | null;
  forwarded_at: number | null;
  dropped_at: number | null;
}

export interface AvailabilityTables {
  availability: AvailabilityTable;
  urgent_alerts: UrgentAlertsTable;
  on_call_schedules: OnCallSchedulesTable;
  on_call_shifts: OnCallShiftsTable;
  service_conversations: ServiceConversationsTable;
  service_handovers: ServiceHandoversTable;
}
