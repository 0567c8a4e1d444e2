import { ConfrereError, ErrorCode } from "@confrere/protocol";
import type { FastifyRequest } from "fastify";
import { type Authenticated, authenticate } from "../accounts/sessions.ts";
import type { AppContext } from "../context.ts";

/**
 * Who may call a route:
 * - `public`: anyone;
 * - `enrolment`: any live session, even one that has no second factor yet (to enrol one);
 * - `user`: a full session (second factor passed);
 * - `professional`: a full session of an account whose professional identity is verified: the
 *   directory and messaging are "strictly reserved for professionals", devices included (an
 *   unverified account has no one to exchange keys with);
 * - `operator`: a full session of a platform operator.
 */
export type Access = "public" | "enrolment" | "user" | "professional" | "operator";

export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer ([A-Za-z0-9_-]{16,256})$/.exec(header);
  return match?.[1] ?? null;
}

/**
 * Checks the caller may use a route of `access` and returns who they are (null for `public`).
 * `operation` starts the message of a refusal that is about the route itself (a verified identity
 * needed), so that it names what the person tried.
 */
export async function authorize(
  ctx: AppContext,
  request: FastifyRequest,
  access: Access,
  operation = "authorize",
): Promise<Authenticated | null> {
  if (access === "public") return null;
  const token = bearerToken(request);
  if (!token) {
    throw new ConfrereError(
      ErrorCode.AUTH_REQUIRED,
      401,
      "authorize: send an Authorization: Bearer <session token> header",
    );
  }
  const auth = await authenticate(ctx, token);
  if (access !== "enrolment" && auth.session.scope !== "full") {
    throw new ConfrereError(
      ErrorCode.AUTH_SECOND_FACTOR_ENROLMENT_REQUIRED,
      403,
      "authorize: set up a second factor (authenticator app or passkey) before using Confrère",
    );
  }
  if (access === "operator" && auth.user.role !== "operator") {
    throw new ConfrereError(ErrorCode.OPERATOR_ONLY, 403, "authorize: this action is reserved to operators");
  }
  if (access === "professional") {
    const refusal = verificationRefusal(auth.user, operation);
    if (refusal) throw refusal;
  }
  return auth;
}

/**
 * The one check behind `professional` access, also used where there is no HTTP request (the
 * realtime socket's hello): PROFESSIONAL_VERIFICATION_REQUIRED until the identity is verified.
 */
export function verificationRefusal(
  user: { identity_verified_at: number | null },
  operation: string,
): ConfrereError | null {
  if (user.identity_verified_at !== null) return null;
  return new ConfrereError(
    ErrorCode.PROFESSIONAL_VERIFICATION_REQUIRED,
    403,
    `${operation}: Confrère's directory and messaging are for verified professionals; have your professional identity verified first (Pro Santé Connect, or a proof reviewed by an operator)`,
  );
}
