import type { Readable } from "node:stream";
import { ConfrereError, ErrorCode } from "@confrere/protocol";
import { newId } from "../accounts/tokens.ts";
import type { AppContext } from "../context.ts";
import { requireMembership } from "./access.ts";

/**
 * Stores an encrypted attachment streamed by a member's device. The row is written first so that
 * chunk rows have their parent; on any failure (too large, connection cut) both go, and nothing is
 * left behind.
 */
export async function uploadAttachment(
  ctx: AppContext,
  who: { userId: string; deviceId: string },
  conversationId: string,
  body: AsyncIterable<Uint8Array>,
): Promise<{ attachmentId: string; size: number }> {
  await requireMembership(ctx.db, conversationId, who.userId, "uploadAttachment");
  const id = newId();
  await ctx.db
    .insertInto("attachments")
    .values({
      id,
      conversation_id: conversationId,
      uploader_user_id: who.userId,
      uploader_device_id: who.deviceId,
      size: 0,
      storage: ctx.blobs.kind,
      created_at: ctx.clock.now(),
    })
    .execute();
  try {
    const size = await ctx.blobs.put(id, body, ctx.config.attachmentLimitBytes);
    await ctx.db.updateTable("attachments").set({ size }).where("id", "=", id).execute();
    return { attachmentId: id, size };
  } catch (error) {
    await ctx.blobs.delete(id).catch(() => {});
    await ctx.db.deleteFrom("attachments").where("id", "=", id).execute();
    throw error;
  }
}

/** Only devices of the conversation's current members may fetch its attachments. */
export async function openAttachment(
  ctx: AppContext,
  userId: string,
  attachmentId: string,
): Promise<{ size: number; stream: Readable }> {
  const row = await ctx.db
    .selectFrom("attachments")
    .selectAll()
    .where("id", "=", attachmentId)
    .executeTakeFirst();
  const notFound = () =>
    new ConfrereError(
      ErrorCode.ATTACHMENT_NOT_FOUND,
      404,
      "downloadAttachment: no such attachment among yours",
    );
  if (!row) throw notFound();
  try {
    await requireMembership(ctx.db, row.conversation_id, userId, "downloadAttachment");
  } catch {
    throw notFound();
  }
  return { size: Number(row.size), stream: await ctx.blobs.get(attachmentId) };
}
