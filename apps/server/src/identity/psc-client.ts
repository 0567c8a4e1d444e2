import { ConfrereError, ErrorCode } from "@confrere/protocol";
import * as oidc from "openid-client";
import type { PscConfig } from "../config.ts";
import type { Logger } from "../logger.ts";

/** What PSC asks for: the professional's identity (`scope_all`) at eIDAS "substantial". */
export const PSC_SCOPE = "openid scope_all";
export const PSC_ACR = "eidas1";
/** PSC serves its discovery document here instead of the standard `openid-configuration`. */
const PSC_DISCOVERY_PATH = "/.well-known/wallet-openid-configuration";
/** Seconds for each request to PSC: a slow provider must not hold the browser for long. */
const REQUEST_TIMEOUT_SECONDS = 10;

/** What one PSC round trip told us about the person. */
export interface PscIdentity {
  /** The ID token's `acr`: how strongly PSC authenticated the person. */
  acr: unknown;
  /** PSC's `SubjectNameID`, the idNat_PS: `8` + RPPS or `0` + ADELI. */
  nationalId: string;
  firstName: string;
  lastName: string;
}

/** The one-time values of an authorization request, kept by the server until the callback. */
export interface PscRequestChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/**
 * The OpenID Connect relying party of Pro Santé Connect (a confidential client: authorization
 * code with PKCE, state and nonce). Discovery happens on first use and is kept; a failed one is
 * forgotten, so a provider that was down is tried again on the next request.
 */
export class PscClient {
  #configuration: Promise<oidc.Configuration> | null = null;

  constructor(
    private readonly settings: PscConfig,
    private readonly redirectUri: string,
    private readonly logger: Logger,
  ) {}

  /** Fresh state, nonce and PKCE verifier for one authorization request. */
  static newChecks(): PscRequestChecks {
    return {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier: oidc.randomPKCECodeVerifier(),
    };
  }

  /** The URL of PSC's authorization endpoint for this request. */
  async authorizationUrl(checks: PscRequestChecks): Promise<string> {
    const configuration = await this.configuration();
    return oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri,
      scope: PSC_SCOPE,
      acr_values: PSC_ACR,
      state: checks.state,
      nonce: checks.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: "S256",
    }).href;
  }

  /**
   * Exchanges the code of the callback (`callbackUrl` as PSC called it, query included) for the
   * tokens, checks them (signature, issuer, audience, nonce, PKCE), then reads userinfo.
   */
  async identify(callbackUrl: URL, checks: PscRequestChecks): Promise<PscIdentity> {
    const configuration = await this.configuration();
    try {
      const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (!claims) throw new Error("the token answer has no ID token");
      const userinfo = await oidc.fetchUserInfo(configuration, tokens.access_token, claims.sub);
      return { acr: claims.acr, ...readUserinfo(userinfo) };
    } catch (error) {
      throw this.failure("identify", error);
    }
  }

  private configuration(): Promise<oidc.Configuration> {
    if (!this.#configuration) {
      this.#configuration = this.discover().catch((error: unknown) => {
        this.#configuration = null;
        throw this.failure("discovery", error, true);
      });
    }
    return this.#configuration;
  }

  private async discover(): Promise<oidc.Configuration> {
    const issuer = this.settings.issuerUrl.replace(/\/+$/, "");
    // A URL with /.well-known/ is fetched as is; the bare issuer gets the standard path appended.
    const candidates = this.settings.discoveryUrl
      ? [this.settings.discoveryUrl]
      : [`${issuer}${PSC_DISCOVERY_PATH}`, issuer];
    const isInsecure = candidates.some((url) => url.startsWith("http:"));
    let lastError: unknown;
    for (const candidate of candidates) {
      try {
        const configuration = await oidc.discovery(
          new URL(candidate),
          this.settings.clientId,
          undefined,
          oidc.ClientSecretBasic(this.settings.clientSecret),
          {
            timeout: REQUEST_TIMEOUT_SECONDS,
            // Plain HTTP only outside production (config.ts refuses it there): the local test provider.
            ...(isInsecure ? { execute: [oidc.allowInsecureRequests] } : {}),
          },
        );
        // openid-client checks the issuer only when it builds the well-known URL itself.
        const discovered = configuration.serverMetadata().issuer.replace(/\/+$/, "");
        if (discovered !== issuer) {
          throw new Error(`the document at ${candidate} is for issuer ${discovered}, not ${issuer}`);
        }
        return configuration;
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  }

  /** Maps a failure to our codes: PSC out of reach or failing is 503, a response we refuse is 502. */
  private failure(step: string, error: unknown, isDiscovery = false): ConfrereError {
    if (error instanceof ConfrereError) return error;
    const reason = describe(error);
    if (isDiscovery || isUnreachable(error)) {
      this.logger.warn({ step, reason }, "pro santé connect unavailable");
      return new ConfrereError(
        ErrorCode.PSC_UNAVAILABLE,
        503,
        "proSanteConnect: Pro Santé Connect cannot be reached right now; try again in a few minutes, or log in with your password",
      );
    }
    this.logger.warn({ step, reason }, "pro santé connect answer refused");
    return new ConfrereError(
      ErrorCode.PSC_RESPONSE_INVALID,
      502,
      "proSanteConnect: the answer of Pro Santé Connect could not be verified; start again",
    );
  }
}

/** Network errors, time-outs and 5xx answers: PSC is down, not wrong. */
function isUnreachable(error: unknown): boolean {
  if (error instanceof TypeError) return true; // fetch() failed: refused, reset, DNS
  if (error instanceof oidc.ClientError) {
    if (error.code === "OAUTH_TIMEOUT" || error.code === "OAUTH_ABORT") return true;
    const cause = error.cause;
    return cause instanceof Response && cause.status >= 500;
  }
  return false;
}

/** A short reason for the log: error class, code and message, never a token. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : "";
  return `${error.name}${typeof code === "string" ? ` ${code}` : ""}: ${error.message}${cause}`;
}

/** idNat_PS: a one-digit type (8 RPPS, 0 ADELI, …) and the identifier. */
const NATIONAL_ID = /^[0-9][0-9A-Z]{8,20}$/;

/** Validates the userinfo fields we use: they come from outside and go into the database. */
function readUserinfo(userinfo: Record<string, unknown>): Omit<PscIdentity, "acr"> {
  const { SubjectNameID: nationalId, given_name: firstName, family_name: lastName } = userinfo;
  if (typeof nationalId !== "string" || !NATIONAL_ID.test(nationalId)) {
    throw new Error("userinfo: SubjectNameID is missing or is not a national id");
  }
  const name = (value: unknown, field: string): string => {
    if (typeof value !== "string" || value.length > 200 || /[\u0000-\u001f\u007f]/.test(value)) {
      throw new Error(`userinfo: ${field} is missing or malformed`);
    }
    return value;
  };
  return { nationalId, firstName: name(firstName, "given_name"), lastName: name(lastName, "family_name") };
}
