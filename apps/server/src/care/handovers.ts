import { ConfrereError, ErrorCode, type ServiceHandover } from "@confrere/protocol";
import { newId } from "../accounts/tokens.ts";
import { MINUTE } from "../clock.ts";
import type { AppContext } from "../context.ts";
import { requireMembership } from "../messaging/access.ts";
import { requestTaken, serviceOfConversation } from "./service-routing.ts";

/**
 * The last step of on-call routing: a backup service.
 *
 * When the escalation to a service's roster happens (care/urgent.ts) and the service names a
 * backup, a handover is planned for one more escalation delay later. If by then still nobody took
 * the request (no acknowledgement, and for a plain message no reading or answer), it is offered to
 * the asker's devices: the server cannot read the request nor add the backup's staff to a group
 * whose history they could not decrypt, so the asker's device forwards it, encrypted, in a
 * conversation with the backup service (the SDK's `forwardHandovers`, run on each sync). That
 * conversation is routed like any request to a service: its on-call staff first.
 */

/** A device that claimed a handover and went silent for this long lets another of the asker's try. */
const CLAIM_LEASE_MS = 5 * MINUTE;

/** Called by the escalation job when it escalates a request to a service that has a backup. */
export async function planHandover(
  ctx: AppContext,
  request: { conversationId: string; seq: number; senderId: string; urgent: number },
  services: { from: string; backup: string },
  dueAt: number,
): Promise<void> {
  await ctx.db
    .insertInto("service_handovers")
    .values({
      id: newId(),
      conversation_id: request.conversationId,
      seq: request.seq,
      sender_id: request.senderId,
      from_service_id: services.from,
      to_service_id: services.backup,
      urgent: request.urgent,
      created_at: ctx.clock.now(),
      due_at: dueAt,
      offered_at: null,
      claimed_by_device: null,
      claimed_at: null,
      forwarded_conversation_id: null,
      forwarded_at: null,
      dropped_at: null,
    })
    .onConflict((oc) => oc.columns(["conversation_id", "seq"]).doNothing())
    .execute();
}

/**
 * Offers the handovers now due to their askers' devices, or drops those whose request was taken
 * meanwhile. Each is claimed first, so that two nodes never offer the same one. Returns how many
 * were offered.
 */
export async function offerDueHandovers(ctx: AppContext): Promise<number> {
  const now = ctx.clock.now();
  const due = await ctx.db
    .selectFrom("service_handovers")
    .select(["id", "conversation_id", "seq", "sender_id", "to_service_id", "urgent"])
    .where("offered_at", "is", null)
    .where("dropped_at", "is", null)
    .where("due_at", "<=", now)
    .orderBy("due_at")
    .limit(500)
    .execute();
  let offered = 0;
  for (const handover of due) {
    const message = {
      conversationId: handover.conversation_id,
      seq: handover.seq,
      senderId: handover.sender_id,
    };
    const taken = await requestTaken(ctx, message, handover.urgent !== 0);
    const claimed = await ctx.db
      .updateTable("service_handovers")
      .set(taken ? { dropped_at: now } : { offered_at: now })
      .where("id", "=", handover.id)
      .where("offered_at", "is", null)
      .where("dropped_at", "is", null)
      .executeTakeFirst();
    if (taken || Number(claimed.numUpdatedRows) === 0) continue;
    // The asker's devices sync on this, and forward the request.
    ctx.bus.publish({
      kind: "conversation",
      userIds: [handover.sender_id],
      conversationId: handover.conversation_id,
    });
    await ctx.audit.record({
      action: "oncall.handover_offered",
      targetType: "service",
      targetId: handover.to_service_id,
      detail: { conversationId: handover.conversation_id, seq: handover.seq },
    });
    offered++;
  }
  return offered;
}

/** The user's requests to forward to a backup service. */
export async function pendingHandovers(ctx: AppContext, userId: string): Promise<ServiceHandover[]> {
  const rows = await ctx.db
    .selectFrom("service_handovers as h")
    .innerJoin("services as to", "to.id", "h.to_service_id")
    .leftJoin("services as from", "from.id", "h.from_service_id")
    .select([
      "h.id",
      "h.conversation_id",
      "h.seq",
      "h.urgent",
      "h.to_service_id",
      "to.name as to_name",
      "from.name as from_name",
    ])
    .where("h.sender_id", "=", userId)
    .where("h.offered_at", "is not", null)
    .where("h.forwarded_at", "is", null)
    .orderBy("h.offered_at")
    .limit(100)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    conversationId: r.conversation_id,
    seq: r.seq,
    urgent: r.urgent === 1,
    fromServiceName: r.from_name ?? null,
    toServiceId: r.to_service_id,
    toServiceName: r.to_name,
  }));
}

async function requireOwnHandover(ctx: AppContext, userId: string, handoverId: string, operation: string) {
  const row = await ctx.db
    .selectFrom("service_handovers")
    .selectAll()
    .where("id", "=", handoverId)
    .where("sender_id", "=", userId)
    .where("offered_at", "is not", null)
    .executeTakeFirst();
  if (!row) {
    throw new ConfrereError(
      ErrorCode.HANDOVER_NOT_FOUND,
      404,
      `${operation}: no request of yours to forward has this id; list them with GET /api/v1/me/handovers`,
    );
  }
  return row;
}

/**
 * One of the asker's devices takes the forwarding on. Another device's claim holds for a few
 * minutes; past that (it went away mid-way) this one may take over.
 */
export async function claimHandover(
  ctx: AppContext,
  who: { userId: string; deviceId: string },
  handoverId: string,
): Promise<void> {
  const operation = "claimHandover";
  const handover = await requireOwnHandover(ctx, who.userId, handoverId, operation);
  const now = ctx.clock.now();
  const claimed =
    handover.forwarded_at === null
      ? await ctx.db
          .updateTable("service_handovers")
          .set({ claimed_by_device: who.deviceId, claimed_at: now })
          .where("id", "=", handoverId)
          .where("forwarded_at", "is", null)
          .where((eb) =>
            eb.or([
              eb("claimed_by_device", "is", null),
              eb("claimed_by_device", "=", who.deviceId),
              eb("claimed_at", "<", now - CLAIM_LEASE_MS),
            ]),
          )
          .executeTakeFirst()
      : { numUpdatedRows: 0n };
  if (Number(claimed.numUpdatedRows) === 0) {
    throw new ConfrereError(
      ErrorCode.HANDOVER_CLAIMED,
      409,
      `${operation}: another of your devices is forwarding this request (or has forwarded it)`,
    );
  }
}

/**
 * Records where the request was forwarded: a conversation of the asker with the backup service,
 * tied to it (so that its on-call staff hear of it first).
 */
export async function completeHandover(
  ctx: AppContext,
  userId: string,
  handoverId: string,
  conversationId: string,
): Promise<void> {
  const operation = "completeHandover";
  const handover = await requireOwnHandover(ctx, userId, handoverId, operation);
  if (handover.forwarded_at !== null) return;
  await requireMembership(ctx.db, conversationId, userId, operation);
  if ((await serviceOfConversation(ctx, conversationId)) !== handover.to_service_id) {
    throw new ConfrereError(
      ErrorCode.HANDOVER_INVALID,
      400,
      `${operation}: forward the request in a conversation opened with the backup service (openServiceConversation)`,
    );
  }
  await ctx.db
    .updateTable("service_handovers")
    .set({ forwarded_at: ctx.clock.now(), forwarded_conversation_id: conversationId })
    .where("id", "=", handoverId)
    .execute();
  await ctx.audit.record({
    action: "oncall.handover_forwarded",
    targetType: "service",
    targetId: handover.to_service_id,
    detail: { from: handover.conversation_id, to: conversationId, seq: handover.seq },
  });
}
