import type { AppContext } from "../context.ts";
import type { App } from "../http/app.ts";

/** RPPS/ADELI claims with a proof, and the operators' review queue. */
export function identityClaimRoutes(_app: App, _ctx: AppContext): void {}
