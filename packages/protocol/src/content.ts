import { type Static, Type } from "@sinclair/typebox";
import { ConsentRecord, PatientIdentity } from "./care-cases.ts";

/**
 * What travels INSIDE the end-to-end encryption: the server never sees these. Versioned by `v`;
 * a client that meets an unknown `type` (or a newer `v`) shows a readable placeholder instead of
 * failing, so that later issues can add typed payloads (patient context, télé-expertise request).
 */
export const CONTENT_VERSION = 1;

const MessageRef = Type.String({
  minLength: 8,
  maxLength: 64,
  description: "The clientMessageId of another message",
});
const Text = Type.String({ maxLength: 20_000 });
/** An opaque case id (made by the device that opens the case); the server knows only this. */
const CaseRef = Type.String({ minLength: 8, maxLength: 64, pattern: "^[A-Za-z0-9][A-Za-z0-9_-]*$" });
/** An opaque télé-expertise id, the same one the server keeps the request's state under. */
const ExpertiseRef = Type.String({ minLength: 8, maxLength: 64, pattern: "^[A-Za-z0-9][A-Za-z0-9_-]*$" });

export const Mention = Type.Object({
  userId: Type.String({ maxLength: 64 }),
  offset: Type.Integer({ minimum: 0 }),
  length: Type.Integer({ minimum: 1 }),
});

export const AttachmentRef = Type.Object({
  attachmentId: Type.String({ maxLength: 64 }),
  /** AES-256-GCM key and IV (base64url), known only to the conversation's devices. */
  key: Type.String({ maxLength: 64 }),
  iv: Type.String({ maxLength: 32 }),
  /** SHA-256 of the ciphertext (base64url), checked before decrypting. */
  digest: Type.String({ maxLength: 64 }),
  mimeType: Type.String({ maxLength: 128 }),
  size: Type.Integer({ minimum: 0 }),
  fileName: Type.String({ maxLength: 255 }),
  /** A small JPEG/PNG preview of an image, as a data URL (inside the encryption). */
  thumbnail: Type.Optional(Type.String({ maxLength: 64_000 })),
});
export type AttachmentRef = Static<typeof AttachmentRef>;

export const TextContent = Type.Object({
  v: Type.Literal(1),
  type: Type.Literal("text"),
  text: Text,
  replyTo: Type.Optional(MessageRef),
  mentions: Type.Optional(Type.Array(Mention, { maxItems: 50 })),
  urgent: Type.Optional(Type.Boolean()),
  /** The patient case this message belongs to (see `case-open`); its header shows on the message. */
  caseId: Type.Optional(CaseRef),
});
export const AttachmentContent = Type.Object({
  v: Type.Literal(1),
  type: Type.Literal("attachment"),
  attachment: AttachmentRef,
  text: Type.Optional(Text),
  replyTo: Type.Optional(MessageRef),
  urgent: Type.Optional(Type.Boolean()),
  caseId: Type.Optional(CaseRef),
});
export const EditContent = Type.Object({
  v: Type.Literal(1),
  type: Type.Literal("edit"),
  target: MessageRef,
  text: Text,
});
/** "Delete for everyone": the devices drop the original's content. */
export const RecallContent = Type.Object({
  v: Type.Literal(1),
  type: Type.Literal("recall"),
  target: MessageRef,
});
export const ReactionContent = Type.Object({
  v: Type.Literal(1),
  type: Type.Literal("reaction"),
  target: MessageRef,
  /** An emoji; empty removes this person's reaction. */
  emoji: Type.String({ maxLength: 32 }),
});
/**
 * At most this many messages in one read receipt: 500 ids stay far below the server's bound on an
 * encrypted message (64 KiB); more are sent as several receipts (the SDK's `markRead`).
 */
export const MAX_RECEIPT_TARGETS = 500;

/** Read receipts travel encrypted: the server knows "delivered", never "read". */
export const ReceiptContent = Type.Object({
  v: Type.Literal(1),
  type: Type.Literal("receipt"),
  kind: Type.Literal("read"),
  targets: Type.Array(MessageRef, { maxItems: MAX_RECEIPT_TARGETS }),
});
/** A group's name and description, kept out of the server's sight. */
export const GroupInfoContent = Type.Object({
  v: Type.Literal(1),
  type: Type.Literal("group-info"),
  name: Type.String({ minLength: 1, maxLength: 120 }),
});

// Patient cases and export (case-open, consent and their schemas go here)
/** Opens a patient case: the patient and the consent travel here only, the server sees `caseId`. */
export const CaseOpenContent = Type.Object({
  v: Type.Literal(1),
  type: Type.Literal("case-open"),
  caseId: CaseRef,
  patient: PatientIdentity,
  consent: ConsentRecord,
  title: Type.Optional(Type.String({ maxLength: 200 })),
});
/** A later consent record, e.g. before someone outside the care team joins. */
export const CaseConsentContent = Type.Object({
  v: Type.Literal(1),
  type: Type.Literal("case-consent"),
  caseId: CaseRef,
  consent: ConsentRecord,
  /** The people this confirmation was given for (user ids), when adding them. */
  forUserIds: Type.Optional(Type.Array(Type.String(), { maxItems: 100 })),
});
export type CaseOpenContent = Static<typeof CaseOpenContent>;
export type CaseConsentContent = Static<typeof CaseConsentContent>;

// Télé-expertise: the clinical part of a request travels here; the server keeps only its state.
export const ExpertiseRequestContent = Type.Object({
  v: Type.Literal(1),
  type: Type.Literal("expertise-request"),
  expertiseId: ExpertiseRef,
  caseId: Type.Optional(CaseRef),
  question: Type.String({ minLength: 1, maxLength: 5_000 }),
  clinicalContext: Type.Optional(Type.String({ maxLength: 20_000 })),
  urgency: Type.Union([Type.Literal("routine"), Type.Literal("urgent")]),
  attachments: Type.Optional(Type.Array(AttachmentRef, { maxItems: 20 })),
});
/** accepted, declined (with the reason, which may be clinical, so it travels here), closed. */
export const ExpertiseStateContent = Type.Object({
  v: Type.Literal(1),
  type: Type.Literal("expertise-state"),
  expertiseId: ExpertiseRef,
  state: Type.Union([Type.Literal("accepted"), Type.Literal("declined"), Type.Literal("closed")]),
  reason: Type.Optional(Type.String({ maxLength: 2_000 })),
});
/** The requis's written conclusion: the answer that goes into the patient's record. */
export const ExpertiseConclusionContent = Type.Object({
  v: Type.Literal(1),
  type: Type.Literal("expertise-conclusion"),
  expertiseId: ExpertiseRef,
  conclusion: Type.String({ minLength: 1, maxLength: 20_000 }),
  attachments: Type.Optional(Type.Array(AttachmentRef, { maxItems: 20 })),
});
export type ExpertiseRequestContent = Static<typeof ExpertiseRequestContent>;
export type ExpertiseStateContent = Static<typeof ExpertiseStateContent>;
export type ExpertiseConclusionContent = Static<typeof ExpertiseConclusionContent>;

export const MessageContent = Type.Union([
  TextContent,
  AttachmentContent,
  EditContent,
  RecallContent,
  ReactionContent,
  ReceiptContent,
  GroupInfoContent,
  // Patient cases and export
  CaseOpenContent,
  CaseConsentContent,
  ExpertiseRequestContent,
  ExpertiseStateContent,
  ExpertiseConclusionContent,
]);
export type MessageContent = Static<typeof MessageContent>;
export type TextContent = Static<typeof TextContent>;
export type AttachmentContent = Static<typeof AttachmentContent>;
