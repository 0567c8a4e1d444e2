import { type Static, Type } from "@sinclair/typebox";
import { Id, StrictObject, Timestamp } from "./common.ts";

/** Binary values travel as base64url strings (RFC 4648 §5) inside JSON. */
export const Base64Url = (maxBytes: number, description?: string) =>
  Type.String({
    pattern: "^[A-Za-z0-9_-]*$",
    maxLength: Math.ceil((maxBytes * 4) / 3),
    ...(description ? { description } : {}),
  });

/** Limits of messaging; a request beyond one gets a stable code. */
export const MessagingLimits = {
  /** People in a group (issue: up to 500). */
  maxGroupMembers: 500,
  /** An application message's ciphertext (text, receipts, attachment keys; files go as blobs). */
  maxApplicationMessageBytes: 64 * 1024,
  /** A commit or a Welcome (adding 50 devices ≈ 17 KB; 500 people with several devices each fit). */
  maxHandshakeBytes: 900 * 1024,
  maxKeyPackagesPerUpload: 100,
  maxKeyPackageBytes: 4 * 1024,
  /** Entries returned by one page of a conversation's log. */
  maxPageEntries: 500,
} as const;

export const ConversationId = Type.String({
  minLength: 16,
  maxLength: 64,
  pattern: "^[A-Za-z0-9_-]+$",
  description: "Chosen by the creating client (it is also the MLS group id)",
});
export const ClientMessageId = Type.String({
  minLength: 8,
  maxLength: 64,
  pattern: "^[A-Za-z0-9_-]+$",
  description: "Chosen by the sending client; resending the same id returns the same acknowledgement",
});

// Devices and KeyPackages

export const RegisterDeviceKeyRequest = StrictObject({
  signaturePublicKey: Base64Url(64, "Ed25519 public key of this device's MLS credential"),
});
export const UploadKeyPackagesRequest = StrictObject({
  keyPackages: Type.Array(Base64Url(MessagingLimits.maxKeyPackageBytes), {
    maxItems: MessagingLimits.maxKeyPackagesPerUpload,
  }),
  lastResort: Type.Optional(Base64Url(MessagingLimits.maxKeyPackageBytes)),
});
export const KeyPackageCountResponse = StrictObject({
  available: Type.Integer(),
  hasLastResort: Type.Boolean(),
});

export const PublicDevice = StrictObject({
  userId: Id,
  deviceId: Id,
  name: Type.String(),
  signaturePublicKey: Base64Url(64),
  createdAt: Timestamp,
});
export type PublicDevice = Static<typeof PublicDevice>;
export const UserDevicesResponse = StrictObject({ userId: Id, devices: Type.Array(PublicDevice) });
export const UserDevicesQuery = StrictObject({
  userIds: Type.String({ pattern: "^[A-Za-z0-9_,-]{1,4000}$" }),
});
export const DevicesOfUsersResponse = StrictObject({ devices: Type.Array(PublicDevice) });

export const ClaimKeyPackagesRequest = StrictObject({
  userIds: Type.Array(Id, { minItems: 1, maxItems: MessagingLimits.maxGroupMembers }),
});
export const ClaimedKeyPackage = StrictObject({
  userId: Id,
  deviceId: Id,
  signaturePublicKey: Base64Url(64),
  keyPackage: Base64Url(MessagingLimits.maxKeyPackageBytes),
});
export const ClaimKeyPackagesResponse = StrictObject({
  keyPackages: Type.Array(ClaimedKeyPackage),
  /** Devices that have no KeyPackage left (not even a last-resort one): they can't be added now. */
  unavailable: Type.Array(StrictObject({ userId: Id, deviceId: Id })),
});

export const LookupUserRequest = StrictObject({ email: Type.String({ format: "email", maxLength: 254 }) });
export const PublicUser = StrictObject({
  userId: Id,
  displayName: Type.String(),
  isVerified: Type.Boolean(),
});
export type PublicUser = Static<typeof PublicUser>;

// Conversations

export const ConversationKind = Type.Union([Type.Literal("direct"), Type.Literal("group")]);
export type ConversationKind = Static<typeof ConversationKind>;
export const MemberRole = Type.Union([Type.Literal("admin"), Type.Literal("member")]);
export type MemberRole = Static<typeof MemberRole>;

export const ConversationMember = StrictObject({
  userId: Id,
  displayName: Type.String(),
  role: MemberRole,
  /** Highest sequence number fetched by at least one of this member's devices. */
  deliveredSeq: Type.Integer(),
});
export type ConversationMember = Static<typeof ConversationMember>;
export const RosterDevice = StrictObject({
  userId: Id,
  deviceId: Id,
  leafIndex: Type.Integer({ minimum: 0 }),
});

export const Conversation = StrictObject({
  id: ConversationId,
  kind: ConversationKind,
  createdBy: Id,
  createdAt: Timestamp,
  epoch: Type.Integer({ minimum: 0 }),
  lastSeq: Type.Integer({ minimum: 0 }),
  members: Type.Array(ConversationMember),
  devices: Type.Array(RosterDevice),
});
export type Conversation = Static<typeof Conversation>;

export const CreateConversationRequest = StrictObject({
  id: ConversationId,
  kind: ConversationKind,
  /** The other people (the creator is added as admin). A direct conversation has exactly one. */
  memberIds: Type.Array(Id, { minItems: 1, maxItems: MessagingLimits.maxGroupMembers - 1 }),
});
export const ConversationResponse = StrictObject({
  conversation: Conversation,
  /** For a direct conversation that already existed between the two: the existing one. */
  existing: Type.Boolean(),
});
export const ConversationListResponse = StrictObject({ conversations: Type.Array(Conversation) });
export const ConversationParams = StrictObject({ conversationId: ConversationId });
export const SetMemberRoleRequest = StrictObject({ role: MemberRole });
export const MemberParams = StrictObject({ conversationId: ConversationId, userId: Id });

// The log

export const EntryKind = Type.Union([Type.Literal("commit"), Type.Literal("application")]);
export const LogEntry = StrictObject({
  conversationId: ConversationId,
  seq: Type.Integer({ minimum: 1 }),
  kind: EntryKind,
  epoch: Type.Integer({ minimum: 0 }),
  senderUserId: Id,
  senderDeviceId: Id,
  clientMessageId: ClientMessageId,
  body: Type.String({ description: "MLS message, base64url" }),
  createdAt: Timestamp,
});
export type LogEntry = Static<typeof LogEntry>;

/**
 * Availability, urgent messages and on-call: an urgent message notifies even in do-not-disturb
 * and stays pending until acknowledged; `renotifyAfterMinutes` (1 to 240, with `urgent` only)
 * notifies again while pending. Checked by the server: URGENT_RENOTIFY_OUT_OF_RANGE.
 */
const UrgentEnvelope = {
  urgent: Type.Optional(Type.Boolean()),
  renotifyAfterMinutes: Type.Optional(Type.Integer({ description: "1 to 240, with urgent only" })),
  /**
   * Nothing for a person to look at (a read receipt, an edit, a recall): delivered as any entry,
   * but no push notification. What the sender's device says; the server cannot read the content.
   */
  silent: Type.Optional(Type.Boolean()),
};

export const PostCommitRequest = StrictObject({
  clientMessageId: ClientMessageId,
  epoch: Type.Integer({ minimum: 0, description: "The epoch the commit applies to" }),
  commit: Base64Url(MessagingLimits.maxHandshakeBytes, "MLS PublicMessage"),
  welcome: Type.Optional(Base64Url(MessagingLimits.maxHandshakeBytes, "MLS Welcome for the added devices")),
});
export const PostMessageRequest = StrictObject({
  clientMessageId: ClientMessageId,
  epoch: Type.Integer({ minimum: 0 }),
  body: Base64Url(MessagingLimits.maxApplicationMessageBytes, "MLS PrivateMessage"),
  // Availability, urgent messages and on-call: envelope metadata the server sees (never content).
  ...UrgentEnvelope,
});
/** Sent only after the entry is committed to the database: acknowledged means durable. */
export const PostEntryResponse = StrictObject({
  seq: Type.Integer({ minimum: 1 }),
  epoch: Type.Integer({ minimum: 0 }),
  duplicate: Type.Boolean(),
});
export type PostEntryResponse = Static<typeof PostEntryResponse>;

export const LogQuery = StrictObject({
  after: Type.Optional(Type.String({ pattern: "^[0-9]{1,15}$" })),
  limit: Type.Optional(Type.String({ pattern: "^[0-9]{1,3}$" })),
});
export const LogResponse = StrictObject({ entries: Type.Array(LogEntry), lastSeq: Type.Integer() });

export const AckRequest = StrictObject({ seq: Type.Integer({ minimum: 0 }) });

export const PendingWelcome = StrictObject({
  id: Id,
  conversationId: ConversationId,
  /** Sequence number of the commit that added this device: read the log after it. */
  seq: Type.Integer({ minimum: 1 }),
  body: Type.String(),
  createdAt: Timestamp,
});
export type PendingWelcome = Static<typeof PendingWelcome>;
export const WelcomeListResponse = StrictObject({ welcomes: Type.Array(PendingWelcome) });

export const AttachmentUploadResponse = StrictObject({ attachmentId: Id, size: Type.Integer() });
export const AttachmentParams = StrictObject({ attachmentId: Id });

// Realtime (one WebSocket per device)

export const ClientFrame = Type.Union([
  StrictObject({ type: Type.Literal("hello"), token: Type.String({ minLength: 16, maxLength: 256 }) }),
  StrictObject({
    type: Type.Literal("ack"),
    conversationId: ConversationId,
    seq: Type.Integer({ minimum: 0 }),
  }),
  StrictObject({ type: Type.Literal("typing"), conversationId: ConversationId }),
  StrictObject({ type: Type.Literal("ping") }),
  /**
   * An application message, as `POST /conversations/{id}/messages` takes it, without a request per
   * message: answered by a `sent` frame once committed, or an `error` frame naming the message.
   */
  StrictObject({
    type: Type.Literal("send"),
    conversationId: ConversationId,
    clientMessageId: ClientMessageId,
    epoch: Type.Integer({ minimum: 0 }),
    body: Base64Url(MessagingLimits.maxApplicationMessageBytes, "MLS PrivateMessage"),
    ...UrgentEnvelope,
  }),
]);
export type ClientFrame = Static<typeof ClientFrame>;

export const ServerFrame = Type.Union([
  StrictObject({ type: Type.Literal("ready"), userId: Id, deviceId: Id }),
  StrictObject({ type: Type.Literal("entry"), entry: LogEntry }),
  StrictObject({ type: Type.Literal("welcome"), welcome: PendingWelcome }),
  StrictObject({ type: Type.Literal("conversation"), conversationId: ConversationId }),
  /**
   * A member's devices fetched the conversation up to `seq`: sent to the members who sent any of
   * the messages this move passed over (their ticks), not to everyone in the conversation.
   */
  StrictObject({
    type: Type.Literal("delivery"),
    conversationId: ConversationId,
    userId: Id,
    seq: Type.Integer(),
  }),
  StrictObject({ type: Type.Literal("typing"), conversationId: ConversationId, userId: Id }),
  StrictObject({ type: Type.Literal("presence"), userId: Id, online: Type.Boolean() }),
  StrictObject({ type: Type.Literal("devices"), userId: Id }),
  StrictObject({ type: Type.Literal("pong") }),
  /** A `send` frame's message is committed: acknowledged means durable, as over HTTP. */
  StrictObject({
    type: Type.Literal("sent"),
    conversationId: ConversationId,
    clientMessageId: ClientMessageId,
    seq: Type.Integer({ minimum: 1 }),
    epoch: Type.Integer({ minimum: 0 }),
    duplicate: Type.Boolean(),
  }),
  StrictObject({
    type: Type.Literal("error"),
    code: Type.String(),
    message: Type.String(),
    /** Set when the error refuses a `send` frame's message. */
    conversationId: Type.Optional(ConversationId),
    clientMessageId: Type.Optional(ClientMessageId),
    /** With EPOCH_MISMATCH: the epoch the group is at. */
    currentEpoch: Type.Optional(Type.Integer({ minimum: 0 })),
  }),
]);
export type ServerFrame = Static<typeof ServerFrame>;

/** WebSocket close codes (4000–4999 are the application's). */
export const CloseCode = {
  /** No valid hello in time, or the session died. */
  UNAUTHENTICATED: 4001,
  /** The device did not read fast enough: it reconnects and resumes from its last acknowledged position. */
  SLOW_CONSUMER: 4008,
  /** A frame that is not valid JSON or not a known frame. */
  BAD_FRAME: 4002,
  /** The session was revoked or the account suspended. */
  SESSION_ENDED: 4003,
  /** The server is shutting down. */
  GOING_AWAY: 1001,
} as const;
