import type { Db } from "../db/database.ts";

/** Everyone who shares a conversation with the user (the user included): who hears of their devices and presence. */
export async function memberIdsOfContacts(db: Db, userId: string): Promise<string[]> {
  const rows = await db
    .selectFrom("conversation_members as mine")
    .innerJoin("conversation_members as theirs", "theirs.conversation_id", "mine.conversation_id")
    .select("theirs.user_id")
    .distinct()
    .where("mine.user_id", "=", userId)
    .execute();
  const ids = new Set(rows.map((r) => r.user_id));
  ids.add(userId);
  return [...ids];
}
