/**
 * Money arithmetic in integer cents. VAT is computed once on an invoice's total excluding VAT and
 * rounded half up to the cent (the usual French practice).
 */

/** VAT on an amount excluding VAT, at a rate in basis points (2000 = 20 %). */
export function vatOf(exclVatCents: number, rateBasisPoints: number): number {
  return Math.round((exclVatCents * rateBasisPoints) / 10_000);
}

/** The amount including VAT. */
export function inclVat(exclVatCents: number, rateBasisPoints: number): number {
  return exclVatCents + vatOf(exclVatCents, rateBasisPoints);
}

/** Splits an amount received (VAT included) into its part excluding VAT and its VAT. */
export function splitInclVat(inclVatCents: number, rateBasisPoints: number): { excl: number; vat: number } {
  const excl = Math.round((inclVatCents * 10_000) / (10_000 + rateBasisPoints));
  return { excl, vat: inclVatCents - excl };
}

/** `1 234,56 €`: how French invoices write amounts (narrow no-break spaces replaced for PDF fonts). */
export function formatEuros(cents: number): string {
  const text = new Intl.NumberFormat("fr-FR", { style: "currency", currency: "EUR" }).format(cents / 100);
  return text.replace(/[\u202f\u00a0]/g, " ");
}

/** `20 %` from basis points. */
export function formatRate(rateBasisPoints: number): string {
  return `${(rateBasisPoints / 100).toLocaleString("fr-FR")} %`;
}
