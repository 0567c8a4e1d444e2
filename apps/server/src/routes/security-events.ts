import type { SecurityEvent } from "@confrere/protocol";
import { PageQuery, SecurityEventListResponse } from "@confrere/protocol";
import type { Selectable } from "kysely";
import type { AppContext } from "../context.ts";
import type { AuditEventsTable } from "../db/schema.ts";
import type { App } from "../http/app.ts";
import { authorize } from "../http/auth-guard.ts";
import { API, errorResponses } from "./index.ts";

export function toSecurityEvent(row: Selectable<AuditEventsTable>): SecurityEvent {
  return {
    id: Number(row.seq),
    at: row.at,
    actorId: row.actor_id,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    ip: row.ip,
    deviceId: row.device_id,
    detail: row.detail ? (JSON.parse(row.detail) as Record<string, unknown>) : null,
  };
}

export function pageOf(query: PageQuery): { limit: number; before: number | null } {
  const limit = Math.min(200, Math.max(1, Number(query.limit ?? 50)));
  return { limit, before: query.before ? Number(query.before) : null };
}

export function securityEventRoutes(app: App, ctx: AppContext): void {
  app.get(
    `${API}/me/security-events`,
    {
      schema: {
        summary: "Security events of my account, newest first",
        tags: ["audit"],
        security: [{ session: [] }],
        querystring: PageQuery,
        response: { 200: SecurityEventListResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = (await authorize(ctx, request, "user"))!;
      const { limit, before } = pageOf(request.query);
      let query = ctx.db
        .selectFrom("audit_events")
        .selectAll()
        .where((eb) => eb.or([eb("actor_id", "=", user.id), eb("target_id", "=", user.id)]));
      if (before !== null) query = query.where("seq", "<", before);
      const rows = await query.orderBy("seq", "desc").limit(limit).execute();
      return { events: rows.map(toSecurityEvent) };
    },
  );

  app.get(
    `${API}/admin/audit-events`,
    {
      schema: {
        summary: "The whole audit trail, newest first (operators)",
        tags: ["audit", "operators"],
        security: [{ session: [] }],
        querystring: PageQuery,
        response: { 200: SecurityEventListResponse, ...errorResponses },
      },
    },
    async (request) => {
      await authorize(ctx, request, "operator");
      const { limit, before } = pageOf(request.query);
      let query = ctx.db.selectFrom("audit_events").selectAll();
      if (before !== null) query = query.where("seq", "<", before);
      const rows = await query.orderBy("seq", "desc").limit(limit).execute();
      return { events: rows.map(toSecurityEvent) };
    },
  );
}
