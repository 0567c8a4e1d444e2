import type { AppContext } from "../context.ts";
import type { App } from "../http/app.ts";

/** Patient cases: the opaque case registry. */
export function caseRoutes(_app: App, _ctx: AppContext): void {}
