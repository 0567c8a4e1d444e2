/** Milliseconds since the Unix epoch. */
type Millis = number;
/** 1 or 0: the same integer column on SQLite and PostgreSQL. */
type Flag = 0 | 1;

/** A plan on sale during [valid_from, valid_to). Prices exclude VAT; rates are basis points. */
export interface BillingPlansTable {
  id: string;
  code: string;
  name: string;
  interval: "month" | "year";
  price_excl_vat_cents: number;
  vat_rate_bp: number;
  currency: "EUR";
  trial_days: number;
  max_attachment_bytes: number;
  retention_days: number;
  valid_from: Millis;
  valid_to: Millis | null;
  sort_order: number;
  created_at: Millis;
}

export type StoredSubscriptionState = "trialing" | "active" | "past_due" | "lapsed" | "sponsored";

/** One per verified professional; see billing/subscription-state.ts for the moves. */
export interface BillingSubscriptionsTable {
  user_id: string;
  state: StoredSubscriptionState;
  /** The plan chosen (or, during the trial, the one that will be offered). */
  plan_id: string;
  trial_ends_at: Millis;
  /** End (exclusive) of the last paid period. */
  paid_through: Millis | null;
  /** past_due: when it lapses. */
  grace_ends_at: Millis | null;
  /** Reminders sent in the current phase (trial end or grace period). */
  reminders_sent: number;
  payment_method: "card" | "sepa_debit" | "transfer" | "other" | null;
  provider_customer_id: string | null;
  /** An automatic (card / SEPA) subscription at the provider, renewed by it. */
  provider_subscription_id: string | null;
  /** sponsored: the organisation that pays. */
  sponsor_organisation_id: string | null;
  state_changed_at: Millis;
  created_at: Millis;
  updated_at: Millis;
}

/** A payer's profile: a user or an organisation, with the identity printed on its invoices. */
export interface BillingAccountsTable {
  id: string;
  user_id: string | null;
  organisation_id: string | null;
  /** JSON of the protocol's BillingDetails, or null until given. */
  details: string | null;
  provider_customer_id: string | null;
  /** Organisations: every verified member gets a seat while seats remain. */
  auto_assign_all: Flag;
  created_at: Millis;
  updated_at: Millis;
}

/** Seats an organisation bought for a period (by transfer, recorded by an operator, or online). */
export interface BillingSeatPurchasesTable {
  id: string;
  organisation_id: string;
  plan_id: string;
  seats: number;
  starts_at: Millis;
  ends_at: Millis;
  status: "pending" | "paid" | "cancelled";
  invoice_id: string | null;
  created_by: string | null;
  created_at: Millis;
  updated_at: Millis;
}

/** A seat given by an organisation's administrator to one of its members. */
export interface BillingSeatAssignmentsTable {
  organisation_id: string;
  user_id: string;
  assigned_by: string | null;
  created_at: Millis;
}

/** A hosted payment page we opened at the provider, and what it pays for. */
export interface BillingCheckoutsTable {
  id: string;
  provider_session_id: string | null;
  purpose: "subscription" | "seats";
  created_by: string;
  user_id: string | null;
  organisation_id: string | null;
  plan_id: string;
  seats: number | null;
  starts_at: Millis | null;
  ends_at: Millis | null;
  status: "open" | "completed";
  created_at: Millis;
  completed_at: Millis | null;
}

/** Money received: unique per provider and reference, so a replay records nothing twice. */
export interface BillingPaymentsTable {
  id: string;
  payer_user_id: string | null;
  payer_organisation_id: string | null;
  provider: "stripe" | "transfer";
  method: "card" | "sepa_debit" | "transfer" | "other";
  reference: string;
  amount_cents: number;
  currency: "EUR";
  received_at: Millis;
  recorded_by: string | null;
  invoice_id: string | null;
  created_at: Millis;
}

/** Invoices and credit notes; never updated once issued, kept 10 years (Code de commerce L123-22). */
export interface BillingInvoicesTable {
  id: string;
  number: string;
  series: "invoice" | "credit_note";
  year: number;
  sequence: number;
  kind: "invoice" | "credit_note";
  corrects_invoice_id: string | null;
  payer_user_id: string | null;
  payer_organisation_id: string | null;
  /** JSON snapshots: the invoice says what was true the day it was issued. */
  seller: string;
  buyer: string;
  lines: string;
  period_start: Millis | null;
  period_end: Millis | null;
  total_excl_vat_cents: number;
  vat_cents: number;
  total_incl_vat_cents: number;
  vat_rate_bp: number;
  currency: "EUR";
  is_paid: Flag;
  paid_at: Millis | null;
  payment_id: string | null;
  reason: string | null;
  issued_at: Millis;
  retain_until: Millis;
  created_at: Millis;
}

/** The last number given per series and year: gapless numbering (CGI annexe II art. 242 nonies A). */
export interface BillingInvoiceCountersTable {
  series: "invoice" | "credit_note";
  year: number;
  last_sequence: number;
}

export interface BillingInvoicePdfsTable {
  invoice_id: string;
  pdf: Uint8Array;
  sha256: string;
  created_at: Millis;
}

/** Provider events already handled: a replayed webhook is acknowledged and ignored. */
export interface BillingProcessedEventsTable {
  provider: "stripe";
  event_id: string;
  event_type: string;
  processed_at: Millis;
}

/** Tables of billing (migration 0010). */
export interface BillingTables {
  billing_plans: BillingPlansTable;
  billing_subscriptions: BillingSubscriptionsTable;
  billing_accounts: BillingAccountsTable;
  billing_seat_purchases: BillingSeatPurchasesTable;
  billing_seat_assignments: BillingSeatAssignmentsTable;
  billing_checkouts: BillingCheckoutsTable;
  billing_payments: BillingPaymentsTable;
  billing_invoices: BillingInvoicesTable;
  billing_invoice_counters: BillingInvoiceCountersTable;
  billing_invoice_pdfs: BillingInvoicePdfsTable;
  billing_processed_events: BillingProcessedEventsTable;
}
