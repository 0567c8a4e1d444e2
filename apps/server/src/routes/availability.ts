import type { AppContext } from "../context.ts";
import type { App } from "../http/app.ts";

/** Availability, working hours, urgent acknowledgements and on-call schedules. */
export function availabilityRoutes(_app: App, _ctx: AppContext): void {}
