import { ConfrereError, ErrorCode } from "@confrere/protocol";
import helmet from "@fastify/helmet";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import websocket from "@fastify/websocket";
import Fastify, { type FastifyInstance } from "fastify";
import type { AppContext } from "../context.ts";
import { registerRoutes } from "../routes/index.ts";
import { errorHandler, notFoundHandler } from "./errors.ts";
import { lazySchemaCompilers } from "./lazy-schemas.ts";
import { serveWebApp } from "./web-app.ts";

export type App = FastifyInstance<
  import("node:http").Server,
  import("node:http").IncomingMessage,
  import("node:http").ServerResponse,
  import("pino").Logger,
  TypeBoxTypeProvider
>;

/** Builds the HTTP app for a context; `listen` is the caller's business. */
export async function buildApp(ctx: AppContext): Promise<App> {
  const app = Fastify({
    loggerInstance: ctx.logger,
    bodyLimit: ctx.config.bodyLimitBytes,
    trustProxy: ctx.config.trustProxy,
    return503OnClosing: true,
    forceCloseConnections: "idle",
    requestIdHeader: false,
    // Errors Fastify raises before routing (a malformed URL, an overlong parameter) get our shape too.
    frameworkErrors: errorHandler,
    schemaController: { compilersFactory: lazySchemaCompilers },
    ajv: {
      // Wrong types are refused, not coerced; unknown fields are refused, not dropped.
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: false },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:", "blob:"],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
      },
    },
    hsts: { maxAge: 31_536_000, includeSubDomains: true },
    referrerPolicy: { policy: "no-referrer" },
    crossOriginEmbedderPolicy: false,
  });
  // No CORS plugin: the browser app is served from the same origin, so cross-origin calls stay closed.

  // A cluster shares its counters through Redis; a lone node counts in memory.
  const sharedLimits = ctx.config.redisUrl
    ? new (await import("./rate-limit-store.ts")).SharedRateLimits(
        ctx.config.redisUrl,
        `confrere:rate:${ctx.config.databaseSchema ?? "public"}:`,
      )
    : null;
  if (sharedLimits) app.addHook("onClose", () => sharedLimits.close());
  await app.register(rateLimit, {
    global: false,
    ...(sharedLimits ? { store: sharedLimits.storeClass() } : {}),
    errorResponseBuilder: (_request, context) =>
      new ConfrereError(
        ErrorCode.RATE_LIMITED,
        429,
        `too many requests; try again in ${Math.ceil(context.ttl / 1000)} s`,
        {
          retryAfterSeconds: Math.ceil(context.ttl / 1000),
        },
      ),
  });

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Confrère API",
        version: "1",
        description:
          "HTTP API of Confrère, the secure messenger for health professionals. Generated from packages/protocol.",
      },
      components: {
        securitySchemes: {
          session: { type: "http", scheme: "bearer", description: "Session token from login" },
        },
      },
    },
  });

  // Frames are small JSON objects; anything bigger is refused by the ws library itself.
  // A `send` frame carries an application message of up to 64 KiB as base64url (4/3), plus its fields.
  await app.register(websocket, { options: { maxPayload: 96 * 1024 } });
  await registerRoutes(app, ctx);

  app.get("/api/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  await serveWebApp(app);
  return app;
}
