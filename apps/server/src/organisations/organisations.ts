import {
  ConfrereError,
  type CreateOrganisationRequest,
  checkFiness,
  ErrorCode,
  normaliseCommuneCode,
  normaliseDepartementCode,
  type Organisation,
  type OrganisationCounts,
  type UpdateOrganisationRequest,
} from "@confrere/protocol";
import { newId } from "../accounts/tokens.ts";
import type { AppContext } from "../context.ts";
import type { OrganisationPerimeterTable } from "../db/schema-organisations.ts";
import { queryWords, searchDocument } from "../directory/search-text.ts";
import { type OrganisationRow, organisationPerimeter, type Perimeter } from "./organisation-access.ts";

/** Who did it, from where: what the audit trail records with the action. */
export interface AuditSource {
  actorId: string;
  ip: string | null;
  deviceId: string | null;
}

export function toOrganisation(row: OrganisationRow, perimeter: Perimeter): Organisation {
  return {
    id: row.id,
    kind: row.kind,
    territoryType: row.territory_type,
    name: row.name,
    finess: row.finess,
    communeCode: row.commune_code,
    communeLabel: row.commune_label,
    departement: row.departement_code,
    sponsored: Number(row.sponsored) === 1,
    perimeter,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** The organisation as the wire shows it, perimeter included. */
export async function loadOrganisation(ctx: AppContext, row: OrganisationRow): Promise<Organisation> {
  return toOrganisation(row, await organisationPerimeter(ctx, row.id));
}

/** The words an organisation is found by (with its services' names): name, commune, département. */
function searchKeyOf(
  row: Pick<OrganisationRow, "name" | "commune_label" | "commune_code" | "departement_code">,
) {
  return searchDocument([row.name, row.commune_label, row.commune_code, row.departement_code]);
}

/**
 * Checks and normalises a perimeter: every commune an INSEE code, every département a code, no
 * duplicates. A wrong code refuses the whole request (nothing is written).
 */
export function checkPerimeter(
  input: { communes?: string[] | undefined; departements?: string[] | undefined },
  operation: string,
): Perimeter {
  const communes = new Set<string>();
  (input.communes ?? []).forEach((raw, index) => {
    const code = normaliseCommuneCode(raw);
    if (code === null) {
      throw new ConfrereError(
        ErrorCode.COMMUNE_CODE_INVALID,
        400,
        `${operation}: communes[${index}] is not an INSEE commune code (5 characters: the département, then 3 digits; 97x then 2 digits overseas); check it`,
        { index },
      );
    }
    communes.add(code);
  });
  const departements = new Set<string>();
  (input.departements ?? []).forEach((raw, index) => {
    const code = normaliseDepartementCode(raw);
    if (code === null) {
      throw new ConfrereError(
        ErrorCode.DEPARTEMENT_CODE_INVALID,
        400,
        `${operation}: departements[${index}] is not a département code (01 to 95, 2A, 2B, 971 to 978); check it`,
        { index },
      );
    }
    departements.add(code);
  });
  return { communes: [...communes].sort(), departements: [...departements].sort() };
}

function perimeterRows(organisationId: string, perimeter: Perimeter): OrganisationPerimeterTable[] {
  return [
    ...perimeter.communes.map((code) => ({
      organisation_id: organisationId,
      kind: "commune" as const,
      code,
    })),
    ...perimeter.departements.map((code) => ({
      organisation_id: organisationId,
      kind: "departement" as const,
      code,
    })),
  ];
}

/** A name with its spaces tidied, or VALIDATION_FAILED when nothing but spaces is left. */
function organisationName(input: string, operation: string): string {
  const name = input.trim().replace(/\s+/g, " ");
  if (name === "") {
    throw new ConfrereError(ErrorCode.VALIDATION_FAILED, 400, `${operation}: the name is empty; type it`);
  }
  return name;
}

function requireSomePerimeter(perimeter: Perimeter, operation: string): void {
  if (perimeter.communes.length === 0 && perimeter.departements.length === 0) {
    throw new ConfrereError(
      ErrorCode.TERRITORY_PERIMETER_REQUIRED,
      400,
      `${operation}: a territory covers at least one commune or département; list them in communes or departements`,
    );
  }
}

/** The directory's establishment with this FINESS site, else the first site of this legal entity. */
async function directoryEstablishment(ctx: AppContext, finess: string) {
  const columns = [
    "name",
    "trade_name",
    "siret",
    "commune_code",
    "commune_label",
    "departement_code",
  ] as const;
  return (
    (await ctx.db
      .selectFrom("directory_establishments")
      .select(columns)
      .where("finess_site", "=", finess)
      .orderBy("id")
      .limit(1)
      .executeTakeFirst()) ??
    (await ctx.db
      .selectFrom("directory_establishments")
      .select(columns)
      .where("finess_legal_entity", "=", finess)
      .orderBy("id")
      .limit(1)
      .executeTakeFirst())
  );
}

/**
 * Creates an establishment (from a FINESS: its name and place from the directory unless a name is
 * given; a FINESS the directory does not know needs a name) or a territory (with a perimeter).
 */
export async function createOrganisation(
  ctx: AppContext,
  input: CreateOrganisationRequest,
  by: AuditSource,
): Promise<OrganisationRow> {
  const operation = "createOrganisation";
  const now = ctx.clock.now();
  const id = newId();
  let row: OrganisationRow;
  let perimeter: Perimeter = { communes: [], departements: [] };
  if (input.kind === "establishment") {
    const checked = checkFiness(input.finess);
    if (!checked.ok) throw new ConfrereError(checked.code, 400, checked.message);
    const finess = checked.value;
    await refuseTakenFiness(ctx, finess, operation);
    const place = await directoryEstablishment(ctx, finess);
    const name =
      (input.name === undefined ? null : organisationName(input.name, operation)) ??
      place?.name ??
      place?.trade_name;
    if (!name) {
      throw new ConfrereError(
        ErrorCode.ORGANISATION_NAME_REQUIRED,
        400,
        `${operation}: the directory has no establishment with this FINESS; give its name`,
      );
    }
    // The FINESS's first two characters are its département (three overseas).
    const departement =
      place?.departement_code ?? normaliseDepartementCode(finess.slice(0, finess.startsWith("97") ? 3 : 2));
    const located = {
      name,
      commune_code: place?.commune_code ?? null,
      commune_label: place?.commune_label ?? null,
      departement_code: departement,
    };
    row = {
      id,
      kind: "establishment",
      territory_type: null,
      finess,
      siren: place?.siret?.slice(0, 9) ?? null,
      sponsored: 0,
      ...located,
      search_key: searchKeyOf(located),
      created_by: by.actorId,
      created_at: now,
      updated_at: now,
    };
  } else {
    perimeter = checkPerimeter(input, operation);
    requireSomePerimeter(perimeter, operation);
    const name = organisationName(input.name, operation);
    row = {
      id,
      kind: "territory",
      territory_type: input.territoryType,
      name,
      finess: null,
      siren: null,
      commune_code: null,
      commune_label: null,
      departement_code: null,
      search_key: searchKeyOf({ name, commune_code: null, commune_label: null, departement_code: null }),
      sponsored: input.sponsored ? 1 : 0,
      created_by: by.actorId,
      created_at: now,
      updated_at: now,
    };
  }
  try {
    await ctx.db.transaction().execute(async (tx) => {
      await tx.insertInto("organisations").values(row).execute();
      const rows = perimeterRows(id, perimeter);
      if (rows.length) await tx.insertInto("organisation_perimeter").values(rows).execute();
    });
  } catch (error) {
    // Another request created an organisation with the same FINESS in between (unique column).
    if (row.finess) await refuseTakenFiness(ctx, row.finess, operation);
    throw error;
  }
  await ctx.audit.record({
    action: "organisation.created",
    actorId: by.actorId,
    targetType: "organisation",
    targetId: id,
    ip: by.ip,
    deviceId: by.deviceId,
    detail: { kind: row.kind },
  });
  return row;
}

async function refuseTakenFiness(ctx: AppContext, finess: string, operation: string): Promise<void> {
  const taken = await ctx.db
    .selectFrom("organisations")
    .select("id")
    .where("finess", "=", finess)
    .executeTakeFirst();
  if (taken) {
    throw new ConfrereError(
      ErrorCode.CONFLICT,
      409,
      `${operation}: an organisation with this FINESS exists already; change that one`,
      { organisationId: taken.id },
    );
  }
}

/** Renames, sets sponsorship, replaces the perimeter (territories only for the last two). */
export async function updateOrganisation(
  ctx: AppContext,
  organisation: OrganisationRow,
  patch: UpdateOrganisationRequest,
  by: AuditSource,
): Promise<OrganisationRow> {
  const operation = "updateOrganisation";
  const isTerritorial =
    patch.sponsored !== undefined || patch.communes !== undefined || patch.departements !== undefined;
  if (isTerritorial && organisation.kind !== "territory") {
    throw new ConfrereError(
      ErrorCode.ORGANISATION_NOT_A_TERRITORY,
      409,
      `${operation}: only a territory has a perimeter and sponsors its members; change the name only`,
    );
  }
  let perimeter: Perimeter | null = null;
  if (patch.communes !== undefined || patch.departements !== undefined) {
    const current = await organisationPerimeter(ctx, organisation.id);
    perimeter = checkPerimeter(
      {
        communes: patch.communes ?? current.communes,
        departements: patch.departements ?? current.departements,
      },
      operation,
    );
    requireSomePerimeter(perimeter, operation);
  }
  const name = patch.name === undefined ? organisation.name : organisationName(patch.name, operation);
  const updated: OrganisationRow = {
    ...organisation,
    name,
    search_key: searchKeyOf({ ...organisation, name }),
    sponsored: patch.sponsored === undefined ? organisation.sponsored : patch.sponsored ? 1 : 0,
    updated_at: ctx.clock.now(),
  };
  await ctx.db.transaction().execute(async (tx) => {
    await tx
      .updateTable("organisations")
      .set({
        name: updated.name,
        search_key: updated.search_key,
        sponsored: updated.sponsored,
        updated_at: updated.updated_at,
      })
      .where("id", "=", organisation.id)
      .execute();
    if (perimeter) {
      await tx.deleteFrom("organisation_perimeter").where("organisation_id", "=", organisation.id).execute();
      const rows = perimeterRows(organisation.id, perimeter);
      if (rows.length) await tx.insertInto("organisation_perimeter").values(rows).execute();
    }
  });
  await ctx.audit.record({
    action: "organisation.updated",
    actorId: by.actorId,
    targetType: "organisation",
    targetId: organisation.id,
    ip: by.ip,
    deviceId: by.deviceId,
    detail: {
      name: patch.name !== undefined,
      sponsored: patch.sponsored ?? null,
      perimeter: perimeter !== null,
    },
  });
  return updated;
}

/** Operators' list: organisations by name, with how many admins, members and services each has. */
export async function listOrganisations(
  ctx: AppContext,
  query: { kind?: "establishment" | "territory" | undefined; q?: string | undefined; limit: number },
): Promise<{ organisation: Organisation; counts: OrganisationCounts }[]> {
  let select = ctx.db
    .selectFrom("organisations")
    .selectAll("organisations")
    .select((eb) => [
      eb
        .selectFrom("organisation_members")
        .select(eb.fn.countAll<number>().as("n"))
        .whereRef("organisation_members.organisation_id", "=", "organisations.id")
        .where("organisation_members.role", "=", "admin")
        .as("admin_count"),
      eb
        .selectFrom("organisation_members")
        .select(eb.fn.countAll<number>().as("n"))
        .whereRef("organisation_members.organisation_id", "=", "organisations.id")
        .as("member_count"),
      eb
        .selectFrom("services")
        .select(eb.fn.countAll<number>().as("n"))
        .whereRef("services.organisation_id", "=", "organisations.id")
        .as("service_count"),
    ]);
  if (query.kind) select = select.where("organisations.kind", "=", query.kind);
  // Folded words are [a-z0-9] only: nothing in them is a LIKE metacharacter.
  for (const word of queryWords(query.q ?? "")) {
    select = select.where("organisations.search_key", "like", `%${word}%`);
  }
  const rows = await select
    .orderBy("organisations.search_key")
    .orderBy("organisations.id")
    .limit(query.limit)
    .execute();
  const perimeters = await perimetersOf(
    ctx,
    rows.map((r) => r.id),
  );
  return rows.map(({ admin_count, member_count, service_count, ...row }) => ({
    organisation: toOrganisation(row, perimeters.get(row.id) ?? { communes: [], departements: [] }),
    counts: {
      admins: Number(admin_count ?? 0),
      members: Number(member_count ?? 0),
      services: Number(service_count ?? 0),
    },
  }));
}

/** The perimeters of several organisations in one query. */
export async function perimetersOf(
  ctx: AppContext,
  organisationIds: string[],
): Promise<Map<string, Perimeter>> {
  const result = new Map<string, Perimeter>();
  if (organisationIds.length === 0) return result;
  const rows = await ctx.db
    .selectFrom("organisation_perimeter")
    .selectAll()
    .where("organisation_id", "in", organisationIds)
    .orderBy("code")
    .execute();
  for (const row of rows) {
    const perimeter = result.get(row.organisation_id) ?? { communes: [], departements: [] };
    (row.kind === "commune" ? perimeter.communes : perimeter.departements).push(row.code);
    result.set(row.organisation_id, perimeter);
  }
  return result;
}

/** The organisations where the user is an administrator or a member. */
export async function myOrganisations(
  ctx: AppContext,
  userId: string,
): Promise<{ organisation: Organisation; role: "admin" | "member" }[]> {
  const rows = await ctx.db
    .selectFrom("organisation_members")
    .innerJoin("organisations", "organisations.id", "organisation_members.organisation_id")
    .selectAll("organisations")
    .select("organisation_members.role")
    .where("organisation_members.user_id", "=", userId)
    .orderBy("organisations.search_key")
    .orderBy("organisations.id")
    .execute();
  const perimeters = await perimetersOf(
    ctx,
    rows.map((r) => r.id),
  );
  return rows.map(({ role, ...row }) => ({
    organisation: toOrganisation(row, perimeters.get(row.id) ?? { communes: [], departements: [] }),
    role,
  }));
}
