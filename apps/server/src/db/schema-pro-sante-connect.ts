/** Tables of the Pro Santé Connect road (migration 0006). */

/** Milliseconds since the Unix epoch. */
type Millis = number;

/**
 * One Pro Santé Connect round trip. Started by `POST /psc/start` (state, nonce, PKCE verifier),
 * consumed by the callback (`used_at`), which records the outcome under a single-use ticket that
 * `POST /psc/complete` redeems (`ticket_used_at`). No session token is ever stored here: the
 * session of a login is opened when the ticket is redeemed.
 */
export interface PscLoginsTable {
  id: string;
  /** SHA-256 of the OAuth `state`; the state itself travels only in URLs and the browser's cookie. */
  state_hash: string;
  /** OpenID Connect nonce, checked in the ID token. Not a secret: it is in the authorization URL. */
  nonce: string;
  /** PKCE code verifier (RFC 7636), sealed with the server secret (accounts/secret-box.ts). */
  code_verifier_sealed: string;
  purpose: "login" | "link";
  /** `link`: the account to link, from the start. `login`: the account found, from the callback. */
  user_id: string | null;
  /** `login`: the name of the device the session opens on. */
  device_name: string | null;
  created_at: Millis;
  /** The callback must come before this (10 minutes). */
  expires_at: Millis;
  /** When the callback consumed the state: a state is used once. */
  used_at: Millis | null;
  outcome: "logged_in" | "linked" | "no_account" | null;
  /** `no_account`: the professional's national id and names (JSON), sealed with the server secret. */
  professional_sealed: string | null;
  /** SHA-256 of the ticket handed to the web app. */
  ticket_hash: string | null;
  /** The ticket must be redeemed before this (5 minutes). */
  ticket_expires_at: Millis | null;
  ticket_used_at: Millis | null;
}

export interface ProSanteConnectTables {
  psc_logins: PscLoginsTable;
}
