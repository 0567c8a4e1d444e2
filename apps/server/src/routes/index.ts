import { ErrorBody } from "@confrere/protocol";
import type { AppContext } from "../context.ts";
import type { App } from "../http/app.ts";
import { adminUserRoutes } from "./admin-users.ts";
import { availabilityRoutes } from "./availability.ts";
import { billingRoutes } from "./billing.ts";
import { caseRoutes } from "./cases.ts";
import { directoryRoutes } from "./directory.ts";
import { expertiseRoutes } from "./expertise.ts";
import { healthRoutes } from "./health.ts";
import { identityClaimRoutes } from "./identity-claims.ts";
import { invitationRoutes } from "./invitations.ts";
import { loginRoutes } from "./login.ts";
import { messagingRoutes } from "./messaging.ts";
import { organisationRoutes } from "./organisations.ts";
import { passwordRoutes } from "./password.ts";
import { proSanteConnectRoutes } from "./pro-sante-connect.ts";
import { pushRoutes } from "./push.ts";
import { registerRoutes as registrationRoutes } from "./register.ts";
import { retentionRoutes } from "./retention.ts";
import { secondFactorRoutes } from "./second-factors.ts";
import { securityEventRoutes } from "./security-events.ts";
import { sessionRoutes } from "./sessions.ts";
import { setupRoutes } from "./setup.ts";

export const API = "/api/v1";

/** Every error answer has the one shape; listed once so the OpenAPI document shows it. */
export const errorResponses = {
  "4xx": ErrorBody,
  "5xx": ErrorBody,
};

/** Authentication routes are rate-limited per address on top of the per-account backoff. */
export function authRateLimit(ctx: AppContext) {
  return { rateLimit: { max: ctx.config.authRateLimitPerMinute, timeWindow: "1 minute" } };
}

export async function registerRoutes(app: App, ctx: AppContext): Promise<void> {
  healthRoutes(app, ctx);
  setupRoutes(app, ctx);
  registrationRoutes(app, ctx);
  loginRoutes(app, ctx);
  sessionRoutes(app, ctx);
  secondFactorRoutes(app, ctx);
  passwordRoutes(app, ctx);
  securityEventRoutes(app, ctx);
  adminUserRoutes(app, ctx);
  directoryRoutes(app, ctx);
  proSanteConnectRoutes(app, ctx);
  identityClaimRoutes(app, ctx);
  organisationRoutes(app, ctx);
  invitationRoutes(app, ctx);
  billingRoutes(app, ctx);
  messagingRoutes(app, ctx);
  pushRoutes(app, ctx);
  caseRoutes(app, ctx);
  availabilityRoutes(app, ctx);
  retentionRoutes(app, ctx);
  expertiseRoutes(app, ctx);
}
