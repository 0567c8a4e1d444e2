import { type Static, Type } from "@sinclair/typebox";

/**
 * Every error that crosses the wire has one of these stable codes. Clients branch on the code,
 * never on the message (which is for people and may be reworded).
 */
export const ErrorCode = {
  // Input and protocol
  VALIDATION_FAILED: "VALIDATION_FAILED",
  INVALID_JSON: "INVALID_JSON",
  BODY_TOO_LARGE: "BODY_TOO_LARGE",
  UNSUPPORTED_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  NOT_FOUND: "NOT_FOUND",
  METHOD_NOT_ALLOWED: "METHOD_NOT_ALLOWED",
  RATE_LIMITED: "RATE_LIMITED",
  INTERNAL_ERROR: "INTERNAL_ERROR",
  SERVICE_UNAVAILABLE: "SERVICE_UNAVAILABLE",
  CONFLICT: "CONFLICT",
  // Authentication
  AUTH_REQUIRED: "AUTH_REQUIRED",
  AUTH_INVALID_CREDENTIALS: "AUTH_INVALID_CREDENTIALS",
  AUTH_SESSION_EXPIRED: "AUTH_SESSION_EXPIRED",
  AUTH_EMAIL_UNVERIFIED: "AUTH_EMAIL_UNVERIFIED",
  AUTH_SECOND_FACTOR_REQUIRED: "AUTH_SECOND_FACTOR_REQUIRED",
  AUTH_SECOND_FACTOR_ENROLMENT_REQUIRED: "AUTH_SECOND_FACTOR_ENROLMENT_REQUIRED",
  AUTH_TOTP_INVALID: "AUTH_TOTP_INVALID",
  AUTH_TOTP_NOT_PENDING: "AUTH_TOTP_NOT_PENDING",
  AUTH_RECOVERY_CODE_INVALID: "AUTH_RECOVERY_CODE_INVALID",
  AUTH_WEBAUTHN_FAILED: "AUTH_WEBAUTHN_FAILED",
  AUTH_CHALLENGE_INVALID: "AUTH_CHALLENGE_INVALID",
  AUTH_TOO_MANY_ATTEMPTS: "AUTH_TOO_MANY_ATTEMPTS",
  AUTH_ACCOUNT_SUSPENDED: "AUTH_ACCOUNT_SUSPENDED",
  AUTH_LAST_SECOND_FACTOR: "AUTH_LAST_SECOND_FACTOR",
  // Accounts
  ACCOUNT_EMAIL_TAKEN: "ACCOUNT_EMAIL_TAKEN",
  PASSWORD_TOO_SHORT: "PASSWORD_TOO_SHORT",
  PASSWORD_TOO_LONG: "PASSWORD_TOO_LONG",
  PASSWORD_TOO_COMMON: "PASSWORD_TOO_COMMON",
  TOKEN_INVALID: "TOKEN_INVALID",
  SETUP_ALREADY_DONE: "SETUP_ALREADY_DONE",
  // Authorisation
  FORBIDDEN: "FORBIDDEN",
  OPERATOR_ONLY: "OPERATOR_ONLY",
  PROFESSIONAL_VERIFICATION_REQUIRED: "PROFESSIONAL_VERIFICATION_REQUIRED",
  // Professional identity (the account ↔ directory link)
  PROFESSIONAL_NOT_IN_DIRECTORY: "PROFESSIONAL_NOT_IN_DIRECTORY",
  PROFESSIONAL_INACTIVE: "PROFESSIONAL_INACTIVE",
  PROFESSIONAL_ALREADY_LINKED: "PROFESSIONAL_ALREADY_LINKED",
  ACCOUNT_ALREADY_LINKED: "ACCOUNT_ALREADY_LINKED",
  // Pro Santé Connect
  // Identity claims and operator review
  // Organisations, services, territories and invitations
  // Messaging
  DEVICE_KEY_REQUIRED: "DEVICE_KEY_REQUIRED",
  DEVICE_KEY_MISMATCH: "DEVICE_KEY_MISMATCH",
  KEY_PACKAGE_INVALID: "KEY_PACKAGE_INVALID",
  CONVERSATION_NOT_FOUND: "CONVERSATION_NOT_FOUND",
  CONVERSATION_EXISTS: "CONVERSATION_EXISTS",
  NOT_A_MEMBER: "NOT_A_MEMBER",
  NOT_AN_ADMIN: "NOT_AN_ADMIN",
  GROUP_TOO_LARGE: "GROUP_TOO_LARGE",
  EPOCH_MISMATCH: "EPOCH_MISMATCH",
  COMMIT_INVALID: "COMMIT_INVALID",
  MESSAGE_TOO_LARGE: "MESSAGE_TOO_LARGE",
  MESSAGE_INVALID: "MESSAGE_INVALID",
  MESSAGE_ID_REUSED: "MESSAGE_ID_REUSED",
  USER_NOT_FOUND: "USER_NOT_FOUND",
  ATTACHMENT_TOO_LARGE: "ATTACHMENT_TOO_LARGE",
  ATTACHMENT_NOT_FOUND: "ATTACHMENT_NOT_FOUND",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The one shape of every error body: `{ error: { code, message } }`. */
export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String({ description: "Stable machine-readable code" }),
    message: Type.String({ description: "What went wrong and what to do, for a person" }),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  }),
});
export type ErrorBody = Static<typeof ErrorBody>;

/**
 * An error the server answers with, or the SDK throws after reading one from the wire.
 *
 * @example
 * throw new ConfrereError(ErrorCode.AUTH_TOTP_INVALID, 401, "login: the code is wrong or expired");
 */
export class ConfrereError extends Error {
  constructor(
    readonly code: ErrorCode | (string & {}),
    readonly status: number,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "ConfrereError";
  }

  toBody(): ErrorBody {
    return {
      error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) },
    };
  }
}
