import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { Id, Password, StrictObject, Timestamp } from "./common.ts";
import { ConversationId } from "./messaging.ts";

/**
 * Retention policies, legal holds and personal data rights (RGPD).
 *
 * Messages are not the medical record: each organisation sets how long the server keeps messages
 * and attachments (the platform default is 6 months, as gematik's TI-Messenger); members are
 * reminded to export before expiry; a legal hold suspends expiry of one conversation.
 */

/** An organisation's retention period. `days: null` follows the platform default. */
export const RetentionPolicy = StrictObject({
  organisationId: Id,
  /** The organisation's own period, or null when it follows the platform default. */
  days: Type.Union([Type.Integer(), Type.Null()]),
  /** What applies: `days`, or the platform default. */
  effectiveDays: Type.Integer(),
  platformDefaultDays: Type.Integer(),
  minDays: Type.Integer(),
  maxDays: Type.Integer(),
});
export type RetentionPolicy = Static<typeof RetentionPolicy>;

/** Bounds (7 to 3650 days) are checked by the server, which answers RETENTION_DAYS_OUT_OF_RANGE. */
export const SetRetentionPolicyRequest = StrictObject({
  days: Type.Union([Type.Integer({ description: "Whole days, 7 to 3650" }), Type.Null()]),
});
export type SetRetentionPolicyRequest = Static<typeof SetRetentionPolicyRequest>;

export const OrganisationRetentionParams = StrictObject({ organisationId: Id });

/**
 * What a device needs to delete its local copies of one conversation: entries up to
 * `expiredThroughSeq` are past retention (0 under a legal hold). A sequence number, not a time,
 * so the device's clock does not matter.
 */
export const RetentionHorizon = StrictObject({
  conversationId: ConversationId,
  days: Type.Integer(),
  isOnHold: Type.Boolean(),
  /** Content created before this time is past retention. */
  expiresBefore: Type.Integer(),
  expiredThroughSeq: Type.Integer({ minimum: 0 }),
});
export type RetentionHorizon = Static<typeof RetentionHorizon>;

export const RetentionHorizonsResponse = StrictObject({ horizons: Type.Array(RetentionHorizon) });
export type RetentionHorizonsResponse = Static<typeof RetentionHorizonsResponse>;

/** Why a conversation is held: a code, never free text (which could carry a patient's name). */
export const LegalHoldReason = Type.Union([
  Type.Literal("litigation"),
  Type.Literal("regulatory_inquiry"),
  Type.Literal("patient_request"),
  Type.Literal("other"),
]);
export type LegalHoldReason = Static<typeof LegalHoldReason>;
/** The codes of {@link LegalHoldReason}, in order, for pickers and argument checks. */
export const LEGAL_HOLD_REASONS: readonly LegalHoldReason[] = LegalHoldReason.anyOf.map(
  (literal) => literal.const,
);

export const LegalHold = StrictObject({
  conversationId: ConversationId,
  reason: LegalHoldReason,
  placedBy: Type.Union([Id, Type.Null()]),
  placedAt: Timestamp,
});
export type LegalHold = Static<typeof LegalHold>;

export const PlaceLegalHoldRequest = StrictObject({ reason: LegalHoldReason });
export type PlaceLegalHoldRequest = Static<typeof PlaceLegalHoldRequest>;

export const LegalHoldParams = StrictObject({ conversationId: ConversationId });
export const LegalHoldsResponse = StrictObject({ holds: Type.Array(LegalHold) });
export type LegalHoldsResponse = Static<typeof LegalHoldsResponse>;

/** A dry run counts what a purge would delete. */
export const PurgeSummary = StrictObject({
  conversations: Type.Integer(),
  messagesDeleted: Type.Integer(),
  attachmentsDeleted: Type.Integer(),
  heldConversations: Type.Integer(),
  dryRun: Type.Boolean(),
});
export type PurgeSummary = Static<typeof PurgeSummary>;

/** Rows of an export section: plain JSON facts (ids, times, names), never a secret or a hash. */
const Rows = Type.Array(Type.Record(Type.String(), Type.Unknown()));
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Facts = Type.Record(Type.String(), Type.Unknown());

/**
 * Everything the server holds about the caller (RGPD art. 15 and 20), machine-readable. Messages
 * and patients are not in it: the server never had them in clear (export them from a device).
 */
export const PersonalDataExport = Type.Object({
  format: Type.Literal("confrere-personal-data"),
  version: Type.Literal(1),
  exportedAt: Timestamp,
  account: Facts,
  devices: Rows,
  sessions: Rows,
  secondFactors: Type.Object({
    totp: Nullable(Facts),
    passkeys: Rows,
    recoveryCodesRemaining: Type.Integer(),
  }),
  memberships: Type.Object({ organisations: Rows, services: Rows }),
  invitations: Type.Object({ sent: Rows, received: Rows }),
  identityClaims: Rows,
  conversations: Rows,
  pushSubscriptions: Rows,
  subscription: Nullable(Facts),
  /** Care workflows: ids, states and times only (patients and contents are encrypted on devices). */
  care: Type.Object({
    availability: Nullable(Facts),
    onCallShifts: Rows,
    urgentAlerts: Rows,
    cases: Rows,
    teleExpertise: Rows,
    handovers: Rows,
  }),
  auditEvents: Rows,
});
export type PersonalDataExport = Static<typeof PersonalDataExport>;

/**
 * Deleting one's account asks again for the password, and for a second factor code (authenticator
 * app or recovery code) when the account has one: a stolen session alone can't erase an account.
 */
export const DeleteAccountRequest = StrictObject({
  password: Password,
  code: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "TOTP or recovery code" })),
});
export type DeleteAccountRequest = Static<typeof DeleteAccountRequest>;

export const DeleteAccountResponse = StrictObject({ status: Type.Literal("deleted") });
export type DeleteAccountResponse = Static<typeof DeleteAccountResponse>;

export const DeleteUserParams = StrictObject({ userId: Id });
