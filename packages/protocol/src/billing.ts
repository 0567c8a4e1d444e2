/**
 * Wire types: subscriptions, plans, sponsorship seats, payments and invoices.
 *
 * Amounts are integer euro cents; VAT rates are basis points (2000 = 20 %). Prices are kept
 * excluding VAT, as French B2B invoices state them; the amount charged includes VAT. Nothing here
 * carries a message, a patient or anything a member does besides holding a seat.
 */
import { type Static, Type } from "@sinclair/typebox";
import { Email, Id, StrictObject, Timestamp } from "./common.ts";

const NO_CONTROL_CHARACTERS = "^[^\\u0000-\\u001f\\u007f]*$";

/** A plan's id: `essentiel-monthly`, `pro-yearly`. */
export const PlanId = Type.String({ minLength: 1, maxLength: 40, pattern: "^[a-z0-9][a-z0-9-]*$" });
/** A calendar day, `YYYY-MM-DD`, read in Europe/Paris. */
export const CalendarDate = Type.String({
  format: "date",
  maxLength: 10,
  description: "A calendar day YYYY-MM-DD (Europe/Paris)",
});
/** A year, `2026` (checked by the server: 2000 to 9999). */
export const YearQuery = Type.String({ pattern: "^[0-9]+$", maxLength: 6, description: "A year, e.g. 2026" });
/** Cents, up to ten million euros. */
export const AmountCents = Type.Integer({ minimum: 1, maximum: 1_000_000_000 });
const Cents = Type.Integer();
const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: NO_CONTROL_CHARACTERS });

export const BillingInterval = Type.Union([Type.Literal("month"), Type.Literal("year")]);
export type BillingInterval = Static<typeof BillingInterval>;

export const BillingPlan = StrictObject({
  id: PlanId,
  /** The offer (`essentiel`, `pro`); each is sold monthly and yearly. */
  code: Type.String(),
  name: Type.String(),
  interval: BillingInterval,
  priceExclVatCents: Cents,
  vatRateBasisPoints: Type.Integer({ minimum: 0 }),
  priceInclVatCents: Cents,
  currency: Type.Literal("EUR"),
  /** Free days from the day the professional identity is verified. */
  trialDays: Type.Integer({ minimum: 0 }),
  maxAttachmentBytes: Type.Integer({ minimum: 0 }),
  retentionDays: Type.Integer({ minimum: 0 }),
  validFrom: Timestamp,
  validTo: Type.Union([Timestamp, Type.Null()]),
});
export type BillingPlan = Static<typeof BillingPlan>;
export const BillingPlansResponse = StrictObject({ plans: Type.Array(BillingPlan) });
export type BillingPlansResponse = Static<typeof BillingPlansResponse>;

/**
 * Where a professional stands. `none`: identity not verified yet (no trial started). `sponsored`
 * counts as active: an organisation pays. `lapsed` keeps reading, exporting and answering, but
 * cannot start conversations or invite.
 */
export const SubscriptionState = Type.Union([
  Type.Literal("none"),
  Type.Literal("trialing"),
  Type.Literal("active"),
  Type.Literal("past_due"),
  Type.Literal("lapsed"),
  Type.Literal("sponsored"),
]);
export type SubscriptionState = Static<typeof SubscriptionState>;

export const PaymentMethod = Type.Union([
  Type.Literal("card"),
  Type.Literal("sepa_debit"),
  Type.Literal("transfer"),
  Type.Literal("other"),
]);
export type PaymentMethod = Static<typeof PaymentMethod>;

export const Sponsor = StrictObject({
  organisationId: Id,
  name: Type.String(),
  /** The end of the seat period that covers this member. */
  seatEndsAt: Timestamp,
});
export type Sponsor = Static<typeof Sponsor>;

export const Subscription = StrictObject({
  state: SubscriptionState,
  planId: Type.Union([PlanId, Type.Null()]),
  trialEndsAt: Type.Union([Timestamp, Type.Null()]),
  /** Paid through this time (exclusive). */
  paidThrough: Type.Union([Timestamp, Type.Null()]),
  /** past_due only: when the account lapses without a payment. */
  graceEndsAt: Type.Union([Timestamp, Type.Null()]),
  /** The next charge of an automatic subscription (card or direct debit), else null. */
  nextRenewalAt: Type.Union([Timestamp, Type.Null()]),
  sponsor: Type.Union([Sponsor, Type.Null()]),
  paymentMethod: Type.Union([PaymentMethod, Type.Null()]),
  /** Card or SEPA subscription managed through the payment provider's customer portal. */
  hasAutomaticRenewal: Type.Boolean(),
  mayStartConversations: Type.Boolean(),
});
export type Subscription = Static<typeof Subscription>;

export const InvoiceKind = Type.Union([Type.Literal("invoice"), Type.Literal("credit_note")]);
export type InvoiceKind = Static<typeof InvoiceKind>;

export const InvoicePayer = Type.Union([
  StrictObject({ type: Type.Literal("user"), userId: Id }),
  StrictObject({ type: Type.Literal("organisation"), organisationId: Id }),
]);
export type InvoicePayer = Static<typeof InvoicePayer>;

export const InvoiceSummary = StrictObject({
  id: Id,
  /** `2026-000001`; credit notes have their own series, `AV-2026-000001`. */
  number: Type.String(),
  kind: InvoiceKind,
  issuedAt: Timestamp,
  periodStart: Type.Union([Timestamp, Type.Null()]),
  periodEnd: Type.Union([Timestamp, Type.Null()]),
  /** Negative on a credit note. */
  totalExclVatCents: Cents,
  vatCents: Cents,
  totalInclVatCents: Cents,
  currency: Type.Literal("EUR"),
  /** Invoices issued on a received payment are settled ("acquittée"). */
  isPaid: Type.Boolean(),
  correctsInvoiceId: Type.Union([Id, Type.Null()]),
  payer: InvoicePayer,
});
export type InvoiceSummary = Static<typeof InvoiceSummary>;

export const BillingMeResponse = StrictObject({
  subscription: Subscription,
  invoices: Type.Array(InvoiceSummary),
  /** Card and SEPA payments are offered (a payment provider is configured). */
  onlinePaymentsEnabled: Type.Boolean(),
});
export type BillingMeResponse = Static<typeof BillingMeResponse>;

export const InvoiceListQuery = Type.Object(
  {
    organisationId: Type.Optional(Id),
    year: Type.Optional(YearQuery),
  },
  { additionalProperties: false },
);
export type InvoiceListQuery = Static<typeof InvoiceListQuery>;
export const InvoiceListResponse = StrictObject({ invoices: Type.Array(InvoiceSummary) });
export type InvoiceListResponse = Static<typeof InvoiceListResponse>;
export const InvoiceParams = StrictObject({ invoiceId: Id });

/** The buyer's identity printed on invoices (legal mentions: name, address, SIREN/SIRET, VAT number). */
export const BillingDetails = StrictObject({
  name: Text(200),
  addressLine1: Text(200),
  addressLine2: Type.Union([Text(200), Type.Null()]),
  postalCode: Type.String({ minLength: 1, maxLength: 16, pattern: "^[A-Za-z0-9 -]+$" }),
  city: Text(120),
  country: Text(60),
  /** 9 digits (spaces allowed); its key is checked by the server. */
  siren: Type.Union([Type.String({ minLength: 1, maxLength: 20, pattern: "^[0-9 ]+$" }), Type.Null()]),
  /** 14 digits (spaces allowed); its key is checked by the server. */
  siret: Type.Union([Type.String({ minLength: 1, maxLength: 24, pattern: "^[0-9 ]+$" }), Type.Null()]),
  /** Intra-community VAT number, e.g. `FR12345678901`. */
  vatNumber: Type.Union([Type.String({ pattern: "^[A-Z]{2}[A-Z0-9]{2,30}$" }), Type.Null()]),
  /** Where invoices are announced, besides the administrators. */
  invoiceEmail: Type.Union([Email, Type.Null()]),
  /** Public bodies: the commitment or purchase-order number (numéro d'engagement) to print. */
  purchaseOrderReference: Type.Union([Text(60), Type.Null()]),
});
export type BillingDetails = Static<typeof BillingDetails>;
export const BillingDetailsResponse = StrictObject({ details: Type.Union([BillingDetails, Type.Null()]) });
export type BillingDetailsResponse = Static<typeof BillingDetailsResponse>;

export const CheckoutRequest = StrictObject({ planId: PlanId });
export type CheckoutRequest = Static<typeof CheckoutRequest>;
export const CheckoutResponse = StrictObject({
  /** Open it in the browser: the provider's hosted payment page (card or SEPA Direct Debit). */
  url: Type.String(),
  checkoutId: Id,
});
export type CheckoutResponse = Static<typeof CheckoutResponse>;
export const PortalResponse = StrictObject({ url: Type.String() });
export type PortalResponse = Static<typeof PortalResponse>;

// Sponsorship ------------------------------------------------------------------------------

export const OrganisationBillingParams = StrictObject({ id: Id });
export const OrganisationSeatParams = StrictObject({ id: Id, userId: Id });

export const SeatPurchase = StrictObject({
  id: Id,
  planId: PlanId,
  seats: Type.Integer({ minimum: 1 }),
  startsAt: Timestamp,
  endsAt: Timestamp,
  status: Type.Union([Type.Literal("pending"), Type.Literal("paid"), Type.Literal("cancelled")]),
  invoiceId: Type.Union([Id, Type.Null()]),
  createdAt: Timestamp,
});
export type SeatPurchase = Static<typeof SeatPurchase>;

export const SeatHolder = StrictObject({
  userId: Id,
  displayName: Type.String(),
  /** `assigned` by an administrator, or `automatic` (all members are covered). */
  how: Type.Union([Type.Literal("assigned"), Type.Literal("automatic")]),
});
export type SeatHolder = Static<typeof SeatHolder>;

/** What a sponsor sees: its seats and who holds them (its own purchase), never more about members. */
export const OrganisationBillingResponse = StrictObject({
  organisationId: Id,
  name: Type.String(),
  seats: StrictObject({
    purchased: Type.Integer({ minimum: 0 }),
    used: Type.Integer({ minimum: 0 }),
    available: Type.Integer({ minimum: 0 }),
  }),
  autoAssignAll: Type.Boolean(),
  holders: Type.Array(SeatHolder),
  /** Members waiting for a seat while all are used (automatic assignment only). */
  uncoveredMembers: Type.Integer({ minimum: 0 }),
  purchases: Type.Array(SeatPurchase),
  details: Type.Union([BillingDetails, Type.Null()]),
});
export type OrganisationBillingResponse = Static<typeof OrganisationBillingResponse>;

export const SeatSettingsRequest = StrictObject({ autoAssignAll: Type.Boolean() });
export const AssignSeatRequest = StrictObject({ userId: Id });

export const SeatCheckoutRequest = StrictObject({
  planId: PlanId,
  seats: Type.Integer({ minimum: 1, maximum: 100_000 }),
  startsOn: CalendarDate,
  /** Last day covered (inclusive). */
  endsOn: CalendarDate,
});
export type SeatCheckoutRequest = Static<typeof SeatCheckoutRequest>;

// Operators ----------------------------------------------------------------------------------

export const RecordPaymentRequest = StrictObject({
  payer: Type.Union([StrictObject({ organisationId: Id }), StrictObject({ userId: Id })]),
  /** What was received, VAT included. */
  amountCents: AmountCents,
  /** The bank transfer's reference (unique: recording it twice is refused). */
  reference: Text(100),
  receivedOn: Type.Optional(CalendarDate),
  /** Organisations: the seats paid for and their period. Users: the plan paid (else found from the amount). */
  planId: Type.Optional(PlanId),
  seats: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
  startsOn: Type.Optional(CalendarDate),
  endsOn: Type.Optional(CalendarDate),
});
export type RecordPaymentRequest = Static<typeof RecordPaymentRequest>;
export const RecordPaymentResponse = StrictObject({ paymentId: Id, invoice: InvoiceSummary });
export type RecordPaymentResponse = Static<typeof RecordPaymentResponse>;

export const CreditNoteRequest = StrictObject({
  /** VAT included; the whole invoice when absent. */
  amountCents: Type.Optional(AmountCents),
  reason: Text(200),
});
export type CreditNoteRequest = Static<typeof CreditNoteRequest>;
export const InvoiceResponse = StrictObject({ invoice: InvoiceSummary });

export const AdminInvoiceListQuery = Type.Object({ year: YearQuery }, { additionalProperties: false });

export const WebhookResponse = StrictObject({
  received: Type.Literal(true),
  /** A replayed event is acknowledged and ignored. */
  duplicate: Type.Boolean(),
});
