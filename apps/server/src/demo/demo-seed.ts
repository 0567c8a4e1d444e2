/**
 * `confrere-server start --demo`: a fictional directory and a few demo professionals with known
 * logins, so that a newcomer can sign in as two doctors in two browser windows and talk.
 *
 * Seeding is idempotent: a second start on the same data finds the accounts and prints the same
 * logins (the TOTP secrets are read back from the database, where they are sealed with the server
 * secret). Every account goes through the roads a real one takes: `provisionUser` (e-mail verified,
 * TOTP enrolled), `linkProfessional` (directory link, verified identity) and `ensureSubscription`
 * (the trial that lets them start conversations).
 */
import path from "node:path";
import { hashPassword, verifyPassword } from "../accounts/password-hash.ts";
import { provisionUser } from "../accounts/provision-user.ts";
import { newTotpSecret, totpEnrolment } from "../accounts/totp.ts";
import { ensureSubscription } from "../billing/subscriptions.ts";
import type { AppContext } from "../context.ts";
import { importDirectory } from "../directory/directory-import.ts";
import { linkProfessional } from "../identity/professional-link.ts";
import { assertDemoAllowed } from "./demo-guard.ts";

/**
 * A copy of the shared fictional Annuaire Santé fixture (every person, address and number made up;
 * RPPS numbers with valid Luhn keys), shipped with the server so the demo needs nothing else.
 */
export const DEMO_ANNUAIRE_FILE = path.join(import.meta.dirname, "PS_LibreAcces_Personne_activite_demo.txt");

/** `.invalid` is reserved (RFC 2606 §2): no mail to these addresses can ever reach anyone. */
export const DEMO_EMAIL_DOMAIN = "demo.confrere.invalid";

/**
 * One password for every demo account: printed at start and in the README. Safe only because the
 * demo refuses to run in production.
 */
export const DEMO_PASSWORD = "Confrere-demo-2026";

export interface DemoProfessional {
  /** `8` + RPPS of the fixture's row. */
  nationalId: string;
  email: string;
  displayName: string;
  /** What the banner says they are, French then English. */
  role: { fr: string; en: string };
}

/** Two doctors to talk to each other, a specialist to ask, a nurse: the everyday triangle. */
export const DEMO_PROFESSIONALS: readonly DemoProfessional[] = [
  {
    nationalId: "810255831793",
    email: `chloe.durand@${DEMO_EMAIL_DOMAIN}`,
    displayName: "Dr Chloé Durand (démo)",
    role: { fr: "Médecin généraliste, Saint-Denis", en: "General practitioner" },
  },
  {
    nationalId: "810785900399",
    email: `lea.leroy@${DEMO_EMAIL_DOMAIN}`,
    displayName: "Dr Léa Leroy (démo)",
    role: { fr: "Cardiologue, Le Creusot", en: "Cardiologist" },
  },
  {
    nationalId: "810311327232",
    email: `noe.laurent@${DEMO_EMAIL_DOMAIN}`,
    displayName: "Noé Laurent, IDE (démo)",
    role: { fr: "Infirmière, Tonnerre", en: "Nurse" },
  },
];

export interface DemoLogin {
  userId: string;
  email: string;
  password: string;
  displayName: string;
  role: { fr: string; en: string };
  totpSecret: string;
  otpauthUri: string;
}

export interface DemoSeed {
  logins: DemoLogin[];
  /** Whether this start imported the fictional directory (false: it was there already). */
  importedDirectory: boolean;
  /** Accounts created by this start (0 on a second start). */
  createdAccounts: number;
}

/** Imports the fictional directory (unless its demo professionals are there), then ensures each account. */
export async function seedDemo(ctx: AppContext, annuaireFile = DEMO_ANNUAIRE_FILE): Promise<DemoSeed> {
  assertDemoAllowed(ctx.config.isProduction);
  const present = await ctx.db
    .selectFrom("directory_professionals")
    .select("national_id")
    .where(
      "national_id",
      "in",
      DEMO_PROFESSIONALS.map((p) => p.nationalId),
    )
    .where("is_active", "=", 1)
    .execute();
  const importedDirectory = present.length < DEMO_PROFESSIONALS.length;
  // Never deactivate: the demo may share a data directory with a real (or another) directory.
  if (importedDirectory) await importDirectory(ctx, [annuaireFile], { deactivateMissing: false });

  const logins: DemoLogin[] = [];
  let createdAccounts = 0;
  for (const professional of DEMO_PROFESSIONALS) {
    const { login, created } = await ensureDemoAccount(ctx, professional);
    logins.push(login);
    if (created) createdAccounts++;
  }
  await ctx.audit.record({
    action: "demo.seeded",
    targetType: "demo",
    detail: { professionals: logins.length, createdAccounts, importedDirectory },
  });
  return { logins, importedDirectory, createdAccounts };
}

async function ensureDemoAccount(
  ctx: AppContext,
  professional: DemoProfessional,
): Promise<{ login: DemoLogin; created: boolean }> {
  const existing = await ctx.db
    .selectFrom("users")
    .select(["id", "password_hash", "national_id"])
    .where("email", "=", professional.email)
    .executeTakeFirst();
  let userId: string;
  if (existing) {
    userId = existing.id;
    // Someone changed it while trying the demo: put the printed one back, so the banner stays true.
    if (!(await verifyPassword(existing.password_hash, DEMO_PASSWORD))) {
      await ctx.db
        .updateTable("users")
        .set({ password_hash: await hashPassword(DEMO_PASSWORD), updated_at: ctx.clock.now() })
        .where("id", "=", userId)
        .execute();
    }
  } else {
    const user = await provisionUser(ctx, {
      email: professional.email,
      password: DEMO_PASSWORD,
      displayName: professional.displayName,
      operator: false,
      verified: false,
    });
    userId = user.userId;
  }
  if (existing?.national_id !== professional.nationalId) {
    // The operator road: the demo vouches for its own fictional professionals.
    await linkProfessional(ctx, userId, professional.nationalId, { actorId: null, method: "operator" });
  }
  await ensureSubscription(ctx, userId);
  const totpSecret = await demoTotpSecret(ctx, userId);
  const { otpauthUri } = await totpEnrolment(totpSecret, professional.email);
  return {
    login: {
      userId,
      email: professional.email,
      password: DEMO_PASSWORD,
      displayName: professional.displayName,
      role: professional.role,
      totpSecret,
      otpauthUri,
    },
    created: !existing,
  };
}

/** The account's confirmed TOTP secret, enrolling a new one if it was removed. */
async function demoTotpSecret(ctx: AppContext, userId: string): Promise<string> {
  const row = await ctx.db
    .selectFrom("totp_credentials")
    .select(["secret_encrypted", "confirmed_at"])
    .where("user_id", "=", userId)
    .executeTakeFirst();
  if (row && row.confirmed_at !== null) return ctx.secretBox.open(row.secret_encrypted);
  const secret = newTotpSecret();
  const now = ctx.clock.now();
  await ctx.db.deleteFrom("totp_credentials").where("user_id", "=", userId).execute();
  await ctx.db
    .insertInto("totp_credentials")
    .values({
      user_id: userId,
      secret_encrypted: ctx.secretBox.seal(secret),
      confirmed_at: now,
      last_used_step: null,
      created_at: now,
    })
    .execute();
  return secret;
}
