import { sql } from "kysely";
import type { AppContext } from "../context.ts";

/** A badge shows "99+" long before this; counting further only costs the database. */
const BADGE_COUNT_LIMIT = 999;

/**
 * Messages from others that none of the user's devices has fetched yet, across their
 * conversations (from when they joined): the number on the app's icon. Read on any device clears
 * it on all, as a person expects.
 */
export async function unreadCount(ctx: AppContext, userId: string): Promise<number> {
  const row = await ctx.db
    .selectFrom("log_entries as le")
    .innerJoin("conversation_members as cm", (join) =>
      join.onRef("cm.conversation_id", "=", "le.conversation_id").on("cm.user_id", "=", userId),
    )
    .where("le.kind", "=", "application")
    .where("le.sender_user_id", "!=", userId)
    .whereRef("le.created_at", ">=", "cm.joined_at")
    .where(
      "le.seq",
      ">",
      sql<number>`coalesce((select max(dp.seq) from device_positions dp where dp.conversation_id = le.conversation_id and dp.user_id = ${userId}), 0)`,
    )
    .select((eb) => eb.fn.countAll<number | string | bigint>().as("n"))
    .executeTakeFirst();
  return Math.min(Number(row?.n ?? 0), BADGE_COUNT_LIMIT);
}
