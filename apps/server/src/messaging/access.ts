import { ConfrereError, ErrorCode } from "@confrere/protocol";
import type { Db } from "../db/database.ts";

export interface Membership {
  role: "admin" | "member";
  kind: "direct" | "group";
  epoch: number;
  lastSeq: number;
}

/** The caller's membership of a conversation, or CONVERSATION_NOT_FOUND (the same for "exists but not yours"). */
export async function requireMembership(
  db: Db,
  conversationId: string,
  userId: string,
  operation: string,
): Promise<Membership> {
  const row = await db
    .selectFrom("conversation_members")
    .innerJoin("conversations", "conversations.id", "conversation_members.conversation_id")
    .select([
      "conversation_members.role",
      "conversations.kind",
      "conversations.epoch",
      "conversations.last_seq",
    ])
    .where("conversation_members.conversation_id", "=", conversationId)
    .where("conversation_members.user_id", "=", userId)
    .executeTakeFirst();
  if (!row) {
    throw new ConfrereError(
      ErrorCode.CONVERSATION_NOT_FOUND,
      404,
      `${operation}: no such conversation among yours`,
    );
  }
  return { role: row.role, kind: row.kind, epoch: Number(row.epoch), lastSeq: Number(row.last_seq) };
}

/** The user ids of a conversation's members (the recipients of what happens in it). */
export async function memberIds(db: Db, conversationId: string): Promise<string[]> {
  const rows = await db
    .selectFrom("conversation_members")
    .select("user_id")
    .where("conversation_id", "=", conversationId)
    .execute();
  return rows.map((r) => r.user_id);
}
