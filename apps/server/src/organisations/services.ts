import {
  ConfrereError,
  ErrorCode,
  OrganisationLimits,
  type RosterEntry,
  type Service,
  type ServiceSummary,
} from "@confrere/protocol";
import { newId } from "../accounts/tokens.ts";
import type { AppContext } from "../context.ts";
import type { Db } from "../db/database.ts";
import type { ServicesTable } from "../db/schema-organisations.ts";
import { foldSearchText } from "../directory/search-text.ts";
import { type OrganisationRow, requireOrganisation } from "./organisation-access.ts";
import { insertMembers, requireVerifiedUsers } from "./organisation-members.ts";
import type { AuditSource } from "./organisations.ts";

export type ServiceRow = ServicesTable;

/** The service, or SERVICE_NOT_FOUND. */
export async function requireService(
  ctx: AppContext,
  serviceId: string,
  operation: string,
): Promise<ServiceRow> {
  const service = await ctx.db
    .selectFrom("services")
    .selectAll()
    .where("id", "=", serviceId)
    .executeTakeFirst();
  if (!service) {
    throw new ConfrereError(ErrorCode.SERVICE_NOT_FOUND, 404, `${operation}: no such service; check its id`);
  }
  return service;
}

/**
 * The roster people can be reached on: verified, not suspended. Someone whose verification was
 * withdrawn stays on the roster (an admin may restore it) but is not counted or messaged.
 */
function reachableRoster(db: Db) {
  return db
    .selectFrom("service_roster")
    .innerJoin("users", "users.id", "service_roster.user_id")
    .where("users.identity_verified_at", "is not", null)
    .where("users.suspended_at", "is", null);
}

/** Reachable roster sizes by service id. */
export async function rosterSizes(ctx: AppContext, serviceIds: string[]): Promise<Map<string, number>> {
  if (serviceIds.length === 0) return new Map();
  const rows = await reachableRoster(ctx.db)
    .select(["service_roster.service_id", (eb) => eb.fn.countAll<number>().as("n")])
    .where("service_roster.service_id", "in", serviceIds)
    .groupBy("service_roster.service_id")
    .execute();
  return new Map(rows.map((r) => [r.service_id, Number(r.n)]));
}

export function toService(row: ServiceRow, rosterSize: number): Service {
  return {
    id: row.id,
    organisationId: row.organisation_id,
    name: row.name,
    rosterSize,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export async function loadService(ctx: AppContext, row: ServiceRow): Promise<Service> {
  return toService(row, (await rosterSizes(ctx, [row.id])).get(row.id) ?? 0);
}

/** The services of an establishment, by name. */
export async function listServices(ctx: AppContext, organisationId: string): Promise<Service[]> {
  const rows = await ctx.db
    .selectFrom("services")
    .selectAll()
    .where("organisation_id", "=", organisationId)
    .orderBy("name_key")
    .orderBy("id")
    .execute();
  const sizes = await rosterSizes(
    ctx,
    rows.map((r) => r.id),
  );
  return rows.map((row) => toService(row, sizes.get(row.id) ?? 0));
}

/** The trimmed name and its folded key (unique per establishment), or VALIDATION_FAILED. */
function serviceName(input: string, operation: string): { name: string; key: string } {
  const name = input.trim().replace(/\s+/g, " ");
  const key = foldSearchText(name);
  if (key === "") {
    throw new ConfrereError(
      ErrorCode.VALIDATION_FAILED,
      400,
      `${operation}: a service name needs letters or digits, e.g. "Cardiologie"`,
    );
  }
  return { name, key };
}

async function refuseTakenName(
  ctx: AppContext,
  organisationId: string,
  key: string,
  exceptServiceId: string | null,
  operation: string,
): Promise<void> {
  const taken = await ctx.db
    .selectFrom("services")
    .select("id")
    .where("organisation_id", "=", organisationId)
    .where("name_key", "=", key)
    .executeTakeFirst();
  if (taken && taken.id !== exceptServiceId) {
    throw new ConfrereError(
      ErrorCode.CONFLICT,
      409,
      `${operation}: the establishment has a service of that name already (case and accents aside); choose another name`,
      { serviceId: taken.id },
    );
  }
}

export async function createService(
  ctx: AppContext,
  organisation: OrganisationRow,
  input: string,
  by: AuditSource,
): Promise<ServiceRow> {
  const operation = "createService";
  if (organisation.kind !== "establishment") {
    throw new ConfrereError(
      ErrorCode.ORGANISATION_NOT_AN_ESTABLISHMENT,
      409,
      `${operation}: only establishments have services; a territory has members`,
    );
  }
  const { name, key } = serviceName(input, operation);
  await refuseTakenName(ctx, organisation.id, key, null, operation);
  const now = ctx.clock.now();
  const row: ServiceRow = {
    id: newId(),
    organisation_id: organisation.id,
    name,
    name_key: key,
    created_at: now,
    updated_at: now,
  };
  try {
    await ctx.db.insertInto("services").values(row).execute();
  } catch (error) {
    // The same name was taken in between (unique organisation_id, name_key).
    await refuseTakenName(ctx, organisation.id, key, null, operation);
    throw error;
  }
  await ctx.audit.record({
    action: "service.created",
    actorId: by.actorId,
    targetType: "service",
    targetId: row.id,
    ip: by.ip,
    deviceId: by.deviceId,
    detail: { organisationId: organisation.id },
  });
  return row;
}

export async function renameService(
  ctx: AppContext,
  service: ServiceRow,
  input: string,
  by: AuditSource,
): Promise<ServiceRow> {
  const operation = "updateService";
  const { name, key } = serviceName(input, operation);
  await refuseTakenName(ctx, service.organisation_id, key, service.id, operation);
  const updated = { ...service, name, name_key: key, updated_at: ctx.clock.now() };
  try {
    await ctx.db
      .updateTable("services")
      .set({ name, name_key: key, updated_at: updated.updated_at })
      .where("id", "=", service.id)
      .execute();
  } catch (error) {
    await refuseTakenName(ctx, service.organisation_id, key, service.id, operation);
    throw error;
  }
  await ctx.audit.record({
    action: "service.updated",
    actorId: by.actorId,
    targetType: "service",
    targetId: service.id,
    ip: by.ip,
    deviceId: by.deviceId,
  });
  return updated;
}

/** Deletes the service and its roster; the staff stay members of the establishment. */
export async function deleteService(ctx: AppContext, service: ServiceRow, by: AuditSource): Promise<void> {
  await ctx.db.transaction().execute(async (tx) => {
    await tx.deleteFrom("service_roster").where("service_id", "=", service.id).execute();
    await tx.deleteFrom("services").where("id", "=", service.id).execute();
  });
  await ctx.audit.record({
    action: "service.deleted",
    actorId: by.actorId,
    targetType: "service",
    targetId: service.id,
    ip: by.ip,
    deviceId: by.deviceId,
    detail: { organisationId: service.organisation_id },
  });
}

/**
 * Changes a roster: adds and removes people. Staff must be verified professionals; they become
 * members of the establishment. A roster fits in one group conversation with the caller.
 */
export async function changeRoster(
  ctx: AppContext,
  service: ServiceRow,
  change: { add: string[]; remove: string[] } | { replaceWith: string[] },
  by: AuditSource,
): Promise<void> {
  const operation = "changeRoster";
  const current = new Set(
    (
      await ctx.db
        .selectFrom("service_roster")
        .select("user_id")
        .where("service_id", "=", service.id)
        .execute()
    ).map((r) => r.user_id),
  );
  let add: string[];
  let remove: string[];
  if ("replaceWith" in change) {
    const wanted = new Set(change.replaceWith);
    add = [...wanted].filter((id) => !current.has(id));
    remove = [...current].filter((id) => !wanted.has(id));
  } else {
    add = [...new Set(change.add)].filter((id) => !current.has(id));
    remove = [...new Set(change.remove)].filter((id) => current.has(id));
  }
  if (current.size + add.length - remove.length > OrganisationLimits.maxRosterSize) {
    throw new ConfrereError(
      ErrorCode.GROUP_TOO_LARGE,
      400,
      `${operation}: a roster has at most ${OrganisationLimits.maxRosterSize} people (a message to the service goes to all of them); split the service`,
    );
  }
  await requireVerifiedUsers(ctx, add, operation);
  if (add.length === 0 && remove.length === 0) return;
  const organisation = await requireOrganisation(ctx, service.organisation_id, operation);
  await insertMembers(ctx, organisation.id, add, by);
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (tx) => {
    if (remove.length) {
      await tx
        .deleteFrom("service_roster")
        .where("service_id", "=", service.id)
        .where("user_id", "in", remove)
        .execute();
    }
    if (add.length) {
      await tx
        .insertInto("service_roster")
        .values(
          add.map((user_id) => ({ service_id: service.id, user_id, added_by: by.actorId, created_at: now })),
        )
        .onConflict((oc) => oc.columns(["service_id", "user_id"]).doNothing())
        .execute();
    }
  });
  await ctx.audit.record({
    action: "service.roster_changed",
    actorId: by.actorId,
    targetType: "service",
    targetId: service.id,
    ip: by.ip,
    deviceId: by.deviceId,
    detail: { added: add.length, removed: remove.length },
  });
}

/** The reachable staff of a service, by name: whom a message to the service goes to. */
export async function rosterOf(ctx: AppContext, serviceId: string): Promise<RosterEntry[]> {
  const rows = await reachableRoster(ctx.db)
    .select(["users.id", "users.display_name"])
    .where("service_roster.service_id", "=", serviceId)
    .orderBy("users.display_name")
    .orderBy("users.id")
    .execute();
  return rows.map((r) => ({ userId: r.id, displayName: r.display_name }));
}

/** A service as a professional who wants to reach it sees it. */
export async function serviceSummary(ctx: AppContext, service: ServiceRow): Promise<ServiceSummary> {
  const organisation = await requireOrganisation(ctx, service.organisation_id, "serviceSummary");
  return {
    id: service.id,
    name: service.name,
    organisationId: organisation.id,
    establishmentName: organisation.name,
    commune: organisation.commune_label,
    departement: organisation.departement_code,
    rosterSize: (await rosterSizes(ctx, [service.id])).get(service.id) ?? 0,
  };
}
