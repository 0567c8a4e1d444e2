import { ConfrereError, ErrorCode } from "@confrere/protocol";
import type { FastifyRequest } from "fastify";
import { type Authenticated, authenticate } from "../accounts/sessions.ts";
import type { AppContext } from "../context.ts";

/**
 * Who may call a route:
 * - `public`: anyone;
 * - `enrolment`: any live session, even one that has no second factor yet (to enrol one);
 * - `user`: a full session (second factor passed);
 * - `operator`: a full session of a platform operator.
 */
export type Access = "public" | "enrolment" | "user" | "operator";

export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer ([A-Za-z0-9_-]{16,256})$/.exec(header);
  return match?.[1] ?? null;
}

export async function authorize(
  ctx: AppContext,
  request: FastifyRequest,
  access: Access,
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
  return auth;
}
