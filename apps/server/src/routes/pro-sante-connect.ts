import type { AppContext } from "../context.ts";
import type { App } from "../http/app.ts";

/** Pro Santé Connect login and account linking. */
export function proSanteConnectRoutes(_app: App, _ctx: AppContext): void {}
