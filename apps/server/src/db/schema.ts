import type { Generated } from "kysely";
import type { AvailabilityTables } from "./schema-availability.ts";
import type { BillingTables } from "./schema-billing.ts";
import type { CareCaseTables } from "./schema-care-cases.ts";
import type { DirectoryTables } from "./schema-directory.ts";
import type { IdentityClaimTables } from "./schema-identity-claims.ts";
import type { InvitationTables } from "./schema-invitations.ts";
import type { MessagingTables } from "./schema-messaging.ts";
import type { OrganisationTables } from "./schema-organisations.ts";
import type { ProSanteConnectTables } from "./schema-pro-sante-connect.ts";
import type { PushTables } from "./schema-push.ts";
import type { RetentionTables } from "./schema-retention.ts";
import type { TeleExpertiseTables } from "./schema-tele-expertise.ts";

/** Times are integers: milliseconds since the Unix epoch, from the injected clock. */
type Millis = number;

export interface UsersTable {
  id: string;
  email: string;
  display_name: string;
  password_hash: string;
  role: "user" | "operator";
  email_verified_at: Millis | null;
  identity_verified_at: Millis | null;
  suspended_at: Millis | null;
  suspended_reason: string | null;
  /** The directory professional this account is (`8` + RPPS or `0` + ADELI), once proven. */
  national_id: string | null;
  /** The road that proved it: see identity/professional-link.ts. */
  identity_method: "psc" | "review" | "invitation" | "operator" | "cli" | null;
  created_at: Millis;
  updated_at: Millis;
}

/** Single-use links sent by e-mail (verification, password reset) and the first-operator setup link. */
export interface EmailTokensTable {
  id: string;
  user_id: string | null;
  purpose: "verify_email" | "password_reset" | "setup";
  token_hash: string;
  expires_at: Millis;
  used_at: Millis | null;
  created_at: Millis;
  webauthn_challenge: string | null;
}

export interface DevicesTable {
  id: string;
  user_id: string;
  name: string;
  created_at: Millis;
  last_seen_at: Millis;
  revoked_at: Millis | null;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  device_id: string;
  token_hash: string;
  scope: "full" | "enrolment";
  ip: string | null;
  created_at: Millis;
  last_used_at: Millis;
  expires_at: Millis;
  revoked_at: Millis | null;
  webauthn_challenge: string | null;
}

/** Between a correct password and the second factor. */
export interface LoginChallengesTable {
  id: string;
  user_id: string;
  token_hash: string;
  device_name: string;
  ip: string | null;
  expires_at: Millis;
  used_at: Millis | null;
  created_at: Millis;
  webauthn_challenge: string | null;
}

export interface TotpCredentialsTable {
  user_id: string;
  /** Encrypted at rest with the server secret (see accounts/secret-box.ts). */
  secret_encrypted: string;
  confirmed_at: Millis | null;
  /** The last accepted time step: a code is never accepted twice (RFC 6238 §5.2). */
  last_used_step: number | null;
  created_at: Millis;
}

export interface RecoveryCodesTable {
  id: string;
  user_id: string;
  code_hash: string;
  used_at: Millis | null;
  created_at: Millis;
}

export interface WebAuthnCredentialsTable {
  id: string;
  user_id: string;
  credential_id: string;
  public_key: string;
  counter: number;
  transports: string | null;
  name: string;
  created_at: Millis;
  last_used_at: Millis | null;
}

export interface AuthThrottleTable {
  key: string;
  failures: number;
  locked_until: Millis;
  updated_at: Millis;
}

export interface AuditEventsTable {
  seq: Generated<number>;
  at: Millis;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  device_id: string | null;
  detail: string | null;
  prev_hash: string;
  hash: string;
}

/** The newest link of the audit chain, so that deleting the last rows is noticed too. */
export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
}

export interface Database
  extends DirectoryTables,
    MessagingTables,
    ProSanteConnectTables,
    IdentityClaimTables,
    OrganisationTables,
    InvitationTables,
    BillingTables,
    PushTables,
    CareCaseTables,
    AvailabilityTables,
    RetentionTables,
    TeleExpertiseTables {
  users: UsersTable;
  email_tokens: EmailTokensTable;
  devices: DevicesTable;
  sessions: SessionsTable;
  login_challenges: LoginChallengesTable;
  totp_credentials: TotpCredentialsTable;
  recovery_codes: RecoveryCodesTable;
  webauthn_credentials: WebAuthnCredentialsTable;
  auth_throttle: AuthThrottleTable;
  audit_events: AuditEventsTable;
  audit_head: AuditHeadTable;
}
