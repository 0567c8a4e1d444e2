import type { AppContext } from "../context.ts";
import type { App } from "../http/app.ts";

/** Télé-expertise requests and their states. */
export function expertiseRoutes(_app: App, _ctx: AppContext): void {}
