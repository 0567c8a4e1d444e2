import { ConfrereError, ErrorCode, type ServiceHandover } from "@confrere/protocol";
import { urgentEnvelope } from "./availability.ts";
import type { ConfrereClient, StoredMessage } from "./client.ts";

/**
 * Backup services, on the asker's side.
 *
 * When nobody at a service took a request within its delays and the service names a backup, the
 * server offers the request to its asker's devices (it cannot read or re-address it itself). The
 * device that holds the request opens a conversation with the backup service and sends it there
 * again, end-to-end encrypted, urgent if it was: the backup's on-call staff hear of it first.
 * Texts and files are forwarded; patient-case tags, replies and mentions stay behind (they point
 * into the first conversation, which the backup's staff cannot read).
 */

/** Forwards this user's offered handovers that this device can; returns how many it forwarded. */
export async function forwardHandovers(client: ConfrereClient): Promise<number> {
  const { handovers } = await client.api.handovers();
  let forwarded = 0;
  for (const handover of handovers) {
    const original = (await client.messages(handover.conversationId)).find(
      (m) => m.seq === handover.seq && m.senderUserId === client.userId,
    );
    // Written on another device of the asker's, or of a kind that is not forwarded: not here.
    if (!original || !isForwardable(original.content)) continue;
    if (!(await claim(client, handover))) continue;
    const conversationId = await client.openServiceConversation(handover.toServiceId);
    await forward(client, conversationId, original, handover);
    await client.api.completeHandover(handover.id, conversationId);
    forwarded++;
  }
  return forwarded;
}

function isForwardable(content: StoredMessage["content"]): boolean {
  return content.type === "text" || content.type === "attachment";
}

async function claim(client: ConfrereClient, handover: ServiceHandover): Promise<boolean> {
  try {
    await client.api.claimHandover(handover.id);
    return true;
  } catch (error) {
    if (error instanceof ConfrereError && error.code === ErrorCode.HANDOVER_CLAIMED) return false;
    throw error;
  }
}

async function forward(
  client: ConfrereClient,
  conversationId: string,
  original: StoredMessage,
  handover: ServiceHandover,
): Promise<void> {
  const urgency = { urgent: handover.urgent };
  const { content } = original;
  if (content.type === "attachment") {
    // A new copy under a new key: the first conversation's file is not readable from the new one.
    const file = await client.downloadAttachment(original.conversationId, original.id);
    const { thumbnail } = content.attachment;
    await client.sendFile(
      conversationId,
      { ...file, ...(thumbnail ? { thumbnail } : {}) },
      content.text,
      urgency,
    );
    return;
  }
  if (content.type !== "text") return;
  await client.send(
    conversationId,
    { v: 1, type: "text", text: content.text, ...(handover.urgent ? { urgent: true } : {}) },
    undefined,
    urgentEnvelope(urgency),
  );
}
