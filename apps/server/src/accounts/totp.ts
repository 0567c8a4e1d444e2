import { Secret, TOTP } from "otpauth";
import QRCode from "qrcode";
import type { AppContext } from "../context.ts";

/** RFC 6238 defaults, which every authenticator app understands. */
const PERIOD_SECONDS = 30;
/** Accept the previous and next step too: phones' clocks drift. */
const WINDOW = 1;

function totpFor(secretBase32: string, label: string): TOTP {
  return new TOTP({
    issuer: "Confrère",
    label,
    algorithm: "SHA1",
    digits: 6,
    period: PERIOD_SECONDS,
    secret: Secret.fromBase32(secretBase32),
  });
}

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export async function totpEnrolment(secretBase32: string, email: string) {
  const otpauthUri = totpFor(secretBase32, email).toString();
  const qrCodeSvg = await QRCode.toString(otpauthUri, { type: "svg", errorCorrectionLevel: "M", margin: 2 });
  return { secret: secretBase32, otpauthUri, qrCodeSvg };
}

/** The current code for a secret: for `confrere-server user create` users and for tests. */
export function currentTotpCode(secretBase32: string, timestamp: number): string {
  return totpFor(secretBase32, "x").generate({ timestamp });
}

/**
 * Checks a code and returns the time step it belongs to, or null. The caller refuses a step at or
 * before the last one accepted, so a code seen over a shoulder can't be replayed (RFC 6238 §5.2).
 */
export function matchTotpStep(secretBase32: string, code: string, timestamp: number): number | null {
  const delta = totpFor(secretBase32, "x").validate({ token: code, timestamp, window: WINDOW });
  if (delta === null) return null;
  return Math.floor(timestamp / 1000 / PERIOD_SECONDS) + delta;
}

/** Verifies a confirmed TOTP credential's code and consumes its step. */
export async function verifyUserTotp(ctx: AppContext, userId: string, code: string): Promise<boolean> {
  const row = await ctx.db
    .selectFrom("totp_credentials")
    .selectAll()
    .where("user_id", "=", userId)
    .where("confirmed_at", "is not", null)
    .executeTakeFirst();
  if (!row) return false;
  const step = matchTotpStep(ctx.secretBox.open(row.secret_encrypted), code, ctx.clock.now());
  if (step === null || (row.last_used_step !== null && step <= row.last_used_step)) return false;
  // Conditional update: of two requests racing with the same code, only one moves the step.
  const result = await ctx.db
    .updateTable("totp_credentials")
    .set({ last_used_step: step })
    .where("user_id", "=", userId)
    .where((eb) => eb.or([eb("last_used_step", "is", null), eb("last_used_step", "<", step)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
