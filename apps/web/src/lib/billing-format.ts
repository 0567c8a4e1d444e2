import type { Locale } from "../i18n/i18n.tsx";

const DAY = 24 * 60 * 60 * 1000;

/** Euro cents as the locale writes them: `6,00 €` in French, `€6.00` in English. */
export function formatCents(cents: number, locale: Locale): string {
  return new Intl.NumberFormat(locale, { style: "currency", currency: "EUR" }).format(cents / 100);
}

/** Whole days left until `at`, counting a started day as a day (0 once it has passed). */
export function daysUntil(at: number, now = Date.now()): number {
  return Math.max(0, Math.ceil((at - now) / DAY));
}

/**
 * An amount typed in euros (`72`, `72,50`, `1 234.5`) as integer cents, or null when it is not
 * one: the operator types what the bank statement says, the API takes cents.
 */
export function parseEuros(text: string): number | null {
  const compact = text.replace(/[\s\u00a0\u202f€]/g, "").replace(",", ".");
  if (!/^\d+(\.\d{1,2})?$/.test(compact)) return null;
  const [whole = "0", fraction = ""] = compact.split(".");
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
  return Number.isSafeInteger(cents) && cents > 0 ? cents : null;
}

/** A calendar day `YYYY-MM-DD` in the browser's time zone (the API reads it in Europe/Paris). */
export function isoDay(at: number): string {
  const date = new Date(at);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The last day of a period of `months` starting on `start` (a year from 1 Jan ends on 31 Dec). */
export function periodEndDay(start: string, months: number): string {
  const [year = 0, month = 1, day = 1] = start.split("-").map(Number);
  return isoDay(new Date(year, month - 1 + months, day - 1).getTime());
}

/**
 * Saves downloaded bytes as a file: an object URL clicked as a download link, then released. The
 * PDF never goes through a URL the server could log, and the session token stays in its header.
 */
export function saveFile(bytes: Uint8Array, filename: string, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes.slice()], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started from the URL by the time this runs; releasing it frees the bytes.
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Opens the payment provider's hosted page (Checkout, customer portal) in this tab. */
export function goToPaymentPage(url: string): void {
  window.location.assign(url);
}
