import { ConfrereError, ErrorCode, RENOTIFY_BOUNDS, type UrgentAlert } from "@confrere/protocol";
import { newId } from "../accounts/tokens.ts";
import { MINUTE } from "../clock.ts";
import type { AppContext } from "../context.ts";
import type { UrgentAlertsTable } from "../db/schema-availability.ts";
import type { Job } from "../jobs/scheduler.ts";
import { memberIds } from "../messaging/access.ts";
import { pushNotifierOf } from "../push/push-notifier.ts";
import { offerDueHandovers, planHandover } from "./handovers.ts";
import { onCallNow } from "./on-call.ts";
import { requestTaken } from "./service-routing.ts";

/**
 * Urgent messages.
 *
 * The `urgent: true` flag inside the encrypted content is for the devices; the server sees only
 * the send envelope's `urgent` flag (metadata, never content). Once the message is committed, an
 * alert is recorded per recipient user and every device of theirs is notified at once, whatever
 * their availability ("Message urgent de Dr X" or "Message urgent", per the device's preview
 * setting: never text). The alert stays pending, listable, until its recipient acknowledges it;
 * with `renotifyAfterMinutes`, the re-notification job notifies again every N minutes while pending.
 *
 * In a conversation addressed to a service, the alert goes to whoever is on call (the whole
 * reachable membership when nobody is); the escalation job (care/on-call-escalation.ts) widens it.
 *
 * Acknowledgements are care-relevant: `urgent.acknowledged` is audited, with ids only.
 */

export interface UrgentOptions {
  urgent?: boolean;
  renotifyAfterMinutes?: number;
}

/** Checks the envelope's urgency options before the message is stored. */
export function assertUrgentOptions(options: UrgentOptions, operation: string): void {
  const minutes = options.renotifyAfterMinutes;
  if (minutes === undefined) return;
  if (
    !options.urgent ||
    !Number.isInteger(minutes) ||
    minutes < RENOTIFY_BOUNDS.minMinutes ||
    minutes > RENOTIFY_BOUNDS.maxMinutes
  ) {
    throw new ConfrereError(
      ErrorCode.URGENT_RENOTIFY_OUT_OF_RANGE,
      400,
      `${operation}: renotifyAfterMinutes needs urgent: true and a whole number of minutes between ${RENOTIFY_BOUNDS.minMinutes} and ${RENOTIFY_BOUNDS.maxMinutes}`,
      { minMinutes: RENOTIFY_BOUNDS.minMinutes, maxMinutes: RENOTIFY_BOUNDS.maxMinutes },
    );
  }
}

/**
 * Whom a new message in the conversation alerts first: the on-call staff of a service
 * conversation (`serviceId` set: their alerts escalate), else every other member.
 */
export async function firstRecipients(
  ctx: AppContext,
  conversationId: string,
  senderId: string,
): Promise<{ recipients: string[]; serviceId: string | null }> {
  const members = (await memberIds(ctx.db, conversationId)).filter((id) => id !== senderId);
  const service = await ctx.db
    .selectFrom("service_conversations")
    .select("service_id")
    .where("conversation_id", "=", conversationId)
    .executeTakeFirst();
  if (!service) return { recipients: members, serviceId: null };
  const onCall = new Set(await onCallNow(ctx, service.service_id, ctx.clock.now()));
  const routed = members.filter((id) => onCall.has(id));
  return routed.length > 0
    ? { recipients: routed, serviceId: service.service_id }
    : { recipients: members, serviceId: null };
}

/**
 * After an urgent message is committed: one alert per recipient, notified at once. A duplicate
 * send (the same client message id again) records nothing more.
 */
export async function recordUrgent(
  ctx: AppContext,
  senderId: string,
  conversationId: string,
  sent: { seq: number; duplicate: boolean },
  options: UrgentOptions,
): Promise<void> {
  if (!options.urgent || sent.duplicate) return;
  const { recipients, serviceId } = await firstRecipients(ctx, conversationId, senderId);
  if (recipients.length === 0) return;
  const now = ctx.clock.now();
  await ctx.db
    .insertInto("urgent_alerts")
    .values(
      recipients.map((recipientId) => ({
        id: newId(),
        conversation_id: conversationId,
        seq: sent.seq,
        sender_id: senderId,
        recipient_id: recipientId,
        renotify_after_minutes: options.renotifyAfterMinutes ?? null,
        created_at: now,
        last_notified_at: now,
        acknowledged_at: null,
        service_id: serviceId,
        escalated_at: null,
        urgent: 1,
      })),
    )
    .execute();
  await notify(ctx, recipients, { conversationId, seq: sent.seq, senderUserId: senderId }, 0);
}

async function notify(
  ctx: AppContext,
  userIds: string[],
  entry: { conversationId: string; seq: number; senderUserId: string | null },
  round: number,
  urgent = true,
): Promise<void> {
  try {
    await pushNotifierOf(ctx)?.notifyNow(userIds, entry, round, urgent);
  } catch (error) {
    // The alert is stored and listable; a push failure must not fail the send.
    ctx.logger.error({ err: error }, "urgent: notifying failed");
  }
}

function toAlert(row: UrgentAlertsTable): UrgentAlert {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    seq: row.seq,
    senderId: row.sender_id,
    createdAt: row.created_at,
    renotifyAfterMinutes: row.renotify_after_minutes,
    acknowledgedAt: row.acknowledged_at,
  };
}

/** The caller's pending urgent alerts, oldest first. */
export async function pendingAlerts(ctx: AppContext, userId: string): Promise<UrgentAlert[]> {
  const rows = await ctx.db
    .selectFrom("urgent_alerts")
    .selectAll()
    .where("recipient_id", "=", userId)
    .where("acknowledged_at", "is", null)
    // Plain messages routed to the on-call staff are not banners (see care/service-routing.ts).
    .where("urgent", "=", 1)
    .orderBy("created_at")
    .orderBy("id")
    .limit(500)
    .execute();
  return rows.map(toAlert);
}

/** Acknowledges one of the caller's alerts (again: a no-op). Audited with ids only. */
export async function acknowledgeAlert(
  ctx: AppContext,
  userId: string,
  alertId: string,
): Promise<UrgentAlert> {
  const row = await ctx.db
    .selectFrom("urgent_alerts")
    .selectAll()
    .where("id", "=", alertId)
    .where("recipient_id", "=", userId)
    .executeTakeFirst();
  if (!row) {
    throw new ConfrereError(
      ErrorCode.URGENT_ALERT_NOT_FOUND,
      404,
      "acknowledgeUrgent: no such urgent alert of yours; list your pending alerts for their ids",
    );
  }
  if (row.acknowledged_at !== null) return toAlert(row);
  const now = ctx.clock.now();
  await ctx.db
    .updateTable("urgent_alerts")
    .set({ acknowledged_at: now })
    .where("id", "=", alertId)
    .where("acknowledged_at", "is", null)
    .execute();
  await ctx.audit.record({
    action: "urgent.acknowledged",
    actorId: userId,
    targetType: "conversation",
    targetId: row.conversation_id,
    detail: { alertId, seq: row.seq },
  });
  return toAlert({ ...row, acknowledged_at: now });
}

/** Re-notifies pending alerts whose delay has passed since their last notification. */
export async function renotifyDue(ctx: AppContext): Promise<number> {
  const now = ctx.clock.now();
  const rows = await ctx.db
    .selectFrom("urgent_alerts")
    .selectAll()
    .where("acknowledged_at", "is", null)
    .where("renotify_after_minutes", "is not", null)
    .orderBy("created_at")
    .limit(1000)
    .execute();
  let count = 0;
  for (const row of rows) {
    const last = row.last_notified_at ?? row.created_at;
    if (last + (row.renotify_after_minutes ?? 0) * MINUTE > now) continue;
    const claimed = await ctx.db
      .updateTable("urgent_alerts")
      .set({ last_notified_at: now })
      .where("id", "=", row.id)
      .where("last_notified_at", "=", last)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) === 0) continue; // Another node did.
    const round = Math.max(1, Math.round((now - row.created_at) / MINUTE));
    await notify(
      ctx,
      [row.recipient_id],
      { conversationId: row.conversation_id, seq: row.seq, senderUserId: row.sender_id },
      round,
    );
    count++;
  }
  return count;
}

/**
 * On-call escalation: a message to a service that none of the on-call staff took within the
 * service's delay alerts every other member of the conversation (the roster: the MLS group holds
 * it, so they can read). Urgent messages are taken by an acknowledgement; plain ones also by any
 * reading or answer (care/service-routing.ts). Once per message; `oncall.escalated` audited with
 * ids only.
 */
export async function escalateDue(ctx: AppContext): Promise<number> {
  const now = ctx.clock.now();
  const rows = await ctx.db
    .selectFrom("urgent_alerts")
    .innerJoin("on_call_schedules", "on_call_schedules.service_id", "urgent_alerts.service_id")
    .select([
      "urgent_alerts.conversation_id",
      "urgent_alerts.seq",
      "urgent_alerts.sender_id",
      "urgent_alerts.service_id",
      "urgent_alerts.created_at",
      "urgent_alerts.urgent",
      "on_call_schedules.escalation_minutes",
      "on_call_schedules.backup_service_id",
    ])
    .where("urgent_alerts.escalated_at", "is", null)
    .where("urgent_alerts.service_id", "is not", null)
    .orderBy("urgent_alerts.created_at")
    .limit(1000)
    .execute();
  const groups = new Map<string, (typeof rows)[number]>();
  for (const row of rows) groups.set(`${row.conversation_id}\u0000${row.seq}`, row);
  let escalated = 0;
  for (const row of groups.values()) {
    if (row.created_at + row.escalation_minutes * MINUTE > now) continue;
    const alerts = await ctx.db
      .selectFrom("urgent_alerts")
      .select("recipient_id")
      .where("conversation_id", "=", row.conversation_id)
      .where("seq", "=", row.seq)
      .execute();
    // Claimed first, so that two nodes never escalate the same message.
    const claimed = await ctx.db
      .updateTable("urgent_alerts")
      .set({ escalated_at: now })
      .where("conversation_id", "=", row.conversation_id)
      .where("seq", "=", row.seq)
      .where("escalated_at", "is", null)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) === 0) continue;
    const message = { conversationId: row.conversation_id, seq: row.seq, senderId: row.sender_id };
    if (await requestTaken(ctx, message, row.urgent !== 0)) continue; // Someone on call took it.
    const alerted = new Set(alerts.map((a) => a.recipient_id));
    const others = (await memberIds(ctx.db, row.conversation_id)).filter(
      (id) => id !== row.sender_id && !alerted.has(id),
    );
    if (others.length > 0) {
      await ctx.db
        .insertInto("urgent_alerts")
        .values(
          others.map((recipientId) => ({
            id: newId(),
            conversation_id: row.conversation_id,
            seq: row.seq,
            sender_id: row.sender_id,
            recipient_id: recipientId,
            renotify_after_minutes: null,
            created_at: now,
            last_notified_at: now,
            acknowledged_at: null,
            service_id: null,
            escalated_at: now,
            urgent: row.urgent,
          })),
        )
        .execute();
      // A round of its own, so the push claim differs from the first notification's.
      await notify(
        ctx,
        others,
        { conversationId: row.conversation_id, seq: row.seq, senderUserId: row.sender_id },
        1_000_000,
        row.urgent === 1,
      );
    }
    // Still nobody after one more delay: the asker's device forwards it to the backup service
    // (care/handovers.ts). At once when there was nobody else on the roster to try.
    if (row.backup_service_id && row.sender_id && row.service_id) {
      await planHandover(
        ctx,
        { conversationId: row.conversation_id, seq: row.seq, senderId: row.sender_id, urgent: row.urgent },
        { from: row.service_id, backup: row.backup_service_id },
        others.length > 0 ? now + row.escalation_minutes * MINUTE : now,
      );
    }
    await ctx.audit.record({
      action: "oncall.escalated",
      targetType: "service",
      targetId: row.service_id,
      detail: { conversationId: row.conversation_id, seq: row.seq, notified: others.length },
    });
    escalated++;
  }
  return escalated;
}

/** Re-notification of pending urgent alerts, on-call escalation and backup handovers, every minute of the app's clock. */
export function urgentJobs(ctx: AppContext): Job[] {
  return [
    { name: "urgent-renotify", intervalMs: MINUTE, run: async () => void (await renotifyDue(ctx)) },
    { name: "oncall-escalate", intervalMs: MINUTE, run: async () => void (await escalateDue(ctx)) },
    { name: "oncall-handover", intervalMs: MINUTE, run: async () => void (await offerDueHandovers(ctx)) },
  ];
}
