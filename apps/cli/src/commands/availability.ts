import type { AvailabilityStatus } from "@confrere/protocol";
import { formatWorkingHours, parseWorkingHours } from "@confrere/sdk";
import { flags } from "../args.ts";
import { UsageError } from "../errors.ts";
import { printJson } from "../output.ts";
import { withSession } from "../session.ts";
import { usageOf } from "../usage.ts";

const STATUSES: AvailabilityStatus[] = ["available", "in_consultation", "away", "on_call"];

/** `confrere availability show`: your status and working hours (Europe/Paris). */
export async function runAvailabilityShow(args: string[]): Promise<number> {
  const command = "availability show";
  const values = flags(command, args, { json: { type: "boolean" } });
  return withSession(
    command,
    values.home,
    async ({ client }) => {
      const availability = await client.api.availability();
      if (values.json) printJson(availability);
      else
        console.log(
          `Status: ${availability.status}${availability.until ? ` until ${new Date(availability.until).toISOString()}` : ""}; ` +
            `working hours (Europe/Paris): ${formatWorkingHours(availability.workingHours) || "none"}; ` +
            `notifications ${availability.reachableNow ? "reach you now" : "are held now (urgent ones still reach you)"}.`,
        );
      return 0;
    },
    { sync: false, device: false },
  );
}

/** `confrere availability set --status S [--until ISO] [--hours "mon-fri 08:00-18:00"]`. */
export async function runAvailabilitySet(args: string[]): Promise<number> {
  const command = "availability set";
  const values = flags(command, args, {
    status: { type: "string" },
    until: { type: "string" },
    hours: { type: "string" },
    json: { type: "boolean" },
  });
  const status = values.status as AvailabilityStatus | undefined;
  if (!status || !STATUSES.includes(status))
    throw new UsageError(`${command}: --status is one of ${STATUSES.join(", ")}`, usageOf(command));
  const until = values.until === undefined ? undefined : Date.parse(values.until);
  if (until !== undefined && Number.isNaN(until))
    throw new UsageError(
      `${command}: --until is a date and time, e.g. 2026-12-01T18:00:00+01:00`,
      usageOf(command),
    );
  let workingHours: ReturnType<typeof parseWorkingHours> | null | undefined;
  try {
    workingHours =
      values.hours === undefined
        ? undefined
        : values.hours === "none"
          ? null
          : parseWorkingHours(values.hours);
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message}`, usageOf(command));
  }
  return withSession(
    command,
    values.home,
    async ({ client }) => {
      const availability = await client.api.setAvailability({
        status,
        ...(until !== undefined ? { until } : {}),
        ...(workingHours !== undefined ? { workingHours } : {}),
      });
      if (values.json) printJson(availability);
      else console.log(`Status set to ${availability.status}.`);
      return 0;
    },
    { sync: false, device: false },
  );
}

/** `confrere urgent list`: urgent messages awaiting your acknowledgement. */
export async function runUrgentList(args: string[]): Promise<number> {
  const command = "urgent list";
  const values = flags(command, args, { json: { type: "boolean" } });
  return withSession(
    command,
    values.home,
    async ({ client }) => {
      const { alerts } = await client.api.urgentAlerts();
      if (values.json) printJson({ alerts });
      else if (alerts.length === 0) console.log("No urgent message awaits your acknowledgement.");
      else
        for (const alert of alerts)
          console.log(
            `${alert.id}  conversation ${alert.conversationId} message #${alert.seq}  ${new Date(alert.createdAt).toISOString()}`,
          );
      return 0;
    },
    { sync: false, device: false },
  );
}

/** `confrere urgent ack --alert ID`. */
export async function runUrgentAck(args: string[]): Promise<number> {
  const command = "urgent ack";
  const values = flags(command, args, { alert: { type: "string" }, json: { type: "boolean" } });
  if (!values.alert)
    throw new UsageError(`${command}: give --alert ID (see confrere urgent list)`, usageOf(command));
  const alertId = values.alert;
  return withSession(
    command,
    values.home,
    async ({ client }) => {
      const alert = await client.api.acknowledgeUrgent(alertId);
      if (values.json) printJson(alert);
      else console.log(`Acknowledged urgent message #${alert.seq} of conversation ${alert.conversationId}.`);
      return 0;
    },
    { sync: false, device: false },
  );
}

/** The bounds of `send --renotify-after`, for its usage message. */
