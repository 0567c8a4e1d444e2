/** One entry per command: its synopsis and what it does. `confrere help` prints them all. */
const commands: Record<string, { synopsis: string; summary: string }> = {
  login: {
    synopsis:
      "confrere login --server URL --email E --password-stdin [--totp CODE | --totp-secret S | --recovery-code C] [--device-name N] [--json]",
    summary:
      "log in (password read from standard input) and enrol this computer as a messaging device; " +
      "--totp-secret computes the code from the secret of your authenticator app",
  },
  logout: {
    synopsis: "confrere logout",
    summary: "end the session on the server and wipe the local keys and history",
  },
  whoami: {
    synopsis: "confrere whoami [--json]",
    summary: "show the account, device and server of the local state",
  },
  send: {
    synopsis:
      "confrere send (--to EMAIL_OR_USER_ID | --conversation ID) (--text T | --file PATH [--text CAPTION] [--mime-type M]) [--urgent [--renotify-after MIN]] [--json]",
    summary: "send a message or a file, end-to-end encrypted; --to opens or reuses the direct conversation",
  },
  "group create": {
    synopsis: "confrere group create --name N --member EMAIL [--member EMAIL ...] [--json]",
    summary: "create a group (its name stays inside the encryption) and print its conversation id",
  },
  "group add": {
    synopsis: "confrere group add --conversation ID --member EMAIL [--member EMAIL ...] [--json]",
    summary: "add people to a group (admins only)",
  },
  "group remove": {
    synopsis: "confrere group remove --conversation ID --member EMAIL [--json]",
    summary: "remove someone from a group (admins only)",
  },
  "group leave": {
    synopsis: "confrere group leave --conversation ID [--json]",
    summary: "leave a group",
  },
  conversations: {
    synopsis: "confrere conversations [--json]",
    summary: "list your conversations with their members and unread counts",
  },
  messages: {
    synopsis: "confrere messages --conversation ID [--mark-read] [--json]",
    summary:
      "show a conversation's decrypted history with delivery states of your messages; " +
      "--mark-read sends read receipts for what you have not read yet",
  },
  sync: {
    synopsis: "confrere sync [--json]",
    summary: "fetch and decrypt what is new, and print it",
  },
  download: {
    synopsis: "confrere download --conversation ID --message ID --out PATH [--json]",
    summary: "download and decrypt a message's file (--out - writes it to standard output)",
  },
  "safety-code": {
    synopsis: "confrere safety-code --with EMAIL_OR_USER_ID [--json]",
    summary: "the 60-digit code to compare with a colleague, in person or by phone",
  },
  "directory search": {
    synopsis:
      "confrere directory search QUERY [--profession CODE] [--specialty CODE] [--departement CODE] [--territory ID] [--limit N] [--json]",
    summary:
      "search the professional directory (Annuaire Santé): names, professions, specialties, communes; " +
      "each line says whether the person is on Confrère (verified professionals only)",
  },
  invite: {
    synopsis: "confrere invite EMAIL [--organisation ID --national-id ID] [--json]",
    summary:
      "invite a colleague who is not on Confrère yet by e-mail; an organisation's administrator " +
      "vouches for a professional of the directory with --organisation and --national-id",
  },
  // Availability, urgent messages and on-call
  "availability show": {
    synopsis: "confrere availability show [--json]",
    summary: "show your status, working hours (Europe/Paris) and whether notifications reach you now",
  },
  "availability set": {
    synopsis:
      'confrere availability set --status available|in_consultation|away|on_call [--until ISO] [--hours "mon-fri 08:00-18:00" | --hours none] [--json]',
    summary:
      "set your status; plain notifications are held while away, in consultation or outside your hours",
  },
  "urgent list": {
    synopsis: "confrere urgent list [--json]",
    summary: "list the urgent messages awaiting your acknowledgement",
  },
  "urgent ack": {
    synopsis: "confrere urgent ack --alert ID [--json]",
    summary: "acknowledge an urgent message (stops its re-notification)",
  },
  "oncall show": {
    synopsis: "confrere oncall show --service ID [--json]",
    summary: "a service's on-call schedule, escalation delay and backup, and who is on call now",
  },
  "oncall set": {
    synopsis:
      "confrere oncall set --service ID --escalation MINUTES [--backup SERVICE_ID|none] [--shift EMAIL_OR_USER_ID,START,END ...] [--json]",
    summary:
      "replace a service's on-call schedule (its administrators): requests go to whoever is on call, the rest of the roster after MINUTES without an answer",
  },
  "me export": {
    synopsis: "confrere me export --out FILE [--json]",
    summary:
      "download everything the server holds about your account (RGPD) as a JSON file (--out - prints it); " +
      "messages are not in it: the server never had them in clear",
  },
  "me delete": {
    synopsis: "confrere me delete --password-stdin [--totp CODE | --recovery-code C] --yes [--json]",
    summary:
      "delete your account everywhere (password from standard input, and your second factor code); " +
      "without --yes, says what would be deleted and stops",
  },
  "case open": {
    synopsis:
      "confrere case open --conversation ID --patient-file PATIENT.json [--consent informed|consented] [--title T] [--json]",
    summary:
      "open a patient case in a conversation; PATIENT.json holds the INS and the five traits (or a label), " +
      "which travel end-to-end encrypted only",
  },
  "case export": {
    synopsis: "confrere case export --case ID --format pdf|fhir --out PATH [--json]",
    summary: "export a case for the patient record, made on this device: a PDF report or a FHIR R4 Bundle",
  },
  "case list": {
    synopsis: "confrere case list [--search TEXT] [--json]",
    summary: "list the patient cases this device can read, or find them by name, INS or label",
  },
  // Télé-expertise
  "expertise request": {
    synopsis:
      "confrere expertise request --to EMAIL_OR_USER_ID|service:ID_OR_WORDS --question T [--context T] [--urgent] [--case ID] [--json]",
    summary:
      "ask a colleague, or a service (service:ID, or service:WORDS of its name and establishment), for a " +
      "télé-expertise; with --case, in the case's conversation; the question and context travel end-to-end encrypted",
  },
  "expertise accept": {
    synopsis: "confrere expertise accept --id ID [--json]",
    summary: "accept a request sent to you or to your service (you become its requis)",
  },
  "expertise decline": {
    synopsis: "confrere expertise decline --id ID --reason R [--json]",
    summary: "decline a request; the reason travels end-to-end encrypted",
  },
  "expertise answer": {
    synopsis: "confrere expertise answer --id ID --conclusion T [--json]",
    summary: "send your conclusion on an accepted request (end-to-end encrypted)",
  },
  "expertise close": {
    synopsis: "confrere expertise close --id ID [--json]",
    summary: "close an answered or declined request (requérant or requis)",
  },
  "expertise list": {
    synopsis: "confrere expertise list [--role requerant|requis] [--state S] [--json]",
    summary: "list your télé-expertise requests, newest first",
  },
  "expertise show": {
    synopsis: "confrere expertise show --id ID [--json]",
    summary:
      "show a request, its conclusion and the billing advice: TE2/RQD at its date, the yearly limit of 4 " +
      "per patient and requis, the same-site warning",
  },
  // Retention and legal holds
  "retention show": {
    synopsis: "confrere retention show --organisation ID [--json]",
    summary:
      "how long the server keeps the organisation's messages and files: its own period or the platform " +
      "default (its administrators)",
  },
  "retention set": {
    synopsis: "confrere retention set --organisation ID (--days N | --default) [--json]",
    summary:
      "set how long the server keeps the organisation's messages and files, 7 to 3650 days, or --default " +
      "to follow the platform's (its administrators)",
  },
  "legal-hold list": {
    synopsis: "confrere legal-hold list [--json]",
    summary: "list the conversations under a legal hold: reason, who placed it and when (operators)",
  },
  "legal-hold place": {
    synopsis:
      "confrere legal-hold place --conversation ID --reason litigation|regulatory_inquiry|patient_request|other [--json]",
    summary: "suspend a conversation's expiry until the hold is lifted (operators)",
  },
  "legal-hold lift": {
    synopsis: "confrere legal-hold lift --conversation ID [--json]",
    summary: "lift a conversation's legal hold: its expired content goes at the next purge (operators)",
  },
  help: { synopsis: "confrere help [COMMAND]", summary: "show this help, or one command's" },
};

const footer = `Every command takes --home DIR: the local state (default $CONFRERE_HOME, else ~/.config/confrere).
Exit codes: 0 ok, 1 failure, 64 wrong arguments, 69 server unreachable, 77 not logged in or session expired.`;

export function usageOf(command: string): string {
  const entry = commands[command];
  if (!entry) return fullUsage();
  return `Usage: ${entry.synopsis}\n  ${entry.summary}\n\n${footer}`;
}

export function fullUsage(): string {
  const lines = Object.values(commands).map((c) => `  ${c.synopsis}\n      ${c.summary}`);
  return `confrere: the Confrère command-line client (end-to-end encrypted messaging)\n\nUsage:\n${lines.join("\n")}\n\n${footer}`;
}

export function isCommand(command: string): boolean {
  return command in commands;
}
