import { newId } from "../accounts/tokens.ts";
import type { AppContext } from "../context.ts";
import { memberIds } from "../messaging/access.ts";
import { onCallNow } from "./on-call.ts";

/**
 * Plain messages to a service go first to whoever is on call.
 *
 * A message written in a service conversation by someone outside the service's roster (the
 * colleague asking) while someone is on call is recorded as routing alerts (`urgent = 0`) for the
 * on-call staff. The push notifier does not notify the roster members who are not on call
 * ({@link offDutyStaff}); the escalation job (care/urgent.ts) notifies them after the service's
 * delay unless someone took the request. For a plain message the server cannot
 * see a "read", but it sees who writes: an encrypted read receipt, a reaction or an answer from
 * anyone but the asker after the message takes it ({@link takenByActivity}). Urgent messages keep
 * their explicit acknowledgement.
 */

/** Which service a conversation is addressed to, remembered for a minute (asked on every send). */
const CACHE_MS = 60_000;
const CACHE_MAX = 10_000;
const serviceCache = new WeakMap<AppContext, Map<string, { serviceId: string | null; at: number }>>();

export async function serviceOfConversation(ctx: AppContext, conversationId: string): Promise<string | null> {
  let cache = serviceCache.get(ctx);
  if (!cache) {
    cache = new Map();
    serviceCache.set(ctx, cache);
  }
  const now = Date.now();
  const known = cache.get(conversationId);
  if (known && now - known.at < CACHE_MS) return known.serviceId;
  const row = await ctx.db
    .selectFrom("service_conversations")
    .select("service_id")
    .where("conversation_id", "=", conversationId)
    .executeTakeFirst();
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(conversationId, { serviceId: row?.service_id ?? null, at: now });
  return row?.service_id ?? null;
}

/** Forgets what this node remembers of a conversation (it was just tied to a service). */
export function forgetServiceOfConversation(ctx: AppContext, conversationId: string): void {
  serviceCache.get(ctx)?.delete(conversationId);
}

/** After a plain message is committed: routes it to the on-call staff when it is a request to a service. */
export async function recordRouting(
  ctx: AppContext,
  senderId: string,
  conversationId: string,
  sent: { seq: number; duplicate: boolean },
): Promise<void> {
  if (sent.duplicate) return;
  try {
    await route(ctx, senderId, conversationId, sent.seq);
  } catch (error) {
    // The message is stored and everyone will be notified as usual: a routing failure must not fail the send.
    ctx.logger.error({ err: error }, "service routing: recording failed");
  }
}

async function route(ctx: AppContext, senderId: string, conversationId: string, seq: number): Promise<void> {
  const serviceId = await serviceOfConversation(ctx, conversationId);
  if (!serviceId) return;
  // A roster member writing (an answer, a colleague's note) is not a new request.
  const staff = await ctx.db
    .selectFrom("service_roster")
    .select("user_id")
    .where("service_id", "=", serviceId)
    .where("user_id", "=", senderId)
    .executeTakeFirst();
  if (staff) return;
  const now = ctx.clock.now();
  const onCall = new Set(await onCallNow(ctx, serviceId, now));
  const recipients = (await memberIds(ctx.db, conversationId)).filter(
    (id) => id !== senderId && onCall.has(id),
  );
  // Nobody on call: everyone is notified as for any message.
  if (recipients.length === 0) return;
  await ctx.db
    .insertInto("urgent_alerts")
    .values(
      recipients.map((recipientId) => ({
        id: newId(),
        conversation_id: conversationId,
        seq,
        sender_id: senderId,
        recipient_id: recipientId,
        renotify_after_minutes: null,
        created_at: now,
        last_notified_at: now,
        acknowledged_at: null,
        service_id: serviceId,
        escalated_at: null,
        urgent: 0,
      })),
    )
    .execute();
}

/**
 * For the push notifier: in the conversations addressed to a service while someone is on call,
 * the roster members who are not on call. Their notifications wait for the escalation: off-duty
 * staff are not disturbed by the requests and answers the on-call staff handle.
 */
export async function offDutyStaff(
  ctx: AppContext,
  conversationIds: readonly string[],
): Promise<Map<string, Set<string>>> {
  const held = new Map<string, Set<string>>();
  const byService = new Map<string, Set<string> | null>();
  const now = ctx.clock.now();
  for (const conversationId of new Set(conversationIds)) {
    const serviceId = await serviceOfConversation(ctx, conversationId);
    if (!serviceId) continue;
    if (!byService.has(serviceId)) {
      const onCall = new Set(await onCallNow(ctx, serviceId, now));
      if (onCall.size === 0) byService.set(serviceId, null);
      else {
        const roster = await ctx.db
          .selectFrom("service_roster")
          .select("user_id")
          .where("service_id", "=", serviceId)
          .execute();
        byService.set(serviceId, new Set(roster.map((r) => r.user_id).filter((id) => !onCall.has(id))));
      }
    }
    const offDuty = byService.get(serviceId);
    if (offDuty && offDuty.size > 0) held.set(conversationId, offDuty);
  }
  return held;
}

/**
 * Whether someone took a request to a service: an acknowledgement of its alert, or, for a message
 * that is not urgent, any activity after it ({@link takenByActivity}). Urgent ones need the
 * acknowledgement: a reaction is not "I am on it".
 */
export async function requestTaken(
  ctx: AppContext,
  message: { conversationId: string; seq: number; senderId: string | null },
  urgent: boolean,
): Promise<boolean> {
  const acknowledged = await ctx.db
    .selectFrom("urgent_alerts")
    .select("id")
    .where("conversation_id", "=", message.conversationId)
    .where("seq", "=", message.seq)
    .where("acknowledged_at", "is not", null)
    .limit(1)
    .executeTakeFirst();
  return acknowledged !== undefined || (!urgent && (await takenByActivity(ctx, message)));
}

/** Whether anyone but the asker wrote in the conversation after the message (read it, reacted, answered). */
async function takenByActivity(
  ctx: AppContext,
  message: { conversationId: string; seq: number; senderId: string | null },
): Promise<boolean> {
  let query = ctx.db
    .selectFrom("log_entries")
    .select("seq")
    .where("conversation_id", "=", message.conversationId)
    .where("seq", ">", message.seq)
    .where("kind", "=", "application");
  if (message.senderId) query = query.where("sender_user_id", "!=", message.senderId);
  return (await query.limit(1).executeTakeFirst()) !== undefined;
}
