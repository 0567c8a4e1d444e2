/**
 * Wire types: RPPS/ADELI claims with a proof, and the operators' review queue.
 *
 * The second road to a verified professional identity (the first is Pro Santé Connect): the user
 * names their directory entry and uploads a photo of their CPS card or professional card; an
 * operator compares and decides.
 */
import { type Static, Type } from "@sinclair/typebox";
import { Id, StrictObject, Timestamp } from "./common.ts";
import { DirectoryCode, DirectoryPlace } from "./directory.ts";
import { NextCursor, pageQueryFields } from "./paging.ts";

/** A proof is one photo or scan: 10 MiB is ample for a phone picture of a card. */
export const PROOF_MAX_BYTES = 10 * 1024 * 1024;

/** The file types a proof may have; the server checks the file's first bytes match the type. */
export const PROOF_CONTENT_TYPES = ["image/jpeg", "image/png", "application/pdf"] as const;
export type ProofContentType = (typeof PROOF_CONTENT_TYPES)[number];

/**
 * `awaiting_proof` → `pending_review` (in the operators' queue) → `approved` | `rejected`;
 * `withdrawn` by the user while open. One open claim per account.
 */
export const ClaimState = Type.Union([
  Type.Literal("awaiting_proof", { description: "Created; the proof has not been uploaded yet" }),
  Type.Literal("pending_review", { description: "In the operators' review queue" }),
  Type.Literal("approved", { description: "The account is linked to the professional and verified" }),
  Type.Literal("rejected", { description: "Refused by an operator, with a reason" }),
  Type.Literal("withdrawn", { description: "Withdrawn by the user" }),
]);
export type ClaimState = Static<typeof ClaimState>;

/** Names as the user types them: no control characters (they end up in operators' screens). */
const PersonName = Type.String({ minLength: 1, maxLength: 100, pattern: "^[^\\u0000-\\u001f\\u007f]*$" });

/**
 * `POST /api/v1/identity/claims`. `identifier` is an RPPS number (11 digits), an ADELI number
 * (9 digits) or a national id (`8` + RPPS, `0` + ADELI); spaces are ignored. Its shape and check
 * digit are verified by the server so that each mistake has its own code (`RPPS_INVALID_KEY`, …).
 */
export const CreateClaimRequest = StrictObject({
  identifier: Type.String({
    minLength: 1,
    maxLength: 32,
    pattern: "^[^\\u0000-\\u001f\\u007f]*$",
    description: "RPPS (11 digits), ADELI (9 digits) or national id (8 + RPPS, 0 + ADELI)",
  }),
  lastName: PersonName,
  firstName: PersonName,
});
export type CreateClaimRequest = Static<typeof CreateClaimRequest>;

export const ClaimParams = StrictObject({ claimId: Id });
export type ClaimParams = Static<typeof ClaimParams>;

/** What is known of the uploaded proof; its bytes are only ever shown to operators. */
export const ClaimProofInfo = StrictObject({
  contentType: Type.Union(PROOF_CONTENT_TYPES.map((type) => Type.Literal(type))),
  size: Type.Integer({ minimum: 1 }),
  uploadedAt: Timestamp,
});
export type ClaimProofInfo = Static<typeof ClaimProofInfo>;

/** A claim as its author sees it. */
export const IdentityClaim = StrictObject({
  id: Id,
  state: ClaimState,
  /** The national id claimed: `8` + RPPS or `0` + ADELI. */
  nationalId: Type.String({ pattern: "^(8[0-9]{11}|0[0-9]{9})$" }),
  idType: Type.Union([Type.Literal("RPPS"), Type.Literal("ADELI")]),
  /** The names as the user typed them. */
  lastName: Type.String(),
  firstName: Type.String(),
  /** The proof while the claim is open; null before the upload and after the decision (it is deleted). */
  proof: Type.Union([ClaimProofInfo, Type.Null()]),
  createdAt: Timestamp,
  /** When the claim first entered the review queue. */
  submittedAt: Type.Union([Timestamp, Type.Null()]),
  /** When it was approved, rejected or withdrawn. */
  closedAt: Type.Union([Timestamp, Type.Null()]),
  /** The operator's reason, when rejected. */
  rejectionReason: Type.Union([Type.String(), Type.Null()]),
});
export type IdentityClaim = Static<typeof IdentityClaim>;

export const IdentityClaimResponse = StrictObject({ claim: IdentityClaim });
export type IdentityClaimResponse = Static<typeof IdentityClaimResponse>;

/** `GET /api/v1/identity/claims/mine`: the latest claim of the account, or null if it never made one. */
export const MyIdentityClaimResponse = StrictObject({ claim: Type.Union([IdentityClaim, Type.Null()]) });
export type MyIdentityClaimResponse = Static<typeof MyIdentityClaimResponse>;

/** Claims of one page of the review queue (`limit`), and the page size by default. */
export const ReviewQueueLimits = { maxPageSize: 200, defaultPageSize: 50 } as const;

/**
 * `GET /api/v1/admin/identity-claims`: every field is a string (query strings are not coerced).
 * Oldest first (the order claims entered the queue), a page at a time.
 */
export const ReviewQueueQuery = Type.Object(
  {
    state: Type.Optional(ClaimState),
    ...pageQueryFields(ReviewQueueLimits.maxPageSize, ReviewQueueLimits.defaultPageSize),
  },
  { additionalProperties: false },
);
export type ReviewQueueQuery = Static<typeof ReviewQueueQuery>;

/** The directory entry an operator compares the proof with (as it is now, not at claim time). */
export const ReviewDirectoryEntry = StrictObject({
  civility: Type.Union([Type.String(), Type.Null()]),
  lastName: Type.String(),
  firstName: Type.String(),
  profession: Type.Union([DirectoryCode, Type.Null()]),
  active: Type.Boolean(),
  places: Type.Array(DirectoryPlace),
});
export type ReviewDirectoryEntry = Static<typeof ReviewDirectoryEntry>;

/** A claim as operators review it. */
export const ReviewClaim = StrictObject({
  id: Id,
  state: ClaimState,
  /** 1 for the account's first claim, 2 after one rejection or withdrawal, … */
  attempt: Type.Integer({ minimum: 1 }),
  account: StrictObject({ id: Id, email: Type.String(), displayName: Type.String() }),
  nationalId: Type.String(),
  idType: Type.Union([Type.Literal("RPPS"), Type.Literal("ADELI")]),
  /** The names the user typed. */
  typedLastName: Type.String(),
  typedFirstName: Type.String(),
  /** Null when the professional has left the directory since the claim was made. */
  directory: Type.Union([ReviewDirectoryEntry, Type.Null()]),
  /** Other open claims on the same professional by other accounts: a reason to look twice. */
  competingClaims: Type.Integer({ minimum: 0 }),
  proof: Type.Union([ClaimProofInfo, Type.Null()]),
  createdAt: Timestamp,
  submittedAt: Type.Union([Timestamp, Type.Null()]),
  closedAt: Type.Union([Timestamp, Type.Null()]),
  /** The operator who approved or rejected it. */
  decidedBy: Type.Union([Id, Type.Null()]),
  rejectionReason: Type.Union([Type.String(), Type.Null()]),
});
export type ReviewClaim = Static<typeof ReviewClaim>;

export const ReviewQueueResponse = StrictObject({ claims: Type.Array(ReviewClaim), nextCursor: NextCursor });
export type ReviewQueueResponse = Static<typeof ReviewQueueResponse>;

export const ReviewClaimResponse = StrictObject({ claim: ReviewClaim });
export type ReviewClaimResponse = Static<typeof ReviewClaimResponse>;

/** `POST /api/v1/admin/identity-claims/:claimId/reject`: the reason is e-mailed to the user. */
export const RejectClaimRequest = StrictObject({
  reason: Type.String({
    minLength: 1,
    maxLength: 500,
    // Line breaks and tabs are allowed in a reason; other control characters are not.
    pattern: "^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f]*$",
    description: "Why, in words the user can act on (e-mailed to them)",
  }),
});
export type RejectClaimRequest = Static<typeof RejectClaimRequest>;
