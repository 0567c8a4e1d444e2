import type { Conversation } from "@confrere/protocol";
import type { ConfrereClient, DeliveryState, StoredMessage } from "@confrere/sdk";
import type { Names } from "./people.ts";

/** A message as `messages --json` and `sync --json` print it. */
export interface MessageView {
  id: string;
  conversationId: string;
  seq: number;
  sender: { userId: string; displayName: string };
  isOwn: boolean;
  sentAt: string;
  type: "text" | "attachment" | "group-info" | "unknown";
  text?: string;
  attachment?: { fileName: string; mimeType: string; size: number };
  groupName?: string;
  /** For a message of a type this version can't show: the type it was sent as. */
  unknownType?: string;
  replyTo?: string;
  isUrgent: boolean;
  isEdited: boolean;
  editedAt?: string;
  isRecalled: boolean;
  reactions: { userId: string; displayName: string; emoji: string }[];
  readBy: string[];
  /** Own messages only, when the conversation is known: sent, delivered or read. */
  delivery?: DeliveryState;
}

export function viewMessage(
  message: StoredMessage,
  names: Names,
  client: ConfrereClient,
  conversation: Conversation | null,
): MessageView {
  const content = message.content;
  const isOwn = message.senderUserId === names.me;
  const view: MessageView = {
    id: message.id,
    conversationId: message.conversationId,
    seq: message.seq,
    sender: { userId: message.senderUserId, displayName: names.of(message.senderUserId) },
    isOwn,
    sentAt: new Date(message.sentAt).toISOString(),
    type: "unknown",
    isUrgent: false,
    isEdited: message.editedAt !== undefined,
    ...(message.editedAt !== undefined ? { editedAt: new Date(message.editedAt).toISOString() } : {}),
    isRecalled: message.recalled === true,
    reactions: Object.entries(message.reactions).map(([userId, emoji]) => ({
      userId,
      displayName: names.of(userId),
      emoji,
    })),
    readBy: message.readBy,
  };
  if (message.recalled) view.type = "text";
  else if (content.type === "text") {
    view.type = "text";
    view.text = content.text;
    if (content.replyTo) view.replyTo = content.replyTo;
    view.isUrgent = content.urgent === true;
  } else if (content.type === "attachment") {
    view.type = "attachment";
    const { fileName, mimeType, size } = content.attachment;
    view.attachment = { fileName, mimeType, size };
    if (content.text) view.text = content.text;
    if (content.replyTo) view.replyTo = content.replyTo;
    view.isUrgent = content.urgent === true;
  } else if (content.type === "group-info") {
    view.type = "group-info";
    view.groupName = content.name;
  } else if (content.type === "unknown") {
    view.unknownType = content.originalType;
  } else {
    // Edits, recalls, reactions and receipts are applied to their target, never stored alone.
    view.unknownType = content.type;
  }
  if (isOwn && conversation) view.delivery = client.deliveryState(message, conversation);
  return view;
}

/** One line for people: `#12 2025-03-04 09:15 Dr Martin: text [delivered]`. */
export function messageLine(view: MessageView): string {
  const flags = [
    view.isUrgent ? "URGENT" : null,
    view.isEdited ? "edited" : null,
    view.delivery ?? null,
  ].filter((f): f is string => f !== null);
  let body: string;
  if (view.isRecalled) body = "(message deleted)";
  else if (view.type === "text") body = view.text ?? "";
  else if (view.type === "attachment") {
    const a = view.attachment!;
    body =
      `[file] ${a.fileName} (${a.mimeType}, ${formatSize(a.size)}; download with --message ${view.id})` +
      (view.text ? ` ${view.text}` : "");
  } else if (view.type === "group-info") body = `(named the group "${view.groupName}")`;
  else body = `(a "${view.unknownType}" message this version of confrere can't show)`;
  const reactions = view.reactions.map((r) => `${r.emoji} ${r.displayName}`).join(", ");
  return (
    `#${view.seq} ${localTime(view.sentAt)} ${view.isOwn ? "you" : view.sender.displayName}: ${body}` +
    (flags.length ? ` [${flags.join(", ")}]` : "") +
    (reactions ? ` {${reactions}}` : "")
  );
}

/** What to call a conversation: the group's name (from its encrypted group-info) or the other person. */
export function conversationTitle(conversation: Conversation, me: string, groupName: string | null): string {
  if (conversation.kind === "group") return groupName ?? "(unnamed group)";
  const other = conversation.members.find((m) => m.userId !== me);
  return other?.displayName ?? "(direct conversation)";
}

/** The latest name a group was given, from the local history. */
export function groupNameOf(messages: StoredMessage[]): string | null {
  let name: string | null = null;
  for (const message of messages) if (message.content.type === "group-info") name = message.content.name;
  return name;
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function localTime(iso: string): string {
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}
