import type { MailMessage } from "./mailer.ts";

/** Who invites, as the invitation e-mails name them. */
export interface InvitationSender {
  /** The inviter's display name ("Dr Marie Martin"). */
  inviterName: string;
  /** The establishment or territory that vouches, for an administrator's invitation. */
  organisationName: string | null;
}

/**
 * The invitation to sign up: who invites, the organisation that vouches (if any), the link and how
 * long it works. French first, English below. Nothing about patients, and not the inviter's note:
 * free text could carry patient data, and e-mails never do.
 */
export function invitationMessage(
  to: string,
  sender: InvitationSender,
  link: string,
  validityDays: number,
): MailMessage {
  const { inviterName, organisationName } = sender;
  return {
    to,
    subject: `Confrère : ${inviterName} vous invite à rejoindre la messagerie des professionnels de santé`,
    text: [
      "Bonjour,",
      "",
      organisationName
        ? `${inviterName}, pour ${organisationName}, vous invite à rejoindre Confrère, la messagerie sécurisée des professionnels de santé.`
        : `${inviterName} vous invite à rejoindre Confrère, la messagerie sécurisée des professionnels de santé.`,
      ...(organisationName
        ? [
            `${organisationName} se porte garant de votre identité professionnelle : votre compte sera vérifié dès sa création.`,
          ]
        : []),
      "",
      `Pour créer votre compte, ouvrez ce lien (valable ${validityDays} jours) :`,
      link,
      "",
      "Vous choisirez un mot de passe, puis un second facteur (application d'authentification ou clé d'accès), obligatoire pour tous les comptes.",
      "Si vous ne connaissez pas cette personne, ignorez ce message : aucun compte ne sera créé.",
      "",
      "---",
      organisationName
        ? `${inviterName}, for ${organisationName}, invites you to Confrère, the secure messenger of health professionals; ${organisationName} vouches for your professional identity, so your account will be verified as soon as it is created.`
        : `${inviterName} invites you to Confrère, the secure messenger of health professionals.`,
      `To create your account, open the link above (valid ${validityDays} days); you will choose a password, then a second factor (authenticator app or passkey), required for every account.`,
      "If you do not know this person, ignore this message: no account will be created.",
    ].join("\n"),
  };
}

/**
 * Sent instead of the invitation when the address already has an account: the inviter is not told
 * (their answer is the same), the mailbox owner learns a colleague wants to reach them.
 */
export function invitedButRegisteredMessage(
  to: string,
  sender: InvitationSender,
  loginLink: string,
): MailMessage {
  const { inviterName, organisationName } = sender;
  const who = organisationName ? `${inviterName} (${organisationName})` : inviterName;
  return {
    to,
    subject: `Confrère : ${inviterName} souhaite vous joindre`,
    text: [
      "Bonjour,",
      "",
      `${who} a voulu vous inviter sur Confrère. Vous y avez déjà un compte avec cette adresse :`,
      `connectez-vous pour échanger avec vos confrères : ${loginLink}`,
      "",
      "Si vous ne connaissez pas cette personne, vous pouvez ignorer ce message.",
      "",
      "---",
      `${who} wanted to invite you to Confrère. You already have an account with this address: log in (link above) to reach your colleagues.`,
    ].join("\n"),
  };
}

/**
 * An organisation's invitation to an address that already has an account: the holder logs in and
 * accepts from the link, which links their account to the professional vouched for (if it is not
 * yet verified) and makes it a member. The inviter is not told the address is registered.
 */
export function vouchedButRegisteredMessage(
  to: string,
  sender: InvitationSender & { organisationName: string },
  link: string,
  validityDays: number,
): MailMessage {
  const { inviterName, organisationName } = sender;
  return {
    to,
    subject: `Confrère : ${organisationName} vous invite à la rejoindre`,
    text: [
      "Bonjour,",
      "",
      `${inviterName}, pour ${organisationName}, vous invite à rejoindre ${organisationName} sur Confrère et se porte garant de votre identité professionnelle.`,
      "Vous avez déjà un compte Confrère avec cette adresse : connectez-vous pour accepter l'invitation,",
      `puis ouvrez ce lien (valable ${validityDays} jours) :`,
      link,
      "",
      "Si votre compte n'est pas encore vérifié, il le sera en acceptant. Si vous ne connaissez pas cette personne, ignorez ce message.",
      "",
      "---",
      `${inviterName}, for ${organisationName}, invites you to join ${organisationName} on Confrère and vouches for your professional identity.`,
      `You already have a Confrère account with this address: log in to accept the invitation, then open the link above (valid ${validityDays} days). If your account is not verified yet, accepting verifies it. If you do not know this person, ignore this message.`,
    ].join("\n"),
  };
}
