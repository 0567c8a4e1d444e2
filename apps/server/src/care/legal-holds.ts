import { ConfrereError, ErrorCode, type LegalHold, type LegalHoldReason } from "@confrere/protocol";
import type { AppContext } from "../context.ts";
import type { LegalHoldsTable } from "../db/schema-retention.ts";

/**
 * Legal holds: a conversation under hold is never purged, whatever its retention (litigation, an
 * inquiry, a patient's access request being answered). Operators only: conversations are not tied
 * to an establishment in the schema, so no organisation admin can be said to own one, and a hold
 * keeps health data longer than promised, which the platform answers for. The reason is a code,
 * never free text (free text could carry a patient's name).
 */

function toLegalHold(row: LegalHoldsTable): LegalHold {
  return {
    conversationId: row.conversation_id,
    reason: row.reason,
    placedBy: row.placed_by,
    placedAt: Number(row.placed_at),
  };
}

async function requireConversation(ctx: AppContext, conversationId: string, operation: string) {
  const row = await ctx.db
    .selectFrom("conversations")
    .select("id")
    .where("id", "=", conversationId)
    .executeTakeFirst();
  if (!row) {
    throw new ConfrereError(
      ErrorCode.CONVERSATION_NOT_FOUND,
      404,
      `${operation}: no such conversation; check its id`,
    );
  }
}

export async function placeLegalHold(
  ctx: AppContext,
  actorId: string,
  conversationId: string,
  reason: LegalHoldReason,
): Promise<LegalHold> {
  await requireConversation(ctx, conversationId, "placeLegalHold");
  const row: LegalHoldsTable = {
    conversation_id: conversationId,
    reason,
    placed_by: actorId,
    placed_at: ctx.clock.now(),
  };
  const result = await ctx.db
    .insertInto("legal_holds")
    .values(row)
    .onConflict((oc) => oc.column("conversation_id").doNothing())
    .executeTakeFirst();
  if (Number(result.numInsertedOrUpdatedRows ?? 0) !== 1) {
    throw new ConfrereError(
      ErrorCode.LEGAL_HOLD_EXISTS,
      409,
      "placeLegalHold: this conversation is already under a legal hold; lift it first to change the reason",
    );
  }
  await ctx.audit.record({
    action: "retention.legal_hold_placed",
    actorId,
    targetType: "conversation",
    targetId: conversationId,
    detail: { reason },
  });
  return toLegalHold(row);
}

export async function liftLegalHold(ctx: AppContext, actorId: string, conversationId: string): Promise<void> {
  const result = await ctx.db
    .deleteFrom("legal_holds")
    .where("conversation_id", "=", conversationId)
    .executeTakeFirst();
  if (Number(result.numDeletedRows) !== 1) {
    throw new ConfrereError(
      ErrorCode.LEGAL_HOLD_NOT_FOUND,
      404,
      "liftLegalHold: this conversation is not under a legal hold",
    );
  }
  await ctx.audit.record({
    action: "retention.legal_hold_lifted",
    actorId,
    targetType: "conversation",
    targetId: conversationId,
  });
}

export async function listLegalHolds(ctx: AppContext): Promise<LegalHold[]> {
  const rows = await ctx.db.selectFrom("legal_holds").selectAll().orderBy("placed_at").execute();
  return rows.map(toLegalHold);
}
