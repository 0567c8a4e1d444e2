import { type Static, Type } from "@sinclair/typebox";
import {
  DeviceName,
  DisplayName,
  Email,
  Id,
  OpaqueToken,
  Password,
  RecoveryCode,
  StrictObject,
  Timestamp,
  TotpCode,
} from "./common.ts";

/**
 * The life of an account. A second factor is mandatory before any other use (ANS référentiel
 * d'identification électronique); the professional identity is verified later (directory, PSC).
 */
export const AccountState = Type.Union([
  Type.Literal("email_unverified"),
  Type.Literal("second_factor_required"),
  Type.Literal("active"),
  Type.Literal("verified"),
  Type.Literal("suspended"),
]);
export type AccountState = Static<typeof AccountState>;

export const Role = Type.Union([Type.Literal("user"), Type.Literal("operator")]);
export type Role = Static<typeof Role>;

/** How a professional identity was proven. */
export const IdentityMethod = Type.Union([
  Type.Literal("psc", { description: "Pro Santé Connect login" }),
  Type.Literal("review", { description: "Directory match and operator review of a proof" }),
  Type.Literal("invitation", { description: "Invited by a territory or establishment administrator" }),
  Type.Literal("operator", { description: "Marked verified by an operator" }),
  Type.Literal("cli", { description: "Created verified with confrere-server user create --verified" }),
]);
export type IdentityMethod = Static<typeof IdentityMethod>;

export const Account = StrictObject({
  id: Id,
  email: Email,
  displayName: DisplayName,
  role: Role,
  state: AccountState,
  emailVerifiedAt: Type.Union([Timestamp, Type.Null()]),
  identityVerifiedAt: Type.Union([Timestamp, Type.Null()]),
  /** The directory professional this account is proven to be: `8` + RPPS or `0` + ADELI. */
  nationalId: Type.Union([Type.String(), Type.Null()]),
  identityMethod: Type.Union([IdentityMethod, Type.Null()]),
  createdAt: Timestamp,
});
export type Account = Static<typeof Account>;

export const RegisterRequest = StrictObject({ email: Email, password: Password, displayName: DisplayName });
export type RegisterRequest = Static<typeof RegisterRequest>;
/**
 * The same answer whether or not the address already has an account, so that registration does
 * not reveal who uses Confrère; the mailbox owner learns which case it was.
 */
export const RegisterResponse = StrictObject({ status: Type.Literal("verification_sent") });

export const VerifyEmailRequest = StrictObject({ token: OpaqueToken });
export const ResendVerificationRequest = StrictObject({ email: Email });
export const AcceptedResponse = StrictObject({ status: Type.Literal("accepted") });

export const SessionScope = Type.Union([
  Type.Literal("full"),
  Type.Literal("enrolment", { description: "Only second-factor enrolment is allowed" }),
]);
export type SessionScope = Static<typeof SessionScope>;

export const IssuedSession = StrictObject({
  token: Type.String({ description: "Bearer token; shown once, stored by the server only as a hash" }),
  sessionId: Id,
  deviceId: Id,
  scope: SessionScope,
  expiresAt: Timestamp,
});
export type IssuedSession = Static<typeof IssuedSession>;

export const SecondFactorMethod = Type.Union([
  Type.Literal("totp"),
  Type.Literal("webauthn"),
  Type.Literal("recovery_code"),
]);
export type SecondFactorMethod = Static<typeof SecondFactorMethod>;

export const LoginRequest = StrictObject({ email: Email, password: Password, deviceName: DeviceName });
export type LoginRequest = Static<typeof LoginRequest>;

/**
 * A correct password alone never opens a full session: either a second factor is asked for
 * (`second_factor_required`, with a short-lived challenge), or the account has none yet and gets
 * a session that may only enrol one (`second_factor_enrolment_required`).
 */
export const LoginResponse = Type.Union([
  StrictObject({
    status: Type.Literal("second_factor_required"),
    challengeToken: Type.String(),
    methods: Type.Array(SecondFactorMethod),
    expiresAt: Timestamp,
  }),
  StrictObject({ status: Type.Literal("second_factor_enrolment_required"), session: IssuedSession }),
  StrictObject({ status: Type.Literal("complete"), session: IssuedSession }),
]);
export type LoginResponse = Static<typeof LoginResponse>;

export const LoginTotpRequest = StrictObject({ challengeToken: OpaqueToken, code: TotpCode });
export const LoginRecoveryCodeRequest = StrictObject({ challengeToken: OpaqueToken, code: RecoveryCode });
export const LoginWebAuthnOptionsRequest = StrictObject({ challengeToken: OpaqueToken });
/** A WebAuthn response as produced by `@simplewebauthn/browser`; checked in depth by the server. */
export const WebAuthnResponseJson = Type.Object(
  {
    id: Type.String({ maxLength: 1024 }),
    rawId: Type.String({ maxLength: 1024 }),
    type: Type.Literal("public-key"),
    response: Type.Record(Type.String({ maxLength: 64 }), Type.Unknown()),
    clientExtensionResults: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    authenticatorAttachment: Type.Optional(Type.String({ maxLength: 32 })),
  },
  { additionalProperties: false },
);
export const LoginWebAuthnRequest = StrictObject({
  challengeToken: OpaqueToken,
  response: WebAuthnResponseJson,
});
export const WebAuthnOptionsResponse = StrictObject({
  options: Type.Record(Type.String(), Type.Unknown(), { description: "PublicKeyCredential*OptionsJSON" }),
});
export const LoginCompleteResponse = StrictObject({
  status: Type.Literal("complete"),
  session: IssuedSession,
});
export type LoginCompleteResponse = Static<typeof LoginCompleteResponse>;

export const RotateSessionResponse = StrictObject({ session: IssuedSession });

export const SessionInfo = StrictObject({
  id: Id,
  createdAt: Timestamp,
  lastUsedAt: Timestamp,
  expiresAt: Timestamp,
  scope: SessionScope,
  ip: Type.Union([Type.String(), Type.Null()]),
  isCurrent: Type.Boolean(),
});
export const DeviceInfo = StrictObject({
  id: Id,
  name: DeviceName,
  createdAt: Timestamp,
  lastSeenAt: Timestamp,
  isCurrent: Type.Boolean(),
  sessions: Type.Array(SessionInfo),
});
export type DeviceInfo = Static<typeof DeviceInfo>;
export const DeviceListResponse = StrictObject({ devices: Type.Array(DeviceInfo) });

export const ChangePasswordRequest = StrictObject({ currentPassword: Password, newPassword: Password });
export const PasswordResetRequest = StrictObject({ email: Email });
/** Resetting a password still needs the second factor: a mailbox alone must not open the account. */
export const PasswordResetCompleteRequest = StrictObject({
  token: OpaqueToken,
  newPassword: Password,
  totpCode: Type.Optional(TotpCode),
  recoveryCode: Type.Optional(RecoveryCode),
  webauthn: Type.Optional(WebAuthnResponseJson),
});
export const PasswordResetWebAuthnOptionsRequest = StrictObject({ token: OpaqueToken });

export const TotpSetupResponse = StrictObject({
  secret: Type.String({ description: "Base32 secret, shown once for manual entry" }),
  otpauthUri: Type.String(),
  qrCodeSvg: Type.String({ description: "The otpauth URI as an SVG QR code" }),
});
export const TotpConfirmRequest = StrictObject({ code: TotpCode });
export const RecoveryCodesResponse = StrictObject({
  recoveryCodes: Type.Array(Type.String(), { description: "Ten one-time codes, shown once" }),
});
export const SecondFactorEnrolledResponse = StrictObject({
  recoveryCodes: Type.Optional(Type.Array(Type.String())),
  session: Type.Optional(IssuedSession),
});
export const WebAuthnRegistrationOptionsRequest = StrictObject({});
export const WebAuthnRegisterRequest = StrictObject({
  response: WebAuthnResponseJson,
  name: Type.Optional(DeviceName),
});
export const SecondFactorsResponse = StrictObject({
  totp: Type.Boolean(),
  passkeys: Type.Array(StrictObject({ id: Id, name: DeviceName, createdAt: Timestamp })),
  recoveryCodesRemaining: Type.Integer(),
});

export const SecurityEvent = StrictObject({
  id: Type.Integer(),
  at: Timestamp,
  actorId: Type.Union([Id, Type.Null()]),
  action: Type.String(),
  targetType: Type.Union([Type.String(), Type.Null()]),
  targetId: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  deviceId: Type.Union([Id, Type.Null()]),
  detail: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
});
export type SecurityEvent = Static<typeof SecurityEvent>;
export const SecurityEventListResponse = StrictObject({ events: Type.Array(SecurityEvent) });

export const SetupStatusResponse = StrictObject({ needsFirstOperator: Type.Boolean() });
export const SetupOperatorRequest = StrictObject({
  token: OpaqueToken,
  email: Email,
  password: Password,
  displayName: DisplayName,
});

export const AdminUserListQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 254, pattern: "^[^\\u0000-\\u001f\\u007f]*$" })),
    limit: Type.Optional(Type.String({ pattern: "^[0-9]{1,3}$" })),
  },
  { additionalProperties: false },
);
export const AdminUserListResponse = StrictObject({ users: Type.Array(Account) });
export const SetRoleRequest = StrictObject({ role: Role });
export const VerifyIdentityRequest = StrictObject({
  /** The directory professional (`8` + RPPS or `0` + ADELI) the operator checked this account to be. */
  nationalId: Type.Optional(Type.String({ pattern: "^(8[0-9]{11}|0[0-9]{9})$", examples: ["810434640974"] })),
  note: Type.Optional(
    Type.String({ maxLength: 500, pattern: "^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f]*$" }),
  ),
});
export const SuspendRequest = StrictObject({
  reason: Type.String({
    minLength: 1,
    maxLength: 500,
    pattern: "^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f]*$",
  }),
});
export const AccountResponse = StrictObject({ account: Account });
export const UserIdParams = StrictObject({ userId: Id });
export const IdParams = StrictObject({ id: Id });
