import { type CareCase, type CaseParticipant, ConfrereError, ErrorCode } from "@confrere/protocol";
import type { AppContext } from "../context.ts";
import type { CareCasesTable } from "../db/schema-care-cases.ts";
import { requireMembership } from "../messaging/access.ts";

/**
 * The patient-case registry. The server knows a case only as an opaque id tied to a conversation:
 * the patient's identity and the consent travel in the end-to-end encrypted `case-open` content.
 */

function toCareCase(row: CareCasesTable): CareCase {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    openedBy: row.opened_by,
    openedAt: Number(row.opened_at),
  };
}

/** Registers a case for a conversation the caller is in. Idempotent for the same id and conversation. */
export async function registerCase(
  ctx: AppContext,
  userId: string,
  conversationId: string,
  caseId: string,
): Promise<{ careCase: CareCase; created: boolean }> {
  await requireMembership(ctx.db, conversationId, userId, "registerCase");
  const row: CareCasesTable = {
    id: caseId,
    conversation_id: conversationId,
    opened_by: userId,
    opened_at: ctx.clock.now(),
  };
  const result = await ctx.db
    .insertInto("care_cases")
    .values(row)
    .onConflict((oc) => oc.column("id").doNothing())
    .executeTakeFirst();
  if (Number(result.numInsertedOrUpdatedRows ?? 0) === 1) {
    await ctx.audit.record({
      action: "case.opened",
      actorId: userId,
      targetType: "conversation",
      targetId: conversationId,
      detail: { caseId },
    });
    return { careCase: toCareCase(row), created: true };
  }
  const existing = await ctx.db
    .selectFrom("care_cases")
    .selectAll()
    .where("id", "=", caseId)
    .executeTakeFirst();
  if (!existing || existing.conversation_id !== conversationId) {
    throw new ConfrereError(
      ErrorCode.CASE_ID_TAKEN,
      409,
      "registerCase: this case id is already used by another conversation; make a new id on the device",
    );
  }
  return { careCase: toCareCase(existing), created: false };
}

/** The cases of one conversation the caller is in, oldest first. */
export async function casesOfConversation(
  ctx: AppContext,
  userId: string,
  conversationId: string,
): Promise<CareCase[]> {
  await requireMembership(ctx.db, conversationId, userId, "listConversationCases");
  const rows = await ctx.db
    .selectFrom("care_cases")
    .selectAll()
    .where("conversation_id", "=", conversationId)
    .orderBy("opened_at")
    .orderBy("id")
    .execute();
  return rows.map(toCareCase);
}

/** The cases of all the caller's conversations, oldest first. */
export async function myCases(ctx: AppContext, userId: string): Promise<CareCase[]> {
  const rows = await ctx.db
    .selectFrom("care_cases")
    .innerJoin("conversation_members", "conversation_members.conversation_id", "care_cases.conversation_id")
    .selectAll("care_cases")
    .where("conversation_members.user_id", "=", userId)
    .orderBy("care_cases.opened_at")
    .orderBy("care_cases.id")
    .execute();
  return rows.map(toCareCase);
}

/** The members of a conversation the caller is in, with their verified national ids (for exports). */
export async function caseParticipants(
  ctx: AppContext,
  userId: string,
  conversationId: string,
): Promise<CaseParticipant[]> {
  await requireMembership(ctx.db, conversationId, userId, "listCaseParticipants");
  const rows = await ctx.db
    .selectFrom("conversation_members")
    .innerJoin("users", "users.id", "conversation_members.user_id")
    .select(["users.id", "users.display_name", "users.national_id", "users.identity_verified_at"])
    .where("conversation_members.conversation_id", "=", conversationId)
    .orderBy("users.id")
    .execute();
  return rows.map((r) => ({
    userId: r.id,
    displayName: r.display_name,
    nationalId: r.identity_verified_at !== null ? r.national_id : null,
  }));
}
