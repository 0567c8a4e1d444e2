import type { DemoSeed } from "./demo-seed.ts";

const RULE = "═".repeat(78);

/**
 * What `start --demo` prints: French first, English second, the URL and every login. The labels
 * are stable (`E-mail:`, `Mot de passe / Password:`, `Secret TOTP / TOTP secret:`, `otpauth:`):
 * the demo test reads the logins from them.
 */
export function demoBanner(url: string, seed: DemoSeed): string {
  const lines = [
    RULE,
    "  Confrère — MODE DÉMO / DEMO MODE",
    "",
    "  Annuaire et professionnels fictifs : n'y saisissez aucune donnée réelle de patient.",
    "  Fictional directory and professionals: never enter real patient data here.",
    "",
    `  Ouvrez / Open: ${url}`,
    "  Connectez-vous avec deux comptes, dans deux fenêtres (dont une privée), et échangez.",
    "  Log in as two of them, in two browser windows (one private), and talk.",
    "  Code à 6 chiffres : ajoutez le secret TOTP (ou l'URI otpauth) à une application d'authentification.",
    "  6-digit code: add the TOTP secret (or the otpauth URI) to an authenticator app.",
    "",
  ];
  for (const login of seed.logins) {
    lines.push(
      `  ${login.displayName} — ${login.role.fr} / ${login.role.en}`,
      `    E-mail: ${login.email}`,
      `    Mot de passe / Password: ${login.password}`,
      `    Secret TOTP / TOTP secret: ${login.totpSecret}`,
      `    otpauth: ${login.otpauthUri}`,
      "",
    );
  }
  lines.push(
    seed.createdAccounts > 0
      ? `  ${seed.createdAccounts} compte(s) de démo créé(s) / demo account(s) created.`
      : "  Comptes de démo déjà présents / demo accounts already there.",
    RULE,
  );
  return lines.join("\n");
}
