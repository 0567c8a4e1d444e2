/**
 * Wire types: Pro Santé Connect (PSC), the national OpenID Connect login of French health
 * professionals. A PSC login proves the professional identity at once: it links an account to its
 * directory professional, or logs into the account already linked.
 */
import { type Static, Type } from "@sinclair/typebox";
import { Account, IssuedSession } from "./accounts.ts";
import { DeviceName, OpaqueToken, StrictObject } from "./common.ts";

/** Printable ASCII only: what OAuth parameters are made of (RFC 6749 appendix A). */
const VISIBLE_ASCII = "^[\\x20-\\x7e]*$";

/** `GET /api/v1/psc`: whether this server offers PSC (the web app shows the button only then). */
export const PscStatusResponse = StrictObject({ enabled: Type.Boolean() });
export type PscStatusResponse = Static<typeof PscStatusResponse>;

export const PscPurpose = Type.Union([
  Type.Literal("login", { description: "Log into the account linked to the professional" }),
  Type.Literal("link", { description: "Link the logged-in account to the professional (verifies it)" }),
]);
export type PscPurpose = Static<typeof PscPurpose>;

/** `POST /api/v1/psc/start`. `deviceName` names the device of the session a login opens (required for `login`). */
export const PscStartRequest = StrictObject({
  purpose: PscPurpose,
  deviceName: Type.Optional(DeviceName),
});
export type PscStartRequest = Static<typeof PscStartRequest>;

/** Where to send the browser: PSC's authorization endpoint, with state, nonce and PKCE challenge. */
export const PscStartResponse = StrictObject({ authorizationUrl: Type.String() });
export type PscStartResponse = Static<typeof PscStartResponse>;

/**
 * `GET /api/v1/psc/callback`: what PSC appends to the redirect URI, either a code or an error
 * (RFC 6749 §4.1.2). `iss` is RFC 9207; `session_state` is added by PSC's Keycloak.
 */
export const PscCallbackQuery = Type.Object(
  {
    state: OpaqueToken,
    code: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, pattern: VISIBLE_ASCII })),
    iss: Type.Optional(Type.String({ maxLength: 2048, pattern: VISIBLE_ASCII })),
    session_state: Type.Optional(Type.String({ maxLength: 256, pattern: VISIBLE_ASCII })),
    error: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: VISIBLE_ASCII })),
    error_description: Type.Optional(Type.String({ maxLength: 1024, pattern: VISIBLE_ASCII })),
    error_uri: Type.Optional(Type.String({ maxLength: 2048, pattern: VISIBLE_ASCII })),
  },
  { additionalProperties: false },
);
export type PscCallbackQuery = Static<typeof PscCallbackQuery>;

/**
 * The callback's answer to the browser: a `302` to the web app's `/psc/complete?ticket=…` (or
 * `?error=CODE`). Never a session token in a URL: the ticket is redeemed with `POST /psc/complete`.
 */
export const PscCallbackRedirect = Type.Null({
  description: "Redirect to /psc/complete?ticket=… or /psc/complete?error=CODE",
});

/** `POST /api/v1/psc/complete`: the single-use ticket the callback put in the web app's URL. */
export const PscCompleteRequest = StrictObject({ ticket: OpaqueToken });
export type PscCompleteRequest = Static<typeof PscCompleteRequest>;

/** The professional PSC authenticated, when no account is linked to them yet. */
export const PscProfessional = StrictObject({
  /** idNat_PS (PSC's `SubjectNameID`): `8` + RPPS or `0` + ADELI. */
  nationalId: Type.String(),
  firstName: Type.String(),
  lastName: Type.String(),
});
export type PscProfessional = Static<typeof PscProfessional>;

/**
 * The outcome of a PSC round trip:
 * - `logged_in`: a full session on a new device (PSC's e-CPS or CPS card is itself a strong
 *   two-factor authentication, so no second factor of ours is asked);
 * - `linked`: the account is now linked to its professional and verified;
 * - `no_account`: no account is linked to this professional; register, or log in with the
 *   password and link.
 */
export const PscCompleteResponse = Type.Union([
  StrictObject({ outcome: Type.Literal("logged_in"), session: IssuedSession, account: Account }),
  StrictObject({ outcome: Type.Literal("linked"), account: Account }),
  StrictObject({ outcome: Type.Literal("no_account"), professional: PscProfessional }),
]);
export type PscCompleteResponse = Static<typeof PscCompleteResponse>;
