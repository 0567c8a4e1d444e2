/** Tables of messaging (see migrations/0004-messaging.ts). Times in epoch milliseconds. */

/** The MLS signature key of a device: the server's device directory (the Authentication Service). */
export interface DeviceKeysTable {
  device_id: string;
  user_id: string;
  signature_public_key: string;
  created_at: number;
}

/** KeyPackages waiting to be claimed: one-time ones are consumed, the last-resort one stays. */
export interface KeyPackagesTable {
  id: string;
  device_id: string;
  user_id: string;
  body: Uint8Array;
  is_last_resort: number;
  created_at: number;
}

export interface ConversationsTable {
  id: string;
  kind: "direct" | "group";
  /** "userA:userB" (sorted) for a direct conversation: one per pair. */
  direct_key: string | null;
  created_by: string;
  created_at: number;
  /** Current MLS epoch: a commit is accepted only for it, and the first one wins. */
  epoch: number;
  last_seq: number;
}

export interface ConversationMembersTable {
  conversation_id: string;
  user_id: string;
  role: "admin" | "member";
  joined_at: number;
}

/** The server's copy of the MLS roster, kept equal to the group's by checking every commit. */
export interface ConversationDevicesTable {
  conversation_id: string;
  device_id: string;
  user_id: string;
  leaf_index: number;
  signature_public_key: string;
}

/** One ordered log per conversation: handshake and application messages share it. Ciphertext only. */
export interface LogEntriesTable {
  conversation_id: string;
  seq: number;
  kind: "commit" | "application";
  epoch: number;
  sender_user_id: string;
  sender_device_id: string;
  client_message_id: string;
  body: Uint8Array;
  created_at: number;
}

export interface WelcomesTable {
  id: string;
  device_id: string;
  conversation_id: string;
  seq: number;
  body: Uint8Array;
  created_at: number;
}

/** The highest sequence number a device has fetched in a conversation (for "delivered"). */
export interface DevicePositionsTable {
  device_id: string;
  conversation_id: string;
  user_id: string;
  seq: number;
  updated_at: number;
}

export interface AttachmentsTable {
  id: string;
  conversation_id: string;
  uploader_user_id: string;
  uploader_device_id: string;
  size: number;
  /** "disk": a file under DATA_DIR/attachments; "database": rows of attachment_chunks. */
  storage: "disk" | "database";
  created_at: number;
}

export interface AttachmentChunksTable {
  attachment_id: string;
  idx: number;
  data: Uint8Array;
}

export interface MessagingTables {
  device_keys: DeviceKeysTable;
  key_packages: KeyPackagesTable;
  conversations: ConversationsTable;
  conversation_members: ConversationMembersTable;
  conversation_devices: ConversationDevicesTable;
  log_entries: LogEntriesTable;
  welcomes: WelcomesTable;
  device_positions: DevicePositionsTable;
  attachments: AttachmentsTable;
  attachment_chunks: AttachmentChunksTable;
}
