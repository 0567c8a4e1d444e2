/**
 * Calendar days as people write them on invoices and orders: `YYYY-MM-DD`, in Europe/Paris, the
 * service's legal time zone. A seat period "from 2026-01-01 to 2026-12-31" covers both days.
 */

const PARIS = "Europe/Paris";

/** Milliseconds between UTC and Paris time at `at` (3 600 000 in winter, 7 200 000 in summer). */
function parisOffset(at: number): number {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: PARIS,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(at));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return wall - Math.floor(at / 1000) * 1000;
}

/** Midnight in Paris at the start of a `YYYY-MM-DD` day; null for a day that does not exist. */
export function parisDayStart(day: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return null;
  const [year, month, date] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const utc = Date.UTC(year, month - 1, date);
  const check = new Date(utc);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== date)
    return null;
  return utc - parisOffset(utc - parisOffset(utc));
}

/** The instant just after a `YYYY-MM-DD` day ends in Paris (an inclusive end date, as an exclusive bound). */
export function parisDayEnd(day: string): number | null {
  const start = parisDayStart(day);
  if (start === null) return null;
  const next = new Date(start + 36 * 3_600_000).toISOString().slice(0, 10);
  return parisDayStart(next);
}

/** `31/12/2026`: a date as French documents print it. */
export function formatParisDate(at: number): string {
  return new Intl.DateTimeFormat("fr-FR", {
    timeZone: PARIS,
    day: "2-digit",
    month: "2-digit",
    year: "numeric",
  }).format(new Date(at));
}

/** The calendar year in Paris of an instant: invoices are numbered per year. */
export function parisYear(at: number): number {
  return Number(new Intl.DateTimeFormat("en-GB", { timeZone: PARIS, year: "numeric" }).format(new Date(at)));
}

/** Adds calendar months in UTC (a period bought on 31 January ends on 28 or 29 February, then 31 March…). */
export function addMonths(at: number, months: number): number {
  const date = new Date(at);
  const day = date.getUTCDate();
  const target = new Date(at);
  target.setUTCDate(1);
  target.setUTCMonth(target.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return target.getTime();
}
