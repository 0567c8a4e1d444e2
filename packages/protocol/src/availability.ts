import { type Static, Type } from "@sinclair/typebox";
import { Id, StrictObject, Timestamp } from "./common.ts";

/**
 * Availability, working hours, urgent messages and on-call schedules.
 *
 * Status codes are English in the API (the UI shows them in French: disponible, en consultation,
 * absent, de garde). Working hours are Europe/Paris local times, per weekday; non-urgent
 * notifications are held outside them and while away or in consultation; urgent ones never are.
 */

export const AvailabilityStatus = Type.Union([
  Type.Literal("available"),
  Type.Literal("in_consultation"),
  Type.Literal("away"),
  Type.Literal("on_call"),
]);
export type AvailabilityStatus = Static<typeof AvailabilityStatus>;

/** "HH:MM", 24-hour, Europe/Paris local time. "24:00" may end an interval. */
export const LocalTime = Type.String({
  pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$",
  examples: ["08:30"],
});

export const TimeInterval = StrictObject({ start: LocalTime, end: LocalTime });
export type TimeInterval = Static<typeof TimeInterval>;

export const Weekday = Type.Union([
  Type.Literal("mon"),
  Type.Literal("tue"),
  Type.Literal("wed"),
  Type.Literal("thu"),
  Type.Literal("fri"),
  Type.Literal("sat"),
  Type.Literal("sun"),
]);
export type Weekday = Static<typeof Weekday>;

/** Intervals per weekday; a missing weekday means no working hours that day. */
export const WorkingHours = StrictObject({
  mon: Type.Optional(Type.Array(TimeInterval, { maxItems: 6 })),
  tue: Type.Optional(Type.Array(TimeInterval, { maxItems: 6 })),
  wed: Type.Optional(Type.Array(TimeInterval, { maxItems: 6 })),
  thu: Type.Optional(Type.Array(TimeInterval, { maxItems: 6 })),
  fri: Type.Optional(Type.Array(TimeInterval, { maxItems: 6 })),
  sat: Type.Optional(Type.Array(TimeInterval, { maxItems: 6 })),
  sun: Type.Optional(Type.Array(TimeInterval, { maxItems: 6 })),
});
export type WorkingHours = Static<typeof WorkingHours>;

/** The caller's own availability. `workingHours: null`: no working hours (always reachable). */
export const Availability = StrictObject({
  status: AvailabilityStatus,
  /** The status reverts to "available" at this time; null: until changed. */
  until: Type.Union([Timestamp, Type.Null()]),
  workingHours: Type.Union([WorkingHours, Type.Null()]),
  timeZone: Type.Literal("Europe/Paris"),
  /** Whether non-urgent notifications reach the user right now (status, until, working hours). */
  reachableNow: Type.Boolean(),
});
export type Availability = Static<typeof Availability>;

export const SetAvailabilityRequest = StrictObject({
  status: AvailabilityStatus,
  until: Type.Optional(Type.Union([Timestamp, Type.Null()])),
  workingHours: Type.Optional(Type.Union([WorkingHours, Type.Null()])),
});
export type SetAvailabilityRequest = Static<typeof SetAvailabilityRequest>;

/** What a colleague sees: the status only, never the working hours. */
export const ColleagueAvailability = StrictObject({
  userId: Id,
  status: AvailabilityStatus,
  until: Type.Union([Timestamp, Type.Null()]),
});
export type ColleagueAvailability = Static<typeof ColleagueAvailability>;

export const UserAvailabilityParams = StrictObject({ userId: Id });

/** Bounds of an urgent message's re-notification delay, in minutes. */
export const RENOTIFY_BOUNDS = { minMinutes: 1, maxMinutes: 240 } as const;

/** An urgent message awaiting (or having received) the recipient's acknowledgement. Ids only. */
export const UrgentAlert = StrictObject({
  id: Id,
  conversationId: Id,
  seq: Type.Integer({ minimum: 0 }),
  senderId: Type.Union([Id, Type.Null()]),
  createdAt: Timestamp,
  renotifyAfterMinutes: Type.Union([Type.Integer(), Type.Null()]),
  acknowledgedAt: Type.Union([Timestamp, Type.Null()]),
});
export type UrgentAlert = Static<typeof UrgentAlert>;

export const UrgentAlertsResponse = StrictObject({ alerts: Type.Array(UrgentAlert) });
export type UrgentAlertsResponse = Static<typeof UrgentAlertsResponse>;

export const UrgentAlertParams = StrictObject({ alertId: Id });

/** Bounds of a service's escalation delay, in minutes. */
export const ESCALATION_BOUNDS = { minMinutes: 1, maxMinutes: 240 } as const;

export const OnCallShift = StrictObject({ userId: Id, start: Timestamp, end: Timestamp });
export type OnCallShift = Static<typeof OnCallShift>;

export const OnCallSchedule = StrictObject({
  serviceId: Id,
  escalationMinutes: Type.Integer(),
  backupServiceId: Type.Union([Id, Type.Null()]),
  shifts: Type.Array(OnCallShift),
  /** Who is on call at the time of the answer. */
  onCallNow: Type.Array(Id),
});
export type OnCallSchedule = Static<typeof OnCallSchedule>;

export const SetOnCallScheduleRequest = StrictObject({
  escalationMinutes: Type.Integer(),
  backupServiceId: Type.Optional(Type.Union([Id, Type.Null()])),
  shifts: Type.Array(OnCallShift, { maxItems: 500 }),
});
export type SetOnCallScheduleRequest = Static<typeof SetOnCallScheduleRequest>;

export const ServiceOnCallParams = StrictObject({ serviceId: Id });

export const ServiceConversationParams = StrictObject({ serviceId: Id, conversationId: Id });

/**
 * A request to a service that nobody there took within its delays, to forward to the service's
 * backup. Only its asker sees it; their device forwards the request (the server cannot read it).
 */
export const ServiceHandover = StrictObject({
  id: Id,
  conversationId: Id,
  /** The request's position in its conversation. */
  seq: Type.Integer({ minimum: 1 }),
  urgent: Type.Boolean(),
  fromServiceName: Type.Union([Type.String(), Type.Null()]),
  toServiceId: Id,
  toServiceName: Type.String(),
});
export type ServiceHandover = Static<typeof ServiceHandover>;

export const ServiceHandoversResponse = StrictObject({ handovers: Type.Array(ServiceHandover) });
export type ServiceHandoversResponse = Static<typeof ServiceHandoversResponse>;

export const ServiceHandoverParams = StrictObject({ handoverId: Id });

/** The conversation with the backup service in which the request was forwarded. */
export const ForwardedHandoverRequest = StrictObject({ conversationId: Id });
export type ForwardedHandoverRequest = Static<typeof ForwardedHandoverRequest>;
