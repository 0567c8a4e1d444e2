import {
  ConfrereError,
  ErrorCode,
  ESCALATION_BOUNDS,
  type OnCallSchedule,
  type SetOnCallScheduleRequest,
} from "@confrere/protocol";
import { newId } from "../accounts/tokens.ts";
import type { AppContext } from "../context.ts";
import { rosterOf, type ServiceRow } from "../organisations/services.ts";
import { forgetServiceOfConversation } from "./service-routing.ts";

/**
 * On-call schedules of services.
 *
 * A schedule is a list of shifts (a roster member, start, end), an escalation delay and an
 * optional backup service. Routing is notification routing only: a service conversation's MLS
 * group holds the whole roster, so whoever is notified on escalation can read. Editing replaces
 * the whole schedule (shifts are few; a replace is simpler to reason about than patches).
 */

/** Default escalation delay for a service that has no schedule yet. */
export const DEFAULT_ESCALATION_MINUTES = 10;

/** The user ids on call for a service at `now`. */
export async function onCallNow(ctx: AppContext, serviceId: string, now: number): Promise<string[]> {
  const rows = await ctx.db
    .selectFrom("on_call_shifts")
    .select("user_id")
    .distinct()
    .where("service_id", "=", serviceId)
    .where("starts_at", "<=", now)
    .where("ends_at", ">", now)
    .orderBy("user_id")
    .execute();
  return rows.map((r) => r.user_id);
}

export async function scheduleOf(ctx: AppContext, serviceId: string): Promise<OnCallSchedule> {
  const now = ctx.clock.now();
  const settings = await ctx.db
    .selectFrom("on_call_schedules")
    .selectAll()
    .where("service_id", "=", serviceId)
    .executeTakeFirst();
  const shifts = await ctx.db
    .selectFrom("on_call_shifts")
    .select(["user_id", "starts_at", "ends_at"])
    .where("service_id", "=", serviceId)
    .orderBy("starts_at")
    .orderBy("user_id")
    .execute();
  return {
    serviceId,
    escalationMinutes: settings?.escalation_minutes ?? DEFAULT_ESCALATION_MINUTES,
    backupServiceId: settings?.backup_service_id ?? null,
    shifts: shifts.map((s) => ({ userId: s.user_id, start: s.starts_at, end: s.ends_at })),
    onCallNow: await onCallNow(ctx, serviceId, now),
  };
}

/**
 * Replaces a service's schedule. Checked: delay within bounds, shifts end after they start, every
 * shift's person on the service's reachable roster, the backup service exists and is another one.
 */
export async function setSchedule(
  ctx: AppContext,
  actorId: string,
  service: ServiceRow,
  request: SetOnCallScheduleRequest,
): Promise<void> {
  const operation = "setOnCallSchedule";
  const { escalationMinutes, shifts } = request;
  const backupServiceId = request.backupServiceId ?? null;
  if (
    !Number.isInteger(escalationMinutes) ||
    escalationMinutes < ESCALATION_BOUNDS.minMinutes ||
    escalationMinutes > ESCALATION_BOUNDS.maxMinutes
  ) {
    throw new ConfrereError(
      ErrorCode.ONCALL_SCHEDULE_INVALID,
      400,
      `${operation}: the escalation delay must be a whole number of minutes between ${ESCALATION_BOUNDS.minMinutes} and ${ESCALATION_BOUNDS.maxMinutes}`,
    );
  }
  for (const shift of shifts) {
    if (shift.end <= shift.start) {
      throw new ConfrereError(
        ErrorCode.ONCALL_SCHEDULE_INVALID,
        400,
        `${operation}: every shift must end after it starts`,
      );
    }
  }
  const roster = new Set((await rosterOf(ctx, service.id)).map((r) => r.userId));
  const outsider = shifts.find((s) => !roster.has(s.userId));
  if (outsider) {
    throw new ConfrereError(
      ErrorCode.ONCALL_NOT_ROSTER_MEMBER,
      400,
      `${operation}: user ${outsider.userId} is not on the service's roster (or not verified); add them to the roster first`,
    );
  }
  if (backupServiceId !== null) {
    const backup = await ctx.db
      .selectFrom("services")
      .select("id")
      .where("id", "=", backupServiceId)
      .executeTakeFirst();
    if (!backup || backupServiceId === service.id) {
      throw new ConfrereError(
        ErrorCode.ONCALL_SCHEDULE_INVALID,
        400,
        `${operation}: the backup service must be another existing service; check its id`,
      );
    }
  }
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (tx) => {
    const settings = {
      escalation_minutes: escalationMinutes,
      backup_service_id: backupServiceId,
      updated_by: actorId,
      updated_at: now,
    };
    await tx
      .insertInto("on_call_schedules")
      .values({ service_id: service.id, ...settings })
      .onConflict((oc) => oc.column("service_id").doUpdateSet(settings))
      .execute();
    await tx.deleteFrom("on_call_shifts").where("service_id", "=", service.id).execute();
    if (shifts.length > 0) {
      await tx
        .insertInto("on_call_shifts")
        .values(
          shifts.map((s) => ({
            id: newId(),
            service_id: service.id,
            user_id: s.userId,
            starts_at: s.start,
            ends_at: s.end,
          })),
        )
        .execute();
    }
  });
  await ctx.audit.record({
    action: "oncall.schedule_changed",
    actorId,
    targetType: "service",
    targetId: service.id,
    detail: { shifts: shifts.length, escalationMinutes },
  });
}

/**
 * Ties a conversation to a service, for notification routing. The caller must be a member, and
 * every other member must be on the service's roster (the group the SDK's
 * openServiceConversation creates); anything else would route someone else's conversation.
 */
export async function tieConversation(
  ctx: AppContext,
  userId: string,
  service: ServiceRow,
  conversationId: string,
): Promise<void> {
  const operation = "tieServiceConversation";
  const members = await ctx.db
    .selectFrom("conversation_members")
    .select("user_id")
    .where("conversation_id", "=", conversationId)
    .execute();
  const roster = new Set(
    (
      await ctx.db
        .selectFrom("service_roster")
        .select("user_id")
        .where("service_id", "=", service.id)
        .execute()
    ).map((r) => r.user_id),
  );
  const others = members.map((m) => m.user_id).filter((id) => id !== userId);
  if (
    !members.some((m) => m.user_id === userId) ||
    others.length === 0 ||
    others.some((id) => !roster.has(id))
  ) {
    throw new ConfrereError(
      ErrorCode.SERVICE_CONVERSATION_INVALID,
      400,
      `${operation}: you must be a member of the conversation and its other members the service's staff; open it with openServiceConversation`,
    );
  }
  await ctx.db
    .insertInto("service_conversations")
    .values({ conversation_id: conversationId, service_id: service.id, created_at: ctx.clock.now() })
    .onConflict((oc) => oc.column("conversation_id").doUpdateSet({ service_id: service.id }))
    .execute();
  forgetServiceOfConversation(ctx, conversationId);
}
