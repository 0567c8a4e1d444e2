import type { Kysely } from "kysely";
import type { MigrationContext } from "./index.ts";

const TABLES = [
  "billing_processed_events",
  "billing_invoice_pdfs",
  "billing_invoice_counters",
  "billing_invoices",
  "billing_payments",
  "billing_checkouts",
  "billing_seat_assignments",
  "billing_seat_purchases",
  "billing_accounts",
  "billing_subscriptions",
  "billing_plans",
];

const MIB = 1024 * 1024;
const PLANS_VALID_FROM = Date.UTC(2025, 0, 1);

/**
 * The plans on sale at launch. Prices exclude VAT (French B2B invoices state them so); a year
 * costs ten months. A new price is a new row with its own validity, never an update: invoices
 * and subscriptions keep pointing at the plan they were sold under.
 */
export const INITIAL_PLANS = [
  { code: "essentiel", name: "Essentiel", monthly: 500, attachmentMib: 100, retentionDays: 183, sort: 1 },
  { code: "pro", name: "Pro", monthly: 800, attachmentMib: 1024, retentionDays: 730, sort: 2 },
].flatMap((plan) =>
  (["month", "year"] as const).map((interval) => ({
    id: `${plan.code}-${interval === "month" ? "monthly" : "yearly"}`,
    code: plan.code,
    name: plan.name,
    interval,
    price_excl_vat_cents: interval === "month" ? plan.monthly : plan.monthly * 10,
    vat_rate_bp: 2000,
    currency: "EUR",
    trial_days: 90,
    max_attachment_bytes: plan.attachmentMib * MIB,
    retention_days: plan.retentionDays,
    valid_from: PLANS_VALID_FROM,
    valid_to: null,
    sort_order: plan.sort * 10 + (interval === "month" ? 0 : 1),
    created_at: PLANS_VALID_FROM,
  })),
);

/** Plans, subscriptions, sponsorship seats, payments, invoices. */
export function billing({ kind }: MigrationContext) {
  const bytes = kind === "postgres" ? "bytea" : "blob";
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("billing_plans")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("code", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("interval", "text", (c) => c.notNull())
        .addColumn("price_excl_vat_cents", "integer", (c) => c.notNull())
        .addColumn("vat_rate_bp", "integer", (c) => c.notNull())
        .addColumn("currency", "text", (c) => c.notNull())
        .addColumn("trial_days", "integer", (c) => c.notNull())
        .addColumn("max_attachment_bytes", "bigint", (c) => c.notNull())
        .addColumn("retention_days", "integer", (c) => c.notNull())
        .addColumn("valid_from", "bigint", (c) => c.notNull())
        .addColumn("valid_to", "bigint")
        .addColumn("sort_order", "integer", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
      await (db as Kysely<{ billing_plans: (typeof INITIAL_PLANS)[number] }>)
        .insertInto("billing_plans")
        .values(INITIAL_PLANS)
        .execute();

      await db.schema
        .createTable("billing_subscriptions")
        .addColumn("user_id", "text", (c) => c.primaryKey().references("users.id").onDelete("cascade"))
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("plan_id", "text", (c) => c.notNull().references("billing_plans.id"))
        .addColumn("trial_ends_at", "bigint", (c) => c.notNull())
        .addColumn("paid_through", "bigint")
        .addColumn("grace_ends_at", "bigint")
        .addColumn("reminders_sent", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("payment_method", "text")
        .addColumn("provider_customer_id", "text")
        .addColumn("provider_subscription_id", "text", (c) => c.unique())
        .addColumn("sponsor_organisation_id", "text")
        .addColumn("state_changed_at", "bigint", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("billing_subscriptions_state")
        .on("billing_subscriptions")
        .column("state")
        .execute();

      await db.schema
        .createTable("billing_accounts")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("user_id", "text", (c) => c.unique().references("users.id").onDelete("cascade"))
        .addColumn("organisation_id", "text", (c) =>
          c.unique().references("organisations.id").onDelete("cascade"),
        )
        .addColumn("details", "text")
        .addColumn("provider_customer_id", "text")
        .addColumn("auto_assign_all", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();

      // Commercial records outlive what they name: no foreign key to organisations or users.
      await db.schema
        .createTable("billing_seat_purchases")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("organisation_id", "text", (c) => c.notNull())
        .addColumn("plan_id", "text", (c) => c.notNull().references("billing_plans.id"))
        .addColumn("seats", "integer", (c) => c.notNull())
        .addColumn("starts_at", "bigint", (c) => c.notNull())
        .addColumn("ends_at", "bigint", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("invoice_id", "text")
        .addColumn("created_by", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("billing_seat_purchases_organisation")
        .on("billing_seat_purchases")
        .columns(["organisation_id", "ends_at"])
        .execute();

      await db.schema
        .createTable("billing_seat_assignments")
        .addColumn("organisation_id", "text", (c) =>
          c.notNull().references("organisations.id").onDelete("cascade"),
        )
        .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
        .addColumn("assigned_by", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("billing_seat_assignments_pk", ["organisation_id", "user_id"])
        .execute();
      await db.schema
        .createIndex("billing_seat_assignments_user")
        .on("billing_seat_assignments")
        .column("user_id")
        .execute();

      await db.schema
        .createTable("billing_checkouts")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("provider_session_id", "text", (c) => c.unique())
        .addColumn("purpose", "text", (c) => c.notNull())
        .addColumn("created_by", "text", (c) => c.notNull())
        .addColumn("user_id", "text")
        .addColumn("organisation_id", "text")
        .addColumn("plan_id", "text", (c) => c.notNull())
        .addColumn("seats", "integer")
        .addColumn("starts_at", "bigint")
        .addColumn("ends_at", "bigint")
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("completed_at", "bigint")
        .execute();

      await db.schema
        .createTable("billing_payments")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("payer_user_id", "text")
        .addColumn("payer_organisation_id", "text")
        .addColumn("provider", "text", (c) => c.notNull())
        .addColumn("method", "text", (c) => c.notNull())
        .addColumn("reference", "text", (c) => c.notNull())
        .addColumn("amount_cents", "bigint", (c) => c.notNull())
        .addColumn("currency", "text", (c) => c.notNull())
        .addColumn("received_at", "bigint", (c) => c.notNull())
        .addColumn("recorded_by", "text")
        .addColumn("invoice_id", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addUniqueConstraint("billing_payments_reference", ["provider", "reference"])
        .execute();

      await db.schema
        .createTable("billing_invoices")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("number", "text", (c) => c.notNull().unique())
        .addColumn("series", "text", (c) => c.notNull())
        .addColumn("year", "integer", (c) => c.notNull())
        .addColumn("sequence", "integer", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("corrects_invoice_id", "text")
        .addColumn("payer_user_id", "text")
        .addColumn("payer_organisation_id", "text")
        .addColumn("seller", "text", (c) => c.notNull())
        .addColumn("buyer", "text", (c) => c.notNull())
        .addColumn("lines", "text", (c) => c.notNull())
        .addColumn("period_start", "bigint")
        .addColumn("period_end", "bigint")
        .addColumn("total_excl_vat_cents", "bigint", (c) => c.notNull())
        .addColumn("vat_cents", "bigint", (c) => c.notNull())
        .addColumn("total_incl_vat_cents", "bigint", (c) => c.notNull())
        .addColumn("vat_rate_bp", "integer", (c) => c.notNull())
        .addColumn("currency", "text", (c) => c.notNull())
        .addColumn("is_paid", "integer", (c) => c.notNull())
        .addColumn("paid_at", "bigint")
        .addColumn("payment_id", "text")
        .addColumn("reason", "text")
        .addColumn("issued_at", "bigint", (c) => c.notNull())
        .addColumn("retain_until", "bigint", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addUniqueConstraint("billing_invoices_sequence", ["series", "year", "sequence"])
        .execute();
      await db.schema
        .createIndex("billing_invoices_user")
        .on("billing_invoices")
        .columns(["payer_user_id", "issued_at"])
        .execute();
      await db.schema
        .createIndex("billing_invoices_organisation")
        .on("billing_invoices")
        .columns(["payer_organisation_id", "issued_at"])
        .execute();

      await db.schema
        .createTable("billing_invoice_counters")
        .addColumn("series", "text", (c) => c.notNull())
        .addColumn("year", "integer", (c) => c.notNull())
        .addColumn("last_sequence", "integer", (c) => c.notNull())
        .addPrimaryKeyConstraint("billing_invoice_counters_pk", ["series", "year"])
        .execute();

      await db.schema
        .createTable("billing_invoice_pdfs")
        .addColumn("invoice_id", "text", (c) => c.primaryKey().references("billing_invoices.id"))
        .addColumn("pdf", bytes, (c) => c.notNull())
        .addColumn("sha256", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("billing_processed_events")
        .addColumn("provider", "text", (c) => c.notNull())
        .addColumn("event_id", "text", (c) => c.notNull())
        .addColumn("event_type", "text", (c) => c.notNull())
        .addColumn("processed_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("billing_processed_events_pk", ["provider", "event_id"])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of TABLES) await db.schema.dropTable(table).execute();
    },
  };
}
