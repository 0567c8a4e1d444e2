import { ConfrereError, ErrorCode } from "@confrere/protocol";
import type {
  AuthenticationResponseJSON,
  RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import type { AppContext } from "../context.ts";
import type { UsersTable } from "../db/schema.ts";
import { newId } from "./tokens.ts";

/** The WebAuthn library (and its X.509 and ASN.1 parsers) loads on the first passkey, not at start-up. */
const webauthn = () => import("@simplewebauthn/server");

/** Passkeys (WebAuthn) as a second factor, the alternative to TOTP. */

function failed(operation: string): ConfrereError {
  return new ConfrereError(
    ErrorCode.AUTH_WEBAUTHN_FAILED,
    401,
    `${operation}: the passkey could not be verified; try again or use another second factor`,
  );
}

export async function passkeyRegistrationOptions(ctx: AppContext, user: UsersTable) {
  const existing = await ctx.db
    .selectFrom("webauthn_credentials")
    .select(["credential_id", "transports"])
    .where("user_id", "=", user.id)
    .execute();
  return (await webauthn()).generateRegistrationOptions({
    rpName: ctx.config.webauthnRpName,
    rpID: ctx.config.webauthnRpId,
    userName: user.email,
    userDisplayName: user.display_name,
    userID: new TextEncoder().encode(user.id),
    attestationType: "none",
    excludeCredentials: existing.map((c) => ({
      id: c.credential_id,
      ...(c.transports ? { transports: JSON.parse(c.transports) as string[] } : {}),
    })),
    authenticatorSelection: { residentKey: "preferred", userVerification: "preferred" },
  });
}

/** Verifies a registration against the challenge kept on the session and stores the credential. */
export async function registerPasskey(
  ctx: AppContext,
  user: UsersTable,
  expectedChallenge: string | null,
  response: unknown,
  name: string,
): Promise<string> {
  if (!expectedChallenge) {
    throw new ConfrereError(
      ErrorCode.AUTH_CHALLENGE_INVALID,
      400,
      "registerPasskey: ask for registration options first",
    );
  }
  let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verification = await (await webauthn()).verifyRegistrationResponse({
      response: response as RegistrationResponseJSON,
      expectedChallenge,
      expectedOrigin: ctx.config.webauthnOrigins,
      expectedRPID: ctx.config.webauthnRpId,
      requireUserVerification: false,
    });
  } catch {
    throw failed("registerPasskey");
  }
  if (!verification.verified) throw failed("registerPasskey");
  const { credential } = verification.registrationInfo;
  const taken = await ctx.db
    .selectFrom("webauthn_credentials")
    .select("id")
    .where("credential_id", "=", credential.id)
    .executeTakeFirst();
  if (taken)
    throw new ConfrereError(ErrorCode.CONFLICT, 409, "registerPasskey: this passkey is already registered");
  const id = newId();
  await ctx.db
    .insertInto("webauthn_credentials")
    .values({
      id,
      user_id: user.id,
      credential_id: credential.id,
      public_key: Buffer.from(credential.publicKey).toString("base64url"),
      counter: credential.counter,
      transports: credential.transports ? JSON.stringify(credential.transports) : null,
      name,
      created_at: ctx.clock.now(),
      last_used_at: null,
    })
    .execute();
  return id;
}

export async function hasPasskeys(ctx: AppContext, userId: string): Promise<boolean> {
  const row = await ctx.db
    .selectFrom("webauthn_credentials")
    .select("id")
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return row !== undefined;
}

export async function passkeyAuthenticationOptions(ctx: AppContext, userId: string) {
  const credentials = await ctx.db
    .selectFrom("webauthn_credentials")
    .select(["credential_id", "transports"])
    .where("user_id", "=", userId)
    .execute();
  if (credentials.length === 0) {
    throw new ConfrereError(ErrorCode.AUTH_WEBAUTHN_FAILED, 400, "passkey: this account has no passkey");
  }
  return (await webauthn()).generateAuthenticationOptions({
    rpID: ctx.config.webauthnRpId,
    userVerification: "preferred",
    allowCredentials: credentials.map((c) => ({
      id: c.credential_id,
      ...(c.transports ? { transports: JSON.parse(c.transports) as string[] } : {}),
    })),
  });
}

/** Verifies an assertion of one of the user's passkeys against the stored challenge; updates its counter. */
export async function verifyPasskey(
  ctx: AppContext,
  userId: string,
  expectedChallenge: string | null,
  response: unknown,
  operation: string,
): Promise<void> {
  if (!expectedChallenge) {
    throw new ConfrereError(
      ErrorCode.AUTH_CHALLENGE_INVALID,
      400,
      `${operation}: ask for passkey options first`,
    );
  }
  const assertion = response as AuthenticationResponseJSON;
  const stored = await ctx.db
    .selectFrom("webauthn_credentials")
    .selectAll()
    .where("user_id", "=", userId)
    .where("credential_id", "=", String(assertion.id))
    .executeTakeFirst();
  if (!stored) throw failed(operation);
  let verification: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    verification = await (await webauthn()).verifyAuthenticationResponse({
      response: assertion,
      expectedChallenge,
      expectedOrigin: ctx.config.webauthnOrigins,
      expectedRPID: ctx.config.webauthnRpId,
      credential: {
        id: stored.credential_id,
        publicKey: new Uint8Array(Buffer.from(stored.public_key, "base64url")),
        counter: stored.counter,
        ...(stored.transports ? { transports: JSON.parse(stored.transports) as string[] } : {}),
      },
      requireUserVerification: false,
    });
  } catch {
    throw failed(operation);
  }
  if (!verification.verified) throw failed(operation);
  await ctx.db
    .updateTable("webauthn_credentials")
    .set({ counter: verification.authenticationInfo.newCounter, last_used_at: ctx.clock.now() })
    .where("id", "=", stored.id)
    .execute();
}
