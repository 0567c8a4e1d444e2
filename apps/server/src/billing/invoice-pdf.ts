import type { Color, PDFFont, PDFPage } from "pdf-lib";
import { formatEuros, formatRate } from "./amounts.ts";
import type { SellerIdentity } from "./billing-config.ts";
import { formatParisDate } from "./calendar.ts";

/** The buyer as printed: name, address, and for organisations their SIREN/SIRET and VAT number. */
export interface Buyer {
  name: string;
  addressLines: string[];
  siren: string | null;
  siret: string | null;
  vatNumber: string | null;
  /** Public bodies: their commitment number (numéro d'engagement), which their accounts need. */
  purchaseOrderReference: string | null;
}

export interface InvoiceLine {
  description: string;
  quantity: number;
  unitPriceExclVatCents: number;
  totalExclVatCents: number;
}

/** Everything an invoice or credit note shows; amounts of a credit note are negative. */
export interface InvoiceDocument {
  kind: "invoice" | "credit_note";
  number: string;
  issuedAt: number;
  seller: SellerIdentity;
  buyer: Buyer;
  lines: InvoiceLine[];
  periodStart: number | null;
  periodEnd: number | null;
  totalExclVatCents: number;
  vatCents: number;
  totalInclVatCents: number;
  vatRateBp: number;
  isPaid: boolean;
  paidAt: number | null;
  /** "virement bancaire", "carte bancaire", "prélèvement SEPA". */
  paymentMethodLabel: string | null;
  paymentReference: string | null;
  corrects: { number: string; issuedAt: number } | null;
  reason: string | null;
}

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 50;

/**
 * Mentions a French B2B invoice must carry besides the parties, number, dates, lines and totals
 * (Code de commerce L441-9 and D441-5).
 */
export const LATE_PAYMENT_MENTION =
  "En cas de retard de paiement : pénalités au taux de trois fois le taux d'intérêt légal et indemnité forfaitaire pour frais de recouvrement de 40 € (art. L441-10 et D441-5 du Code de commerce). Pas d'escompte pour paiement anticipé.";

/** The standard PDF fonts speak WinAnsi: characters outside it are replaced, never a crash. */
function printable(text: string): string {
  return text
    .normalize("NFC")
    .replace(/[\u202f\u00a0\u2009]/g, " ")
    .replace(/[‘’]/g, "'")
    .replace(/[“”]/g, '"')
    .replace(/[^\u0020-\u007e\u00a0-\u00ff€œŒ–—…•]/g, "?");
}

class Writer {
  private y: number;

  constructor(
    private readonly page: PDFPage,
    private readonly regular: PDFFont,
    private readonly bold: PDFFont,
    private readonly ink: { black: Color; grey: Color },
  ) {
    this.y = A4[1] - MARGIN;
  }

  get cursor(): number {
    return this.y;
  }

  set cursor(value: number) {
    this.y = value;
  }

  text(value: string, options: { x?: number; size?: number; isBold?: boolean; isGrey?: boolean } = {}): void {
    const size = options.size ?? 10;
    this.page.drawText(printable(value), {
      x: options.x ?? MARGIN,
      y: this.y,
      size,
      font: options.isBold ? this.bold : this.regular,
      color: options.isGrey ? this.ink.grey : this.ink.black,
    });
  }

  line(value: string, options: { x?: number; size?: number; isBold?: boolean; isGrey?: boolean } = {}): void {
    this.text(value, options);
    this.y -= (options.size ?? 10) * 1.45;
  }

  /** Right-aligned at `right`. */
  right(value: string, right: number, options: { size?: number; isBold?: boolean } = {}): void {
    const size = options.size ?? 10;
    const font = options.isBold ? this.bold : this.regular;
    const clean = printable(value);
    this.page.drawText(clean, { x: right - font.widthOfTextAtSize(clean, size), y: this.y, size, font });
  }

  /** Word-wrapped paragraph within `width`. */
  paragraph(
    value: string,
    width: number,
    options: { x?: number; size?: number; isGrey?: boolean } = {},
  ): void {
    const size = options.size ?? 9;
    const words = printable(value).split(/\s+/);
    let current = "";
    for (const word of words) {
      const candidate = current ? `${current} ${word}` : word;
      if (this.regular.widthOfTextAtSize(candidate, size) > width && current) {
        this.line(current, { ...options, size });
        current = word;
      } else {
        current = candidate;
      }
    }
    if (current) this.line(current, { ...options, size });
  }

  rule(): void {
    this.page.drawLine({
      start: { x: MARGIN, y: this.y + 4 },
      end: { x: A4[0] - MARGIN, y: this.y + 4 },
      thickness: 0.5,
      color: this.ink.grey,
    });
    this.y -= 8;
  }

  gap(points: number): void {
    this.y -= points;
  }
}

/** Renders an invoice or a credit note as a one-page A4 PDF (lines beyond one page continue on a new page). */
export async function renderInvoicePdf(document: InvoiceDocument): Promise<Uint8Array> {
  // Loaded on the first invoice rather than at every start-up.
  const { PDFDocument, StandardFonts, rgb } = await import("pdf-lib");
  const ink = { black: rgb(0, 0, 0), grey: rgb(0.35, 0.35, 0.35) };
  const pdf = await PDFDocument.create();
  const isCredit = document.kind === "credit_note";
  const title = `${isCredit ? "Avoir" : "Facture"} ${document.number}`;
  pdf.setTitle(title);
  pdf.setAuthor(printable(document.seller.name));
  pdf.setProducer("Confrère");
  pdf.setCreator("Confrère");
  // Fixed dates keep the bytes a pure function of the invoice (its hash is stored with it).
  pdf.setCreationDate(new Date(document.issuedAt));
  pdf.setModificationDate(new Date(document.issuedAt));
  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  let page = pdf.addPage(A4);
  let w = new Writer(page, regular, bold, ink);
  const right = A4[0] - MARGIN;
  const width = A4[0] - 2 * MARGIN;

  // Seller (left) and document title (right).
  const top = w.cursor;
  w.line(document.seller.name, { size: 12, isBold: true });
  for (const line of document.seller.addressLines) w.line(line);
  w.line(`SIREN : ${document.seller.siren}`);
  w.line(`N° TVA intracommunautaire : ${document.seller.vatNumber}`);
  if (document.seller.legalMention) w.line(document.seller.legalMention, { size: 8, isGrey: true });
  const afterSeller = w.cursor;
  w.cursor = top;
  w.right(isCredit ? "AVOIR" : "FACTURE", right, { size: 16, isBold: true });
  w.gap(20);
  w.right(`N° ${document.number}`, right, { isBold: true });
  w.gap(14);
  w.right(`Date d'émission : ${formatParisDate(document.issuedAt)}`, right);
  w.cursor = Math.min(afterSeller, w.cursor) - 18;

  // Buyer.
  const buyerX = 320;
  w.line("Client", { x: buyerX, isBold: true });
  w.line(document.buyer.name, { x: buyerX });
  for (const line of document.buyer.addressLines) w.line(line, { x: buyerX });
  if (document.buyer.siren) w.line(`SIREN : ${document.buyer.siren}`, { x: buyerX });
  if (document.buyer.siret) w.line(`SIRET : ${document.buyer.siret}`, { x: buyerX });
  if (document.buyer.vatNumber) w.line(`N° TVA : ${document.buyer.vatNumber}`, { x: buyerX });
  if (document.buyer.purchaseOrderReference) {
    w.line(`Référence d'engagement : ${document.buyer.purchaseOrderReference}`, { x: buyerX });
  }
  w.gap(12);

  if (document.periodStart !== null && document.periodEnd !== null) {
    // The end is exclusive in the database; people read the last day covered.
    w.line(
      `Période de service : du ${formatParisDate(document.periodStart)} au ${formatParisDate(document.periodEnd - 1)}`,
    );
  }
  if (document.corrects) {
    w.line(
      `Avoir sur la facture N° ${document.corrects.number} du ${formatParisDate(document.corrects.issuedAt)}`,
    );
  }
  if (document.reason) w.line(`Motif : ${document.reason}`);
  w.gap(10);

  // Lines.
  const columns = { quantity: 360, unit: 450, total: right };
  w.text("Désignation", { isBold: true });
  w.right("Qté", columns.quantity, { isBold: true });
  w.right("P.U. HT", columns.unit, { isBold: true });
  w.right("Total HT", columns.total, { isBold: true });
  w.gap(14);
  w.rule();
  for (const line of document.lines) {
    if (w.cursor < MARGIN + 200) {
      page = pdf.addPage(A4);
      w = new Writer(page, regular, bold, ink);
    }
    w.right(String(line.quantity), columns.quantity);
    w.right(formatEuros(line.unitPriceExclVatCents), columns.unit);
    w.right(formatEuros(line.totalExclVatCents), columns.total);
    w.paragraph(line.description, 260, { size: 10 });
  }
  w.rule();
  w.gap(4);

  // Totals.
  const label = 450;
  const total = (name: string, cents: number, isBold = false) => {
    w.right(name, label, { isBold });
    w.right(formatEuros(cents), right, { isBold });
    w.gap(15);
  };
  total("Total HT", document.totalExclVatCents);
  total(`TVA ${formatRate(document.vatRateBp)}`, document.vatCents);
  total("Total TTC", document.totalInclVatCents, true);
  w.gap(10);

  // Payment and mentions.
  if (isCredit) {
    w.paragraph("Montant remboursé ou imputé sur une prochaine facture.", width, { size: 10 });
  } else if (document.isPaid && document.paidAt !== null) {
    const how = document.paymentMethodLabel ? ` par ${document.paymentMethodLabel}` : "";
    const reference = document.paymentReference ? ` (réf. ${document.paymentReference})` : "";
    w.paragraph(`Facture acquittée le ${formatParisDate(document.paidAt)}${how}${reference}.`, width, {
      size: 10,
    });
  } else {
    w.paragraph("Paiement à 30 jours à compter de la date d'émission.", width, { size: 10 });
  }
  w.gap(6);
  w.paragraph(LATE_PAYMENT_MENTION, width, { size: 8, isGrey: true });
  w.paragraph(
    "Abonnement au service de messagerie sécurisée Confrère. Document conservé dix ans (art. L123-22 du Code de commerce).",
    width,
    { size: 8, isGrey: true },
  );
  return pdf.save({ useObjectStreams: false });
}
