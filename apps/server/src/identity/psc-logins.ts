import type { PscProfessional, PscPurpose } from "@confrere/protocol";
import { hashToken, newId, newToken } from "../accounts/tokens.ts";
import { DAY, MINUTE } from "../clock.ts";
import type { AppContext } from "../context.ts";
import type { PscLoginsTable } from "../db/schema-pro-sante-connect.ts";
import type { PscRequestChecks } from "./psc-client.ts";

/** Time to log in at PSC, from the start to the callback. */
export const PSC_STATE_TTL_MS = 10 * MINUTE;
/** Time for the web app to redeem the ticket it found in its URL. */
export const PSC_TICKET_TTL_MS = 5 * MINUTE;
/** Finished or abandoned round trips are kept this long (for support), then purged. */
const PSC_LOGIN_RETENTION_MS = DAY;

/** What the callback decided, kept under the ticket until the web app redeems it. */
export type PscOutcome =
  | { outcome: "logged_in"; userId: string }
  | { outcome: "linked"; userId: string }
  | { outcome: "no_account"; professional: PscProfessional };

/** Records a started round trip: the state hashed, the PKCE verifier sealed. */
export async function createPscLogin(
  ctx: AppContext,
  checks: PscRequestChecks,
  input: { purpose: PscPurpose; userId: string | null; deviceName: string | null },
): Promise<void> {
  const now = ctx.clock.now();
  await ctx.db
    .deleteFrom("psc_logins")
    .where("created_at", "<", now - PSC_LOGIN_RETENTION_MS)
    .execute();
  await ctx.db
    .insertInto("psc_logins")
    .values({
      id: newId(),
      state_hash: hashToken(checks.state),
      nonce: checks.nonce,
      code_verifier_sealed: ctx.secretBox.seal(checks.codeVerifier),
      purpose: input.purpose,
      user_id: input.userId,
      device_name: input.deviceName,
      created_at: now,
      expires_at: now + PSC_STATE_TTL_MS,
      used_at: null,
      outcome: null,
      professional_sealed: null,
      ticket_hash: null,
      ticket_expires_at: null,
      ticket_used_at: null,
    })
    .execute();
}

/**
 * Consumes a state: the row is marked used in the same statement that checks it is unused and
 * unexpired, so two callbacks racing with one state cannot both pass. Null for an unknown,
 * replayed or expired state.
 */
export async function consumePscState(
  ctx: AppContext,
  state: string,
): Promise<{ row: PscLoginsTable; checks: PscRequestChecks } | null> {
  const now = ctx.clock.now();
  const stateHash = hashToken(state);
  const consumed = await ctx.db
    .updateTable("psc_logins")
    .set({ used_at: now })
    .where("state_hash", "=", stateHash)
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  if (Number(consumed.numUpdatedRows) !== 1) return null;
  const row = await ctx.db
    .selectFrom("psc_logins")
    .selectAll()
    .where("state_hash", "=", stateHash)
    .executeTakeFirstOrThrow();
  return {
    row,
    checks: { state, nonce: row.nonce, codeVerifier: ctx.secretBox.open(row.code_verifier_sealed) },
  };
}

/** Stores the callback's outcome under a new single-use ticket and returns the ticket. */
export async function issuePscTicket(ctx: AppContext, loginId: string, result: PscOutcome): Promise<string> {
  const now = ctx.clock.now();
  const ticket = newToken();
  await ctx.db
    .updateTable("psc_logins")
    .set({
      outcome: result.outcome,
      user_id: result.outcome === "no_account" ? null : result.userId,
      professional_sealed:
        result.outcome === "no_account" ? ctx.secretBox.seal(JSON.stringify(result.professional)) : null,
      ticket_hash: hashToken(ticket),
      ticket_expires_at: now + PSC_TICKET_TTL_MS,
    })
    .where("id", "=", loginId)
    .execute();
  return ticket;
}

/** Redeems a ticket once, before it expires: the outcome, and the device name of a login. Null otherwise. */
export async function redeemPscTicket(
  ctx: AppContext,
  ticket: string,
): Promise<{ result: PscOutcome; deviceName: string | null } | null> {
  const now = ctx.clock.now();
  const ticketHash = hashToken(ticket);
  const redeemed = await ctx.db
    .updateTable("psc_logins")
    .set({ ticket_used_at: now })
    .where("ticket_hash", "=", ticketHash)
    .where("ticket_used_at", "is", null)
    .where("ticket_expires_at", ">", now)
    .executeTakeFirst();
  if (Number(redeemed.numUpdatedRows) !== 1) return null;
  const row = await ctx.db
    .selectFrom("psc_logins")
    .select(["outcome", "user_id", "device_name", "professional_sealed"])
    .where("ticket_hash", "=", ticketHash)
    .executeTakeFirstOrThrow();
  if (row.outcome === "no_account" && row.professional_sealed !== null) {
    const professional = JSON.parse(ctx.secretBox.open(row.professional_sealed)) as PscProfessional;
    return { result: { outcome: "no_account", professional }, deviceName: null };
  }
  if ((row.outcome === "logged_in" || row.outcome === "linked") && row.user_id !== null) {
    return { result: { outcome: row.outcome, userId: row.user_id }, deviceName: row.device_name };
  }
  return null;
}
