import { type Static, Type } from "@sinclair/typebox";
import { DisplayName, Email, Id, OpaqueToken, Password, StrictObject, Timestamp } from "./common.ts";
import { DirectoryCode } from "./directory.ts";
import { NextCursor, pageQueryFields } from "./paging.ts";

/**
 * Invitations by e-mail. A verified professional invites a colleague who is not on Confrère yet
 * (a "colleague" invitation); an establishment's or territory's administrator vouches for a
 * professional of the directory (a "vouching" invitation): accepting it links the new account to
 * that professional (identity method `invitation`) and makes it a member of the organisation.
 */
export const InvitationLimits = {
  /** How long the mailed link works. */
  validityDays: 14,
  /** Colleague invitations one person may send in 24 hours. */
  maxPerUserPerDay: 20,
  /** The same address invited again by the same person within this many days gets the first invitation back. */
  resendWindowDays: 7,
  /** Invitations of one page of "my sent invitations" (`limit`), and the page size by default. */
  maxPageSize: 200,
  defaultPageSize: 50,
  /** The same for the list of an organisation's invitations (its administrators'). */
  maxOrganisationPageSize: 1000,
  defaultOrganisationPageSize: 200,
  /** Lines of one bulk request. */
  maxBulkLines: 1000,
  /** Professionals listed by a bulk preview (the count is always exact). */
  maxBulkPreviewList: 1000,
} as const;

/**
 * A national id as typed by a person: digits only here; the length, prefix and check digit are
 * checked by the server (`checkNationalId`) so that it can answer with the identifier's own code.
 */
export const NationalIdInput = Type.String({
  minLength: 1,
  maxLength: 12,
  pattern: "^[0-9]+$",
  description: "`8` + RPPS (12 digits) or `0` + ADELI (10 digits)",
});

/** A memo the inviter keeps with the invitation (never e-mailed: free text may hold patient data). */
export const InvitationNote = Type.String({
  maxLength: 500,
  pattern: "^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f]*$",
});

export const InvitationState = Type.Union([
  Type.Literal("pending"),
  Type.Literal("accepted"),
  Type.Literal("revoked"),
  Type.Literal("expired"),
]);
export type InvitationState = Static<typeof InvitationState>;

export const CreateInvitationRequest = StrictObject({
  email: Email,
  /** Required with `organisationId`: the directory professional the administrator vouches for. */
  nationalId: Type.Optional(NationalIdInput),
  /** Given: a vouching invitation by an administrator of this organisation. */
  organisationId: Type.Optional(Id),
  note: Type.Optional(InvitationNote),
});
export type CreateInvitationRequest = Static<typeof CreateInvitationRequest>;

/** An invitation as its inviter and the organisation's administrators see it. */
export const Invitation = StrictObject({
  id: Id,
  email: Type.String(),
  nationalId: Type.Union([Type.String(), Type.Null()]),
  organisationId: Type.Union([Id, Type.Null()]),
  organisationName: Type.Union([Type.String(), Type.Null()]),
  invitedBy: Id,
  note: Type.Union([Type.String(), Type.Null()]),
  state: InvitationState,
  createdAt: Timestamp,
  expiresAt: Timestamp,
  acceptedAt: Type.Union([Timestamp, Type.Null()]),
  revokedAt: Type.Union([Timestamp, Type.Null()]),
});
export type Invitation = Static<typeof Invitation>;

export const InvitationResponse = StrictObject({ invitation: Invitation });
export type InvitationResponse = Static<typeof InvitationResponse>;

/** `GET /api/v1/invitations/sent`: newest first, a page at a time. */
export const SentInvitationsQuery = Type.Object(
  { ...pageQueryFields(InvitationLimits.maxPageSize, InvitationLimits.defaultPageSize) },
  { additionalProperties: false },
);
export type SentInvitationsQuery = Static<typeof SentInvitationsQuery>;

export const InvitationListResponse = StrictObject({
  invitations: Type.Array(Invitation),
  nextCursor: NextCursor,
});
export type InvitationListResponse = Static<typeof InvitationListResponse>;

/** `GET /api/v1/invitations/preview?token=…`: what the invited person sees before signing up. */
export const InvitationPreviewQuery = Type.Object({ token: OpaqueToken }, { additionalProperties: false });
export const InvitationPreviewResponse = StrictObject({
  inviterName: Type.String(),
  organisationName: Type.Union([Type.String(), Type.Null()]),
  email: Type.String(),
  state: InvitationState,
  /**
   * The invited address already has an account: its holder logs in and accepts with
   * `POST /api/v1/invitations/accept-signed-in` instead of signing up. Only the holder of the
   * mailed token sees this, so it tells nobody else whether the address is registered.
   */
  hasAccount: Type.Boolean(),
});
export type InvitationPreviewResponse = Static<typeof InvitationPreviewResponse>;

/** Creates the account of the invited address; receiving the link proved the address. */
export const AcceptInvitationRequest = StrictObject({
  token: OpaqueToken,
  password: Password,
  displayName: DisplayName,
});
export type AcceptInvitationRequest = Static<typeof AcceptInvitationRequest>;

/**
 * `POST /api/v1/invitations/accept-signed-in`: the signed-in holder of the invited address accepts
 * with their existing account (the token proves the mailbox, the session the account).
 */
export const AcceptInvitationSignedInRequest = StrictObject({ token: OpaqueToken });
export type AcceptInvitationSignedInRequest = Static<typeof AcceptInvitationSignedInRequest>;

export const InvitationStateCounts = StrictObject({
  total: Type.Integer({ minimum: 0 }),
  pending: Type.Integer({ minimum: 0 }),
  accepted: Type.Integer({ minimum: 0 }),
  revoked: Type.Integer({ minimum: 0 }),
  expired: Type.Integer({ minimum: 0 }),
});
export type InvitationStateCounts = Static<typeof InvitationStateCounts>;

/** `GET /api/v1/organisations/:id/invitations`: newest first, a page at a time (up to 1,000, default 200). */
export const OrganisationInvitationsQuery = Type.Object(
  {
    state: Type.Optional(InvitationState),
    ...pageQueryFields(
      InvitationLimits.maxOrganisationPageSize,
      InvitationLimits.defaultOrganisationPageSize,
    ),
  },
  { additionalProperties: false },
);
export type OrganisationInvitationsQuery = Static<typeof OrganisationInvitationsQuery>;

/** Counts over every invitation of the organisation, and the newest ones (filtered by `state`). */
export const OrganisationInvitationsResponse = StrictObject({
  counts: InvitationStateCounts,
  invitations: Type.Array(Invitation),
  nextCursor: NextCursor,
});
export type OrganisationInvitationsResponse = Static<typeof OrganisationInvitationsResponse>;

/** Profession codes (TRE_G15, e.g. `10` médecin, `60` infirmier); checked for shape only. */
const ProfessionCode = Type.String({ pattern: "^[0-9]{1,4}$" });
/** Savoir-faire codes (TRE_R38, e.g. `SM54` médecine générale). */
const SpecialtyCode = Type.String({ pattern: "^[A-Za-z0-9]{1,12}$" });
/** INSEE commune codes (`89024`, `2A004`); the exact shape is checked by the server (COMMUNE_CODE_INVALID). */
const CommuneCodeInput = Type.String({ pattern: "^[0-9A-Ba-b]{1,5}$" });

export const BulkPreviewRequest = StrictObject({
  professions: Type.Array(ProfessionCode, { minItems: 1, maxItems: 20 }),
  specialties: Type.Optional(Type.Array(SpecialtyCode, { maxItems: 50 })),
  /** Narrows the organisation's perimeter to these communes. */
  communes: Type.Optional(Type.Array(CommuneCodeInput, { maxItems: 500 })),
});
export type BulkPreviewRequest = Static<typeof BulkPreviewRequest>;

/** A professional a bulk invitation could go to: active, within the perimeter, not on Confrère. */
export const BulkCandidate = StrictObject({
  nationalId: Type.String(),
  lastName: Type.String(),
  firstName: Type.String(),
  profession: Type.Union([DirectoryCode, Type.Null()]),
  /** The first commune (by name) where they practise within the perimeter. */
  commune: Type.Union([DirectoryCode, Type.Null()]),
  /** A live invitation of this organisation already waits for them. */
  isInvited: Type.Boolean(),
});
export type BulkCandidate = Static<typeof BulkCandidate>;

export const BulkPreviewResponse = StrictObject({
  count: Type.Integer({ minimum: 0 }),
  /** At most {@link InvitationLimits.maxBulkPreviewList}, by name. */
  professionals: Type.Array(BulkCandidate),
  isPartial: Type.Boolean(),
});
export type BulkPreviewResponse = Static<typeof BulkPreviewResponse>;

/**
 * One line per professional. The Annuaire extraction has no personal e-mail, so the administrator
 * brings the addresses; each line is checked on its own (a bad one never stops the others), so
 * the fields are plain strings here and checked line by line by the server.
 */
export const BulkInvitationLine = StrictObject({
  nationalId: Type.String({ maxLength: 32 }),
  email: Type.String({ maxLength: 254 }),
});
export const BulkInvitationRequest = StrictObject({
  invitations: Type.Array(BulkInvitationLine, { minItems: 1, maxItems: InvitationLimits.maxBulkLines }),
  note: Type.Optional(InvitationNote),
});
export type BulkInvitationRequest = Static<typeof BulkInvitationRequest>;

export const BulkLineOutcome = Type.Union([
  Type.Literal("created"),
  Type.Literal("skipped", { description: "Already invited by this organisation, or already on Confrère" }),
  Type.Literal("rejected", { description: "Unknown, inactive, outside the perimeter, or a bad e-mail" }),
]);
export type BulkLineOutcome = Static<typeof BulkLineOutcome>;

export const BulkLineResult = StrictObject({
  /** Position of the line in the request, from 0. */
  index: Type.Integer({ minimum: 0 }),
  nationalId: Type.String(),
  outcome: BulkLineOutcome,
  /**
   * Why a line was skipped or rejected, a stable code: INVITATION_ALREADY_PENDING,
   * PROFESSIONAL_ALREADY_LINKED, INVITATION_OUTSIDE_PERIMETER, PROFESSIONAL_NOT_IN_DIRECTORY,
   * PROFESSIONAL_INACTIVE, INVITATION_EMAIL_INVALID or a NATIONAL_ID_INVALID_… code.
   */
  code: Type.Union([Type.String(), Type.Null()]),
  invitationId: Type.Union([Id, Type.Null()]),
});
export type BulkLineResult = Static<typeof BulkLineResult>;

export const BulkInvitationResponse = StrictObject({
  created: Type.Integer({ minimum: 0 }),
  skipped: Type.Integer({ minimum: 0 }),
  rejected: Type.Integer({ minimum: 0 }),
  lines: Type.Array(BulkLineResult),
});
export type BulkInvitationResponse = Static<typeof BulkInvitationResponse>;
