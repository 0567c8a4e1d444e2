import type { MailMessage } from "./mailer.ts";

/**
 * The e-mails Confrère sends, French first with an English version below. They carry a link and
 * nothing about patients or messages.
 */
export function verifyEmailMessage(to: string, link: string): MailMessage {
  return {
    to,
    subject: "Confrère : confirmez votre adresse e-mail",
    text: [
      "Bonjour,",
      "",
      "Pour confirmer votre adresse e-mail et continuer votre inscription sur Confrère, ouvrez ce lien (valable 48 heures) :",
      link,
      "",
      "Si vous n'êtes pas à l'origine de cette inscription, ignorez ce message.",
      "",
      "---",
      "To confirm your e-mail address and continue signing up to Confrère, open the link above (valid 48 hours).",
    ].join("\n"),
  };
}

export function passwordResetMessage(to: string, link: string): MailMessage {
  return {
    to,
    subject: "Confrère : réinitialisation de votre mot de passe",
    text: [
      "Bonjour,",
      "",
      "Une réinitialisation du mot de passe de votre compte Confrère a été demandée. Ouvrez ce lien (valable 1 heure) ;",
      "votre second facteur (application d'authentification, clé d'accès ou code de secours) vous sera demandé :",
      link,
      "",
      "Si vous n'avez rien demandé, ignorez ce message : votre mot de passe reste inchangé.",
      "",
      "---",
      "A password reset was requested for your Confrère account. Open the link above (valid 1 hour); your second factor will be asked for.",
    ].join("\n"),
  };
}

export function passwordChangedMessage(to: string): MailMessage {
  return {
    to,
    subject: "Confrère : votre mot de passe a été modifié",
    text: [
      "Bonjour,",
      "",
      "Le mot de passe de votre compte Confrère vient d'être modifié, et vos autres sessions ont été fermées.",
      "Si ce n'était pas vous, réinitialisez-le immédiatement et prévenez l'assistance.",
      "",
      "---",
      "Your Confrère password was just changed and your other sessions were closed. If this was not you, reset it now.",
    ].join("\n"),
  };
}

export function alreadyRegisteredMessage(to: string, loginLink: string, resetLink: string): MailMessage {
  return {
    to,
    subject: "Confrère : vous avez déjà un compte",
    text: [
      "Bonjour,",
      "",
      "Quelqu'un (peut-être vous) a voulu créer un compte Confrère avec cette adresse, qui en a déjà un.",
      `Pour vous connecter : ${loginLink}`,
      `Mot de passe oublié : ${resetLink}`,
      "",
      "Si ce n'était pas vous, vous pouvez ignorer ce message.",
      "",
      "---",
      "Someone (maybe you) tried to sign up to Confrère with this address, which already has an account.",
    ].join("\n"),
  };
}
