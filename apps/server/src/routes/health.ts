import { Type } from "@sinclair/typebox";
import type { AppContext } from "../context.ts";
import type { App } from "../http/app.ts";

export function healthRoutes(app: App, ctx: AppContext): void {
  app.get(
    "/healthz",
    {
      schema: {
        summary: "The process is up",
        tags: ["health"],
        response: { 200: Type.Object({ ok: Type.Boolean() }) },
      },
    },
    async () => ({ ok: true }),
  );
  app.get(
    "/readyz",
    {
      schema: {
        summary: "The database answers (ready to take traffic)",
        tags: ["health"],
        response: {
          200: Type.Object({ ok: Type.Boolean(), database: Type.Boolean() }),
          503: Type.Object({ ok: Type.Boolean(), database: Type.Boolean() }),
        },
      },
    },
    async (_request, reply) => {
      const database = await ctx.database.ping();
      return reply.status(database ? 200 : 503).send({ ok: database, database });
    },
  );
}
