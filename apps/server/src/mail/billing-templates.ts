import type { MailMessage } from "./mailer.ts";

/**
 * Billing e-mails, French first with an English version below. They carry dates, amounts, plan
 * and invoice numbers, and a link to the billing screen: never anything about patients or
 * messages, and never a payment detail beyond its method.
 */

/** `31 décembre 2026` / `31 December 2026`, in the service's time zone. */
function day(at: number, locale: "fr-FR" | "en-GB"): string {
  return new Intl.DateTimeFormat(locale, { timeZone: "Europe/Paris", dateStyle: "long" }).format(
    new Date(at),
  );
}

function euros(cents: number, locale: "fr-FR" | "en-GB"): string {
  return new Intl.NumberFormat(locale, { style: "currency", currency: "EUR" }).format(cents / 100);
}

function message(to: string, subject: string, french: string[], english: string[]): MailMessage {
  return {
    to,
    subject: `Confrère : ${subject}`,
    text: ["Bonjour,", "", ...french, "", "---", ...english].join("\n"),
  };
}

/** What a lapsed account can still do, said every time it is close. */
const LAPSED_KEEPS_FR =
  "Vous gardez l'accès en lecture à vos conversations, l'export, les réponses aux messages urgents et aux demandes de télé-expertise ; seules la création de nouvelles conversations et les invitations sont suspendues.";
const LAPSED_KEEPS_EN =
  "You keep reading your conversations, exporting, and answering urgent messages and tele-expertise requests; only starting new conversations and inviting are suspended.";

export function trialStartedMessage(to: string, trialEndsAt: number, link: string): MailMessage {
  return message(
    to,
    "votre période d'essai a commencé",
    [
      `Votre identité professionnelle est vérifiée : Confrère vous est offert jusqu'au ${day(trialEndsAt, "fr-FR")}.`,
      `Vous pourrez choisir une formule à tout moment : ${link}`,
    ],
    [
      `Your professional identity is verified: Confrère is free until ${day(trialEndsAt, "en-GB")}. Choose a plan any time at the link above.`,
    ],
  );
}

export function trialEndingMessage(to: string, trialEndsAt: number, link: string): MailMessage {
  return message(
    to,
    "votre période d'essai se termine bientôt",
    [
      `Votre période d'essai se termine le ${day(trialEndsAt, "fr-FR")}.`,
      `Pour continuer sans interruption, choisissez une formule (carte bancaire ou prélèvement SEPA) : ${link}`,
      "Si votre établissement ou votre territoire prend en charge votre abonnement, vous n'avez rien à faire.",
    ],
    [
      `Your free trial ends on ${day(trialEndsAt, "en-GB")}. To go on without interruption, choose a plan (card or SEPA direct debit) at the link above.`,
    ],
  );
}

export function paymentDueMessage(
  to: string,
  reason: "trial_ended" | "payment_failed" | "period_ended" | "sponsorship_ended",
  graceEndsAt: number,
  link: string,
): MailMessage {
  const why: Record<typeof reason, [string, string]> = {
    trial_ended: ["Votre période d'essai est terminée.", "Your free trial has ended."],
    payment_failed: [
      "Le dernier paiement de votre abonnement a échoué.",
      "The last payment of your subscription failed.",
    ],
    period_ended: [
      "La période payée de votre abonnement est terminée.",
      "The paid period of your subscription has ended.",
    ],
    sponsorship_ended: [
      "L'organisation qui prenait en charge votre abonnement ne le fait plus.",
      "The organisation that paid for your subscription no longer does.",
    ],
  };
  const [whyFr, whyEn] = why[reason];
  return message(
    to,
    "paiement en attente",
    [
      whyFr,
      `Vous gardez toutes les fonctions jusqu'au ${day(graceEndsAt, "fr-FR")}. Pour régulariser : ${link}`,
      `Sans paiement à cette date : ${LAPSED_KEEPS_FR}`,
    ],
    [
      whyEn,
      `Everything keeps working until ${day(graceEndsAt, "en-GB")}. Without a payment by then: ${LAPSED_KEEPS_EN}`,
    ],
  );
}

export function graceReminderMessage(to: string, graceEndsAt: number, link: string): MailMessage {
  return message(
    to,
    "rappel : paiement en attente",
    [
      `Rappel : votre abonnement reste impayé. Sans paiement d'ici le ${day(graceEndsAt, "fr-FR")}, ${LAPSED_KEEPS_FR.charAt(0).toLowerCase()}${LAPSED_KEEPS_FR.slice(1)}`,
      `Régulariser : ${link}`,
    ],
    [
      `Reminder: your subscription is unpaid. Without a payment by ${day(graceEndsAt, "en-GB")}: ${LAPSED_KEEPS_EN}`,
    ],
  );
}

export function lapsedMessage(to: string, link: string): MailMessage {
  return message(
    to,
    "abonnement suspendu",
    [
      "Faute de paiement, votre abonnement Confrère est suspendu.",
      LAPSED_KEEPS_FR,
      `Le service reprend dès le paiement reçu : ${link}`,
    ],
    [
      "Without a payment, your Confrère subscription is suspended.",
      LAPSED_KEEPS_EN,
      "It resumes as soon as a payment arrives.",
    ],
  );
}

export function activeMessage(to: string, paidThrough: number | null, link: string): MailMessage {
  const until = paidThrough === null ? null : [day(paidThrough, "fr-FR"), day(paidThrough, "en-GB")];
  return message(
    to,
    "abonnement actif",
    [
      `Merci : votre paiement est reçu et votre abonnement est actif${until ? ` jusqu'au ${until[0]}` : ""}.`,
      `Vos factures sont disponibles ici : ${link}`,
    ],
    [
      `Thank you: your payment was received and your subscription is active${until ? ` until ${until[1]}` : ""}.`,
    ],
  );
}

export function sponsoredMessage(to: string, sponsorName: string, link: string): MailMessage {
  return message(
    to,
    "votre abonnement est pris en charge",
    [
      `${sponsorName} prend en charge votre abonnement Confrère : vous n'avez rien à payer.`,
      `Si vous aviez un abonnement personnel, vous pouvez le résilier : ${link}`,
    ],
    [
      `${sponsorName} pays for your Confrère subscription: you have nothing to pay. If you had a personal subscription, you may cancel it.`,
    ],
  );
}

export function trialResumedMessage(to: string, trialEndsAt: number, link: string): MailMessage {
  return message(
    to,
    "votre période d'essai continue",
    [
      `Votre abonnement n'est plus pris en charge ; votre période d'essai continue jusqu'au ${day(trialEndsAt, "fr-FR")}.`,
      link,
    ],
    [
      `Your subscription is no longer paid for by an organisation; your free trial goes on until ${day(trialEndsAt, "en-GB")}.`,
    ],
  );
}

export function invoiceIssuedMessage(
  to: string,
  invoice: { number: string; kind: "invoice" | "credit_note"; totalInclVatCents: number },
  link: string,
): MailMessage {
  const isCredit = invoice.kind === "credit_note";
  return message(
    to,
    isCredit ? `avoir ${invoice.number}` : `facture ${invoice.number}`,
    [
      `${isCredit ? "L'avoir" : "La facture"} ${invoice.number} d'un montant de ${euros(invoice.totalInclVatCents, "fr-FR")} TTC est disponible (PDF) : ${link}`,
    ],
    [
      `${isCredit ? "Credit note" : "Invoice"} ${invoice.number}, ${euros(invoice.totalInclVatCents, "en-GB")} including VAT, is available (PDF) at the link above.`,
    ],
  );
}
