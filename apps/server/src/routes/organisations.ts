import type { AppContext } from "../context.ts";
import type { App } from "../http/app.ts";

/** Establishments, services and rosters, territories and their members. */
export function organisationRoutes(_app: App, _ctx: AppContext): void {}
