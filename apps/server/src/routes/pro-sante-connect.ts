import {
  ConfrereError,
  ErrorCode,
  PscCallbackQuery,
  PscCallbackRedirect,
  PscCompleteRequest,
  PscCompleteResponse,
  PscStartRequest,
  PscStartResponse,
  PscStatusResponse,
} from "@confrere/protocol";
import type { FastifyRequest } from "fastify";
import type { AppContext } from "../context.ts";
import type { App } from "../http/app.ts";
import { authorize } from "../http/auth-guard.ts";
import { ProSanteConnect, PSC_CALLBACK_PATH, PSC_COMPLETE_PAGE } from "../identity/pro-sante-connect.ts";
import { PSC_STATE_TTL_MS } from "../identity/psc-logins.ts";
import { API, authRateLimit, errorResponses } from "./index.ts";

/**
 * The browser that starts a round trip keeps its state in this cookie, sent back only to the
 * callback (SameSite=Lax: PSC's redirect is a top-level navigation). It binds the callback to the
 * browser that started it (RFC 6749 §10.12, login CSRF).
 */
const STATE_COOKIE = "confrere_psc_state";

/** Pro Santé Connect login and account linking. */
export function proSanteConnectRoutes(app: App, ctx: AppContext): void {
  const psc = new ProSanteConnect(ctx);
  const isSecure = ctx.config.publicUrl.startsWith("https:");

  function stateCookie(value: string, maxAgeSeconds: number): string {
    return [
      `${STATE_COOKIE}=${value}`,
      `Path=${PSC_CALLBACK_PATH}`,
      `Max-Age=${maxAgeSeconds}`,
      "HttpOnly",
      "SameSite=Lax",
      ...(isSecure ? ["Secure"] : []),
    ].join("; ");
  }

  app.get(
    `${API}/psc`,
    {
      schema: {
        summary: "Whether Pro Santé Connect is offered (the web app shows its button only then)",
        tags: ["pro-sante-connect"],
        response: { 200: PscStatusResponse, ...errorResponses },
      },
    },
    async () => ({ enabled: psc.isEnabled }),
  );

  app.post(
    `${API}/psc/start`,
    {
      config: authRateLimit(ctx),
      schema: {
        summary:
          "Start a Pro Santé Connect login (public; deviceName required) or the linking of the logged-in account",
        tags: ["pro-sante-connect"],
        body: PscStartRequest,
        response: { 200: PscStartResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { purpose, deviceName } = request.body;
      let userId: string | null = null;
      if (purpose === "link") {
        userId = (await authorize(ctx, request, "user"))!.user.id;
        if (deviceName !== undefined)
          throw badDeviceName("deviceName names a login's device; leave it out to link");
      } else if (deviceName === undefined) {
        throw badDeviceName("deviceName is required to log in: it names the device of the new session");
      }
      const started = await psc.start({ purpose, userId, deviceName: deviceName ?? null });
      reply.header("set-cookie", stateCookie(started.state, PSC_STATE_TTL_MS / 1000));
      reply.header("cache-control", "no-store");
      return { authorizationUrl: started.authorizationUrl };
    },
  );

  app.get(
    PSC_CALLBACK_PATH,
    {
      config: authRateLimit(ctx),
      schema: {
        summary:
          "Where Pro Santé Connect sends the browser back; redirects to the web app's /psc/complete with a ticket or an error code",
        tags: ["pro-sante-connect"],
        querystring: PscCallbackQuery,
        response: {
          302: PscCallbackRedirect,
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      // A server without PSC never sends a browser here: answer as an API would.
      if (!psc.isEnabled) {
        throw new ConfrereError(
          ErrorCode.PSC_DISABLED,
          404,
          "pscCallback: Pro Santé Connect is not offered by this server",
        );
      }
      const page = `${ctx.config.publicUrl}${PSC_COMPLETE_PAGE}`;
      reply.header("set-cookie", stateCookie("", 0));
      reply.header("cache-control", "no-store");
      try {
        const ticket = await psc.callback(
          request.query,
          callbackUrl(ctx, request),
          cookie(request, STATE_COOKIE),
          request.ip,
        );
        return reply.redirect(`${page}?ticket=${ticket}`, 302);
      } catch (error) {
        // The person is in a browser: every refusal goes to the web app's page, which explains it.
        if (error instanceof ConfrereError) return reply.redirect(`${page}?error=${error.code}`, 302);
        request.log.error({ err: error }, "pro santé connect callback failed");
        return reply.redirect(`${page}?error=${ErrorCode.INTERNAL_ERROR}`, 302);
      }
    },
  );

  app.post(
    `${API}/psc/complete`,
    {
      config: authRateLimit(ctx),
      schema: {
        summary:
          "Redeem the ticket of a Pro Santé Connect round trip: a new session, a linked account, or no account yet",
        tags: ["pro-sante-connect"],
        body: PscCompleteRequest,
        response: { 200: PscCompleteResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      reply.header("cache-control", "no-store");
      return psc.complete(request.body.ticket, request.ip);
    },
  );
}

function badDeviceName(message: string): ConfrereError {
  return new ConfrereError(ErrorCode.VALIDATION_FAILED, 400, `startPsc: ${message}`, {
    location: "body",
    field: "deviceName",
  });
}

/**
 * The redirect URI as PSC called it, query included: built on PUBLIC_URL (what PSC knows), not on
 * the Host header, since it must equal the registered redirect URI at the token endpoint.
 */
function callbackUrl(ctx: AppContext, request: FastifyRequest): URL {
  const query = request.url.includes("?") ? request.url.slice(request.url.indexOf("?")) : "";
  return new URL(`${ctx.config.publicUrl}${PSC_CALLBACK_PATH}${query}`);
}

/** One cookie's value from the Cookie header, or null. */
function cookie(request: FastifyRequest, name: string): string | null {
  for (const part of (request.headers.cookie ?? "").split(";")) {
    const index = part.indexOf("=");
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return null;
}
