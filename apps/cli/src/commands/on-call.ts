import type { OnCallSchedule } from "@confrere/protocol";
import { flags, required } from "../args.ts";
import { UsageError } from "../errors.ts";
import { printJson } from "../output.ts";
import { resolvePerson } from "../people.ts";
import { withSession } from "../session.ts";
import { usageOf } from "../usage.ts";

function printSchedule(schedule: OnCallSchedule): void {
  console.log(
    `Escalation after ${schedule.escalationMinutes} min` +
      (schedule.backupServiceId ? `; backup service ${schedule.backupServiceId}` : "") +
      `; on call now: ${schedule.onCallNow.join(", ") || "nobody (messages reach the whole roster)"}`,
  );
  for (const shift of schedule.shifts) {
    console.log(
      `${new Date(shift.start).toISOString()}  ${new Date(shift.end).toISOString()}  ${shift.userId}`,
    );
  }
}

/** `confrere oncall show --service ID`: a service's on-call schedule and who is on call now. */
export async function runOnCallShow(args: string[]): Promise<number> {
  const command = "oncall show";
  const values = flags(command, args, { service: { type: "string" }, json: { type: "boolean" } });
  const serviceId = required(command, values.service, "--service");
  return withSession(
    command,
    values.home,
    async ({ client }) => {
      const schedule = await client.api.onCallSchedule(serviceId);
      if (values.json) printJson(schedule);
      else printSchedule(schedule);
      return 0;
    },
    { sync: false, device: false },
  );
}

/** Reads `WHO,START,END` (an e-mail or user id, then two ISO dates and times). */
function parseShift(command: string, value: string): { who: string; start: number; end: number } {
  const [who, startText, endText, ...rest] = value.split(",");
  const start = Date.parse(startText ?? "");
  const end = Date.parse(endText ?? "");
  if (!who || rest.length > 0 || Number.isNaN(start) || Number.isNaN(end)) {
    throw new UsageError(
      `${command}: --shift "${value}" must read WHO,START,END, e.g. dr.martin@ch-auxerre.fr,2026-12-01T08:00:00+01:00,2026-12-02T08:00:00+01:00`,
      usageOf(command),
    );
  }
  return { who, start, end };
}

/**
 * `confrere oncall set --service ID --escalation MIN [--backup SERVICE_ID|none] --shift WHO,START,END...`:
 * replaces the whole schedule (the service's administrators). No --shift clears the shifts.
 */
export async function runOnCallSet(args: string[]): Promise<number> {
  const command = "oncall set";
  const values = flags(command, args, {
    service: { type: "string" },
    escalation: { type: "string" },
    backup: { type: "string" },
    shift: { type: "string", multiple: true },
    json: { type: "boolean" },
  });
  const serviceId = required(command, values.service, "--service");
  const escalationText = required(command, values.escalation, "--escalation");
  const escalationMinutes = Number(escalationText);
  if (!/^\d+$/.test(escalationText))
    throw new UsageError(`${command}: --escalation is a whole number of minutes`, usageOf(command));
  const shifts = (values.shift ?? []).map((s) => parseShift(command, s));
  return withSession(
    command,
    values.home,
    async ({ client }) => {
      const resolved = [];
      for (const shift of shifts) {
        const person = await resolvePerson(client, shift.who, command);
        resolved.push({ userId: person.userId, start: shift.start, end: shift.end });
      }
      const schedule = await client.api.setOnCallSchedule(serviceId, {
        escalationMinutes,
        shifts: resolved,
        ...(values.backup !== undefined
          ? { backupServiceId: values.backup === "none" ? null : values.backup }
          : {}),
      });
      if (values.json) printJson(schedule);
      else printSchedule(schedule);
      return 0;
    },
    { sync: false, device: false },
  );
}
