import fs from "node:fs";
import path from "node:path";
import fastifyStatic from "@fastify/static";
import type { App } from "./app.ts";

/** Where `npm run build -w @confrere/web` puts the browser app. */
export const WEB_DIST = path.resolve(import.meta.dirname, "../../../web/dist");

/**
 * Serves the web app at `/` when it has been built: its files, and index.html for any other
 * non-API path so that links from e-mails (`/verifier-email?token=…`) open the app's own screens.
 */
export async function serveWebApp(app: App, directory = WEB_DIST): Promise<boolean> {
  if (!fs.existsSync(path.join(directory, "index.html"))) return false;
  await app.register(fastifyStatic, {
    root: directory,
    wildcard: false,
    // Hashed assets can be cached for good; index.html and the service worker must be fresh.
    setHeaders(res, filePath) {
      if (/\/assets\//.test(filePath)) res.header("cache-control", "public, max-age=31536000, immutable");
      else res.header("cache-control", "no-cache");
    },
  });
  app.get("/*", { schema: { hide: true } }, (request, reply) => {
    if (request.url.startsWith("/api/")) {
      return reply.callNotFound();
    }
    return reply.type("text/html").header("cache-control", "no-cache").sendFile("index.html");
  });
  return true;
}
