import { Type } from "@sinclair/typebox";
import type { AppContext } from "../context.ts";
import type { App } from "../http/app.ts";

const Readiness = Type.Object({
  ok: Type.Boolean(),
  database: Type.Boolean(),
  bus: Type.Union([Type.Literal("local"), Type.Literal("connected"), Type.Literal("disconnected")]),
});

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
        summary:
          "The database answers (ready to take traffic); `bus` says whether this node reaches the others (Redis)",
        tags: ["health"],
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_request, reply) => {
      const database = await ctx.database.ping();
      // A node that lost Redis still serves its own devices: it stays ready and says it is cut off.
      const bus = ctx.bus.status();
      return reply.status(database ? 200 : 503).send({ ok: database, database, bus });
    },
  );
}
