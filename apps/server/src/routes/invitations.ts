import type { AppContext } from "../context.ts";
import type { App } from "../http/app.ts";

/** Invitations by e-mail: a colleague's, or an administrator's who vouches for a listed professional. */
export function invitationRoutes(_app: App, _ctx: AppContext): void {}
