import type { MailMessage } from "./mailer.ts";

/**
 * The e-mails of the identity review, French first with an English version below. They name no
 * RPPS/ADELI number and carry no proof: only the outcome, and the operator's reason on a refusal.
 */

export function claimApprovedMessage(to: string, link: string): MailMessage {
  return {
    to,
    subject: "Confrère : votre identité professionnelle est vérifiée",
    text: [
      "Bonjour,",
      "",
      "Un opérateur de Confrère a vérifié votre identité professionnelle : votre compte est désormais",
      "celui d'un professionnel de santé vérifié. Vous pouvez rechercher vos confrères dans l'annuaire et",
      "échanger avec eux. Le justificatif que vous aviez envoyé a été supprimé.",
      link,
      "",
      "---",
      "A Confrère operator verified your professional identity: your account is now a verified health",
      "professional's. You can search the directory and message colleagues. The proof you sent was deleted.",
    ].join("\n"),
  };
}

export function claimRejectedMessage(to: string, reason: string, link: string): MailMessage {
  return {
    to,
    subject: "Confrère : votre demande de vérification n'a pas été acceptée",
    text: [
      "Bonjour,",
      "",
      "Un opérateur de Confrère n'a pas pu vérifier votre identité professionnelle, pour la raison suivante :",
      "",
      reason,
      "",
      "Le justificatif que vous aviez envoyé a été supprimé. Vous pouvez faire une nouvelle demande",
      "avec un justificatif lisible (carte CPS ou carte professionnelle) :",
      link,
      "",
      "---",
      "A Confrère operator could not verify your professional identity, for the reason above.",
      "The proof you sent was deleted. You may make a new request with a readable proof (CPS card or",
      "professional card).",
    ].join("\n"),
  };
}

export function claimAwaitingReviewMessage(to: string, link: string): MailMessage {
  return {
    to,
    subject: "Confrère : une vérification d'identité attend votre examen",
    text: [
      "Bonjour,",
      "",
      "Un professionnel a envoyé un justificatif pour faire vérifier son identité. La demande attend",
      "dans la file des vérifications des opérateurs :",
      link,
      "",
      "---",
      "A professional sent a proof to have their identity verified; the request waits in the operators'",
      "review queue.",
    ].join("\n"),
  };
}
