import type { AppContext } from "../context.ts";
import type { App } from "../http/app.ts";

/** Directory search and administration routes. */
export function directoryRoutes(_app: App, _ctx: AppContext): void {}
