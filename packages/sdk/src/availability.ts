import type { WorkingHours } from "@confrere/protocol";

/**
 * Availability, urgent messages and on-call, on the device's side.
 *
 * Urgency travels twice: `urgent: true` inside the encrypted content (what the devices show) and
 * the send envelope's `urgent` flag (what the server sees, to notify even in do-not-disturb and
 * keep an alert pending until acknowledged). The API calls are on `ApiClient` (`client.api`).
 */

/** The send envelope's urgency metadata (never content). */
export interface UrgentEnvelope {
  urgent?: boolean;
  renotifyAfterMinutes?: number;
  silent?: boolean;
}

/** The envelope of a send with these options: empty for a plain message. */
export function urgentEnvelope(options: { urgent?: boolean; renotifyAfterMinutes?: number }): UrgentEnvelope {
  if (!options.urgent) return {};
  return {
    urgent: true,
    ...(options.renotifyAfterMinutes !== undefined
      ? { renotifyAfterMinutes: options.renotifyAfterMinutes }
      : {}),
  };
}

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

/**
 * Parses working hours written as people do: "mon-fri 08:00-12:00,14:00-18:00; sat 09:00-12:00".
 * Throws an Error naming the part it could not read.
 */
export function parseWorkingHours(text: string): WorkingHours {
  const hours: WorkingHours = {};
  for (const part of text
    .split(";")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^([a-z]{3})(?:-([a-z]{3}))?\s+(.+)$/i.exec(part);
    const first = DAYS.indexOf((match?.[1] ?? "").toLowerCase() as (typeof DAYS)[number]);
    const last = match?.[2] ? DAYS.indexOf(match[2].toLowerCase() as (typeof DAYS)[number]) : first;
    if (!match || first < 0 || last < first) {
      throw new Error(`working hours: cannot read "${part}" (e.g. "mon-fri 08:00-18:00")`);
    }
    const intervals = match[3]!.split(",").map((range) => {
      const times = /^\s*(\d{2}:\d{2})-(\d{2}:\d{2})\s*$/.exec(range);
      if (!times) throw new Error(`working hours: cannot read "${range}" (e.g. 08:00-12:00)`);
      return { start: times[1]!, end: times[2]! };
    });
    for (let day = first; day <= last; day++) hours[DAYS[day]!] = intervals;
  }
  return hours;
}

/** Working hours written back as `parseWorkingHours` reads them. */
export function formatWorkingHours(hours: WorkingHours | null): string {
  if (!hours) return "";
  return DAYS.filter((d) => hours[d]?.length)
    .map((d) => `${d} ${hours[d]!.map((i) => `${i.start}-${i.end}`).join(",")}`)
    .join("; ");
}
