import {
  type Availability,
  type AvailabilityStatus,
  type ColleagueAvailability,
  ConfrereError,
  ErrorCode,
  type SetAvailabilityRequest,
  type Weekday,
  type WorkingHours,
} from "@confrere/protocol";
import type { AppContext } from "../context.ts";
import type { AvailabilityTable } from "../db/schema-availability.ts";

/**
 * Availability and working hours.
 *
 * A user without a row is available with no working hours (always reachable). A status with an
 * `until` time reverts to "available" once that time has passed (evaluated on read: no job).
 * Working hours are Europe/Paris wall-clock times; the instant is converted with Intl, so the
 * DST changes need no special case. Non-urgent notifications are held when the user is away or in
 * consultation, or outside their working hours; "on_call" always receives; urgent ones always do.
 */

export const TIME_ZONE = "Europe/Paris";
const WEEKDAYS: Weekday[] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

const parisParts = new Intl.DateTimeFormat("en-GB", {
  timeZone: TIME_ZONE,
  weekday: "short",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

/** Weekday and minutes since midnight of `at`, in Paris local time. */
export function parisWallClock(at: number): { weekday: Weekday; minutes: number } {
  let weekday: Weekday = "mon";
  let hour = 0;
  let minute = 0;
  for (const part of parisParts.formatToParts(new Date(at))) {
    if (part.type === "weekday") weekday = part.value.toLowerCase().slice(0, 3) as Weekday;
    else if (part.type === "hour") hour = Number(part.value);
    else if (part.type === "minute") minute = Number(part.value);
  }
  if (!WEEKDAYS.includes(weekday)) weekday = "mon";
  return { weekday, minutes: hour * 60 + minute };
}

function minutesOf(time: string): number {
  const [h, m] = time.split(":");
  return Number(h) * 60 + Number(m);
}

/** Whether `at` falls within the working hours (null: no working hours, always within). */
export function withinWorkingHours(hours: WorkingHours | null, at: number): boolean {
  if (!hours) return true;
  const { weekday, minutes } = parisWallClock(at);
  return (hours[weekday] ?? []).some((i) => minutesOf(i.start) <= minutes && minutes < minutesOf(i.end));
}

/** The status in force at `now` (an expired `until` reverts to "available"). */
export function effectiveStatus(
  row: Pick<AvailabilityTable, "status" | "status_until"> | undefined,
  now: number,
) {
  if (!row) return { status: "available" as AvailabilityStatus, until: null };
  if (row.status_until !== null && row.status_until <= now)
    return { status: "available" as AvailabilityStatus, until: null };
  return { status: row.status, until: row.status_until };
}

function hoursOf(row: AvailabilityTable | undefined): WorkingHours | null {
  return row?.working_hours ? (JSON.parse(row.working_hours) as WorkingHours) : null;
}

/** Whether a non-urgent notification may reach the user at `now`. */
export function reachable(row: AvailabilityTable | undefined, now: number): boolean {
  const { status } = effectiveStatus(row, now);
  if (status === "on_call") return true;
  if (status === "away" || status === "in_consultation") return false;
  return withinWorkingHours(hoursOf(row), now);
}

/** Users among `userIds` who must not get a non-urgent notification now (one query). */
export async function unreachableUsers(
  ctx: AppContext,
  userIds: string[],
  now: number,
): Promise<Set<string>> {
  const held = new Set<string>();
  if (userIds.length === 0) return held;
  const rows = await ctx.db.selectFrom("availability").selectAll().where("user_id", "in", userIds).execute();
  for (const row of rows) if (!reachable(row, now)) held.add(row.user_id);
  return held;
}

async function rowOf(ctx: AppContext, userId: string) {
  return ctx.db.selectFrom("availability").selectAll().where("user_id", "=", userId).executeTakeFirst();
}

export async function availabilityOf(ctx: AppContext, userId: string): Promise<Availability> {
  const row = await rowOf(ctx, userId);
  const now = ctx.clock.now();
  const { status, until } = effectiveStatus(row, now);
  return {
    status,
    until,
    workingHours: hoursOf(row),
    timeZone: TIME_ZONE,
    reachableNow: reachable(row, now),
  };
}

/** A colleague's status only (never the hours): what a doctor expects on a colleague's card. */
export async function colleagueAvailability(ctx: AppContext, userId: string): Promise<ColleagueAvailability> {
  const user = await ctx.db.selectFrom("users").select("id").where("id", "=", userId).executeTakeFirst();
  if (!user)
    throw new ConfrereError(
      ErrorCode.USER_NOT_FOUND,
      404,
      "getColleagueAvailability: no such user; check the id",
    );
  const { status, until } = effectiveStatus(await rowOf(ctx, userId), ctx.clock.now());
  return { userId, status, until };
}

function assertWorkingHours(hours: WorkingHours): void {
  for (const [day, intervals] of Object.entries(hours)) {
    const sorted = [...(intervals ?? [])].sort((a, b) => minutesOf(a.start) - minutesOf(b.start));
    let previousEnd = -1;
    for (const interval of sorted) {
      if (minutesOf(interval.end) <= minutesOf(interval.start) || minutesOf(interval.start) < previousEnd) {
        throw new ConfrereError(
          ErrorCode.AVAILABILITY_INVALID,
          400,
          `setAvailability: the working hours of "${day}" must be intervals that end after they start and do not overlap (e.g. 08:00-12:00, 14:00-18:00)`,
        );
      }
      previousEnd = minutesOf(interval.end);
    }
  }
}

/**
 * Sets the caller's status (and, when given, the working hours: omitted keeps them, null clears
 * them). `until` must be in the future and is meaningless with "available".
 */
export async function setAvailability(
  ctx: AppContext,
  userId: string,
  request: SetAvailabilityRequest,
): Promise<void> {
  const now = ctx.clock.now();
  const until = request.until ?? null;
  if (until !== null && (until <= now || request.status === "available")) {
    throw new ConfrereError(
      ErrorCode.AVAILABILITY_INVALID,
      400,
      "setAvailability: `until` must be a future time, with a status other than available",
    );
  }
  if (request.workingHours) assertWorkingHours(request.workingHours);
  const previous = await rowOf(ctx, userId);
  const workingHours =
    request.workingHours === undefined
      ? (previous?.working_hours ?? null)
      : request.workingHours === null
        ? null
        : JSON.stringify(request.workingHours);
  const values = {
    status: request.status,
    status_until: until,
    working_hours: workingHours,
    updated_at: now,
  };
  await ctx.db
    .insertInto("availability")
    .values({ user_id: userId, ...values })
    .onConflict((oc) => oc.column("user_id").doUpdateSet(values))
    .execute();
  await ctx.audit.record({
    action: "availability.changed",
    actorId: userId,
    targetType: "user",
    targetId: userId,
    detail: { status: request.status },
  });
}
