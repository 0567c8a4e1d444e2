import {
  ConfrereError,
  ErrorCode,
  type PscCallbackQuery,
  type PscCompleteResponse,
  type PscPurpose,
} from "@confrere/protocol";
import { openSession } from "../accounts/sessions.ts";
import { safeEqual } from "../accounts/tokens.ts";
import { loadAccount } from "../accounts/users.ts";
import type { AppContext } from "../context.ts";
import { linkProfessional } from "./professional-link.ts";
import { PSC_ACR, PscClient } from "./psc-client.ts";
import {
  consumePscState,
  createPscLogin,
  issuePscTicket,
  type PscOutcome,
  redeemPscTicket,
} from "./psc-logins.ts";

/** Where PSC sends the browser back: registered with PSC as the client's redirect URI. */
export const PSC_CALLBACK_PATH = "/api/v1/psc/callback";
/** The web app's page that redeems the ticket (or shows the error) after the callback. */
export const PSC_COMPLETE_PAGE = "/psc/complete";

/**
 * Pro Santé Connect, the national OpenID Connect login of health professionals (DOMAIN.md): a
 * round trip to PSC proves who the professional is (`SubjectNameID`, their national id), so it
 * can link an account to its directory professional, or log into the account already linked.
 *
 * 1. `start` stores the state (hashed), nonce and PKCE verifier (sealed) and gives PSC's URL;
 * 2. `callback` consumes the state once, exchanges the code, checks the ID token and its `acr`,
 *    reads userinfo, links or finds the account, and stores the outcome under a single-use ticket;
 * 3. `complete` redeems the ticket; a login's session is opened only then, so no session token is
 *    ever stored, nor put in a URL.
 */
export class ProSanteConnect {
  private readonly client: PscClient | null;

  constructor(private readonly ctx: AppContext) {
    const settings = ctx.config.psc;
    this.client = settings
      ? new PscClient(settings, `${ctx.config.publicUrl}${PSC_CALLBACK_PATH}`, ctx.logger)
      : null;
  }

  get isEnabled(): boolean {
    return this.client !== null;
  }

  /** Starts a round trip; returns PSC's authorization URL and the state (the browser keeps it in a cookie). */
  async start(input: {
    purpose: PscPurpose;
    userId: string | null;
    deviceName: string | null;
  }): Promise<{ authorizationUrl: string; state: string }> {
    const client = this.requireClient("startPsc");
    const checks = PscClient.newChecks();
    // Built before the row is written: when PSC is unreachable nothing is stored.
    const authorizationUrl = await client.authorizationUrl(checks);
    await createPscLogin(this.ctx, checks, input);
    return { authorizationUrl, state: checks.state };
  }

  /**
   * Handles PSC's redirect. `callbackUrl` is the redirect URI with the query as received;
   * `browserState` is the state the starting browser kept in its cookie: a callback that lands in
   * another browser (a link sent to a victim, to attach their identity to someone else's account)
   * is refused. Returns the ticket; every refusal is audited and thrown.
   */
  async callback(
    query: PscCallbackQuery,
    callbackUrl: URL,
    browserState: string | null,
    ip: string | null,
  ): Promise<string> {
    const client = this.requireClient("pscCallback");
    const consumed = await consumePscState(this.ctx, query.state);
    if (!consumed) {
      await this.refused(ErrorCode.PSC_STATE_INVALID, { ip, purpose: null, userId: null });
      throw stateInvalid();
    }
    const { row, checks } = consumed;
    const context = { ip, purpose: row.purpose, userId: row.user_id };
    try {
      if (browserState === null || !safeEqual(browserState, query.state)) throw stateInvalid();
      if (query.error !== undefined) {
        throw new ConfrereError(
          ErrorCode.PSC_PROVIDER_ERROR,
          400,
          "pscCallback: Pro Santé Connect did not confirm your identity (cancelled or refused); start again",
          { providerError: /^[a-z_]{1,64}$/.test(query.error) ? query.error : "other" },
        );
      }
      if (query.code === undefined) {
        throw new ConfrereError(
          ErrorCode.PSC_RESPONSE_INVALID,
          400,
          "pscCallback: Pro Santé Connect sent no authorization code; start again",
        );
      }
      const identity = await client.identify(callbackUrl, checks);
      // eIDAS "substantial" (e-CPS or CPS card) is what makes a PSC login a proof of identity.
      if (identity.acr !== PSC_ACR) {
        throw new ConfrereError(
          ErrorCode.PSC_ACR_INSUFFICIENT,
          403,
          "pscCallback: Pro Santé Connect authenticated you below the level required (eIDAS substantial); log in with your e-CPS or your CPS card",
        );
      }
      let outcome: PscOutcome;
      if (row.purpose === "link") {
        if (row.user_id === null) throw stateInvalid();
        await linkProfessional(this.ctx, row.user_id, identity.nationalId, {
          actorId: null,
          method: "psc",
          ip,
        });
        outcome = { outcome: "linked", userId: row.user_id };
      } else {
        outcome = await this.findAccount(identity);
      }
      return await issuePscTicket(this.ctx, row.id, outcome);
    } catch (error) {
      if (error instanceof ConfrereError) await this.refused(error.code, context, error.details);
      throw error;
    }
  }

  /** Redeems a ticket: the outcome of the callback, with a new full session for a login. */
  async complete(ticket: string, ip: string | null): Promise<PscCompleteResponse> {
    this.requireClient("completePsc");
    const redeemed = await redeemPscTicket(this.ctx, ticket);
    if (!redeemed) {
      throw new ConfrereError(
        ErrorCode.PSC_TICKET_INVALID,
        400,
        "completePsc: this Pro Santé Connect login was already completed or has expired; start again",
      );
    }
    const { result, deviceName } = redeemed;
    if (result.outcome === "no_account") return result;
    if (result.outcome === "linked") {
      return { outcome: "linked", account: await loadAccount(this.ctx.db, result.userId) };
    }
    const user = await this.ctx.db
      .selectFrom("users")
      .select("suspended_at")
      .where("id", "=", result.userId)
      .executeTakeFirst();
    // Checked again: the account may have been suspended since the callback.
    if (!user || user.suspended_at !== null) throw suspended("completePsc");
    // PSC authenticates at eIDAS "substantial" with the e-CPS app or the CPS card, which are
    // themselves strong two-factor authentications (ANS référentiel d'identification
    // électronique): they stand in for our second factor, so the session is full at once.
    const session = await openSession(this.ctx, this.ctx.db, {
      userId: result.userId,
      deviceName: deviceName ?? undefined,
      scope: "full",
      ip,
    });
    await this.ctx.audit.record({
      action: "auth.login_succeeded",
      actorId: result.userId,
      targetType: "session",
      targetId: session.sessionId,
      ip,
      deviceId: session.deviceId,
      detail: { method: "psc" },
    });
    return { outcome: "logged_in", session, account: await loadAccount(this.ctx.db, result.userId) };
  }

  /** A login: the account linked to this professional, if any, and whether it may log in. */
  private async findAccount(identity: {
    nationalId: string;
    firstName: string;
    lastName: string;
  }): Promise<PscOutcome> {
    const user = await this.ctx.db
      .selectFrom("users")
      .select(["id", "suspended_at", "email_verified_at"])
      .where("national_id", "=", identity.nationalId)
      .executeTakeFirst();
    if (!user) {
      const { nationalId, firstName, lastName } = identity;
      return { outcome: "no_account", professional: { nationalId, firstName, lastName } };
    }
    if (user.suspended_at !== null) throw suspended("pscCallback");
    if (user.email_verified_at === null) {
      throw new ConfrereError(
        ErrorCode.AUTH_EMAIL_UNVERIFIED,
        403,
        "pscCallback: confirm your e-mail address first with the link we sent (or ask for a new one)",
      );
    }
    return { outcome: "logged_in", userId: user.id };
  }

  /** Audits a refused callback: ids and the reason code only. */
  private async refused(
    reason: string,
    context: { ip: string | null; purpose: PscPurpose | null; userId: string | null },
    details?: Record<string, unknown>,
  ): Promise<void> {
    const providerError = details?.providerError;
    await this.ctx.audit.record({
      action: "psc.login_refused",
      actorId: context.purpose === "link" ? context.userId : null,
      targetType: context.userId ? "user" : null,
      targetId: context.userId,
      ip: context.ip,
      detail: {
        reason,
        purpose: context.purpose,
        ...(typeof providerError === "string" ? { providerError } : {}),
      },
    });
  }

  private requireClient(operation: string): PscClient {
    if (!this.client) {
      throw new ConfrereError(
        ErrorCode.PSC_DISABLED,
        404,
        `${operation}: Pro Santé Connect is not offered by this server; log in with your password`,
      );
    }
    return this.client;
  }
}

function stateInvalid(): ConfrereError {
  return new ConfrereError(
    ErrorCode.PSC_STATE_INVALID,
    400,
    "pscCallback: this Pro Santé Connect login is unknown, was already used or has expired; start again from Confrère",
  );
}

function suspended(operation: string): ConfrereError {
  return new ConfrereError(
    ErrorCode.AUTH_ACCOUNT_SUSPENDED,
    403,
    `${operation}: this account is suspended; contact support`,
  );
}
