import type { AppContext } from "../context.ts";
import type { App } from "../http/app.ts";

/** Retention policies, legal holds and personal data rights. */
export function retentionRoutes(_app: App, _ctx: AppContext): void {}
