import type { MailMessage } from "./mailer.ts";

function frenchDate(ms: number): string {
  return new Date(ms).toLocaleDateString("fr-FR", { timeZone: "Europe/Paris", dateStyle: "long" });
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * "Export this conversation before <date>": sent once per batch of content about to expire. It
 * carries a link to the conversation in the app and a date, never a name, a message or a patient
 * datum (CSP L1110-4; notifications carry no patient data).
 */
export function retentionReminderMessage(to: string, link: string, expiresAt: number): MailMessage {
  return {
    to,
    subject: `Confrère : des messages d'une conversation seront supprimés le ${frenchDate(expiresAt)}`,
    text: [
      "Bonjour,",
      "",
      `Selon la durée de conservation de votre organisation, des messages et pièces jointes d'une de vos conversations seront supprimés du serveur à partir du ${frenchDate(expiresAt)}, ainsi que de vos appareils.`,
      "Si certains doivent rejoindre le dossier du patient, exportez-les avant cette date depuis la conversation :",
      link,
      "",
      "---",
      `Under your organisation's retention policy, messages and attachments of one of your conversations will be deleted from the server, and from your devices, from ${isoDate(expiresAt)}.`,
      "If some belong in the patient's record, export them before that date from the conversation (link above).",
    ].join("\n"),
  };
}
