import { ConfrereError, ErrorCode, type OrganisationMember } from "@confrere/protocol";
import type { AppContext } from "../context.ts";
import { type OrganisationRow, organisationPerimeter, type Perimeter } from "./organisation-access.ts";
import type { AuditSource } from "./organisations.ts";

/** An account that may be named in an organisation, or USER_NOT_FOUND. */
async function requireUser(ctx: AppContext, userId: string, operation: string) {
  const user = await ctx.db
    .selectFrom("users")
    .select(["id", "display_name", "identity_verified_at", "suspended_at", "national_id"])
    .where("id", "=", userId)
    .executeTakeFirst();
  if (!user) {
    throw new ConfrereError(ErrorCode.USER_NOT_FOUND, 404, `${operation}: no such user; check the id`);
  }
  return user;
}

/**
 * Members and staff are verified professionals: being in an organisation makes them reachable (a
 * roster) or sponsored (a territory), which only a proven identity may be.
 */
export async function requireVerifiedUsers(
  ctx: AppContext,
  userIds: string[],
  operation: string,
): Promise<void> {
  if (userIds.length === 0) return;
  const rows = await ctx.db
    .selectFrom("users")
    .select(["id", "identity_verified_at", "suspended_at"])
    .where("id", "in", userIds)
    .execute();
  const known = new Map(rows.map((r) => [r.id, r]));
  const unknown = userIds.filter((id) => !known.has(id));
  if (unknown.length) {
    throw new ConfrereError(
      ErrorCode.USER_NOT_FOUND,
      404,
      `${operation}: ${unknown.length} of the people named have no account; check the ids`,
      { userIds: unknown },
    );
  }
  const unverified = rows
    .filter((r) => r.identity_verified_at === null || r.suspended_at !== null)
    .map((r) => r.id);
  if (unverified.length) {
    throw new ConfrereError(
      ErrorCode.ORGANISATION_USER_NOT_VERIFIED,
      409,
      `${operation}: ${unverified.length} of the people named are not verified professionals (or are suspended); they must have their identity verified first`,
      { userIds: unverified },
    );
  }
}

/**
 * Whether the directory lists a practice of this professional inside the perimeter: an
 * establishment in one of its communes, or a situation in one of its départements.
 */
export async function practisesInPerimeter(
  ctx: AppContext,
  nationalId: string,
  perimeter: Perimeter,
): Promise<boolean> {
  const { communes, departements } = perimeter;
  if (communes.length === 0 && departements.length === 0) return false;
  const row = await ctx.db
    .selectFrom("directory_professionals")
    .innerJoin(
      "directory_practice_situations",
      "directory_practice_situations.professional_id",
      "directory_professionals.id",
    )
    .leftJoin(
      "directory_establishments",
      "directory_establishments.id",
      "directory_practice_situations.establishment_id",
    )
    .select("directory_practice_situations.id")
    .where("directory_professionals.national_id", "=", nationalId)
    .where((eb) =>
      eb.or([
        ...(communes.length ? [eb("directory_establishments.commune_code", "in", communes)] : []),
        ...(departements.length
          ? [
              eb("directory_practice_situations.departement_code", "in", departements),
              eb("directory_establishments.departement_code", "in", departements),
            ]
          : []),
      ]),
    )
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

async function memberRow(ctx: AppContext, organisationId: string, userId: string) {
  return ctx.db
    .selectFrom("organisation_members")
    .innerJoin("users", "users.id", "organisation_members.user_id")
    .select([
      "organisation_members.user_id",
      "organisation_members.role",
      "organisation_members.created_at",
      "users.display_name",
      "users.identity_verified_at",
    ])
    .where("organisation_members.organisation_id", "=", organisationId)
    .where("organisation_members.user_id", "=", userId)
    .executeTakeFirst();
}

type MemberRow = NonNullable<Awaited<ReturnType<typeof memberRow>>>;

function toMember(row: MemberRow): OrganisationMember {
  return {
    userId: row.user_id,
    displayName: row.display_name,
    role: row.role,
    isVerified: row.identity_verified_at !== null,
    addedAt: Number(row.created_at),
  };
}

/**
 * Adds a verified professional as a member (idempotent: an existing member or admin is returned
 * as is). A territory takes only professionals whose directory practice is inside its perimeter,
 * when the account is linked to the directory; an operator may override that, explicitly.
 *
 * Also used by bulk invitations once an invited professional is verified.
 */
export async function addOrganisationMember(
  ctx: AppContext,
  organisation: OrganisationRow,
  userId: string,
  options: { overridePerimeter?: boolean; by: AuditSource },
): Promise<OrganisationMember> {
  const operation = "addMember";
  const user = await requireUser(ctx, userId, operation);
  await requireVerifiedUsers(ctx, [user.id], operation);
  const existing = await memberRow(ctx, organisation.id, user.id);
  if (existing) return toMember(existing);
  // An account not linked to the directory (verified by an operator from a document) cannot be
  // placed: it is let in, as the operator who verified it vouched for the person.
  if (organisation.kind === "territory" && user.national_id !== null && !options.overridePerimeter) {
    const perimeter = await organisationPerimeter(ctx, organisation.id);
    if (!(await practisesInPerimeter(ctx, user.national_id, perimeter))) {
      throw new ConfrereError(
        ErrorCode.TERRITORY_MEMBER_OUTSIDE_PERIMETER,
        409,
        `${operation}: the directory lists no practice of this professional inside the territory's communes or départements; an operator may add them anyway`,
      );
    }
  }
  await insertMembers(ctx, organisation.id, [user.id], options.by);
  return toMember((await memberRow(ctx, organisation.id, user.id))!);
}

/**
 * Inserts member rows for those of `userIds` not yet in the organisation, and audits each. Callers
 * have checked the people; a concurrent insert of the same person is not an error.
 */
export async function insertMembers(
  ctx: AppContext,
  organisationId: string,
  userIds: string[],
  by: AuditSource,
): Promise<string[]> {
  if (userIds.length === 0) return [];
  const present = new Set(
    (
      await ctx.db
        .selectFrom("organisation_members")
        .select("user_id")
        .where("organisation_id", "=", organisationId)
        .where("user_id", "in", userIds)
        .execute()
    ).map((r) => r.user_id),
  );
  const added = userIds.filter((id) => !present.has(id));
  if (added.length === 0) return [];
  const now = ctx.clock.now();
  await ctx.db
    .insertInto("organisation_members")
    .values(
      added.map((user_id) => ({
        organisation_id: organisationId,
        user_id,
        role: "member" as const,
        added_by: by.actorId,
        created_at: now,
      })),
    )
    .onConflict((oc) => oc.columns(["organisation_id", "user_id"]).doNothing())
    .execute();
  for (const userId of added) {
    await ctx.audit.record({
      action: "organisation.member_added",
      actorId: by.actorId,
      targetType: "organisation",
      targetId: organisationId,
      ip: by.ip,
      deviceId: by.deviceId,
      detail: { userId },
    });
  }
  return added;
}

/**
 * Removes a member, and takes them off the rosters of the organisation's services. An
 * administrator is not removed here: operators take the role away first.
 */
export async function removeOrganisationMember(
  ctx: AppContext,
  organisation: OrganisationRow,
  userId: string,
  by: AuditSource,
): Promise<void> {
  const operation = "removeMember";
  const row = await memberRow(ctx, organisation.id, userId);
  if (!row) {
    throw new ConfrereError(
      ErrorCode.NOT_A_MEMBER,
      404,
      `${operation}: this person is not a member of the organisation`,
    );
  }
  if (row.role === "admin") {
    throw new ConfrereError(
      ErrorCode.CONFLICT,
      409,
      `${operation}: this person is an administrator; an operator removes the administrator role first`,
    );
  }
  const rosters = await ctx.db.transaction().execute(async (tx) => {
    const serviceIds = tx.selectFrom("services").select("id").where("organisation_id", "=", organisation.id);
    const removed = await tx
      .deleteFrom("service_roster")
      .where("user_id", "=", userId)
      .where("service_id", "in", serviceIds)
      .executeTakeFirst();
    await tx
      .deleteFrom("organisation_members")
      .where("organisation_id", "=", organisation.id)
      .where("user_id", "=", userId)
      .where("role", "=", "member")
      .execute();
    return Number(removed.numDeletedRows);
  });
  await ctx.audit.record({
    action: "organisation.member_removed",
    actorId: by.actorId,
    targetType: "organisation",
    targetId: organisation.id,
    ip: by.ip,
    deviceId: by.deviceId,
    detail: { userId, rostersLeft: rosters },
  });
}

/** A page of members, by user id. */
export async function listOrganisationMembers(
  ctx: AppContext,
  organisationId: string,
  page: { after?: string | undefined; limit: number },
): Promise<{ members: OrganisationMember[]; nextAfter: string | null }> {
  let query = ctx.db
    .selectFrom("organisation_members")
    .innerJoin("users", "users.id", "organisation_members.user_id")
    .select([
      "organisation_members.user_id",
      "organisation_members.role",
      "organisation_members.created_at",
      "users.display_name",
      "users.identity_verified_at",
    ])
    .where("organisation_members.organisation_id", "=", organisationId);
  if (page.after) query = query.where("organisation_members.user_id", ">", page.after);
  const rows = await query
    .orderBy("organisation_members.user_id")
    .limit(page.limit + 1)
    .execute();
  const members = rows.slice(0, page.limit).map(toMember);
  return { members, nextAfter: rows.length > page.limit ? (members.at(-1)?.userId ?? null) : null };
}

/**
 * Makes someone an administrator (operators). Administrators need an active account but not a
 * verified professional identity: an establishment's IT or management staff run it too, and
 * they see aggregate counts only.
 */
export async function addOrganisationAdmin(
  ctx: AppContext,
  organisation: OrganisationRow,
  userId: string,
  by: AuditSource,
): Promise<OrganisationMember> {
  const operation = "addAdmin";
  const user = await requireUser(ctx, userId, operation);
  if (user.suspended_at !== null) {
    throw new ConfrereError(
      ErrorCode.AUTH_ACCOUNT_SUSPENDED,
      409,
      `${operation}: this account is suspended; lift the suspension first`,
    );
  }
  const existing = await memberRow(ctx, organisation.id, user.id);
  if (existing?.role === "admin") return toMember(existing);
  await ctx.db
    .insertInto("organisation_members")
    .values({
      organisation_id: organisation.id,
      user_id: user.id,
      role: "admin",
      added_by: by.actorId,
      created_at: ctx.clock.now(),
    })
    .onConflict((oc) => oc.columns(["organisation_id", "user_id"]).doUpdateSet({ role: "admin" }))
    .execute();
  await ctx.audit.record({
    action: "organisation.admin_added",
    actorId: by.actorId,
    targetType: "organisation",
    targetId: organisation.id,
    ip: by.ip,
    deviceId: by.deviceId,
    detail: { userId: user.id },
  });
  return toMember((await memberRow(ctx, organisation.id, user.id))!);
}

/**
 * Takes the administrator role away (operators); the person stays a member. The last
 * administrator is kept unless the operator says `allowNoAdmin`: an organisation without one can
 * only be run by operators.
 */
export async function removeOrganisationAdmin(
  ctx: AppContext,
  organisation: OrganisationRow,
  userId: string,
  options: { allowNoAdmin: boolean; by: AuditSource },
): Promise<void> {
  const operation = "removeAdmin";
  await ctx.db.transaction().execute(async (tx) => {
    // Lock the organisation so that two removals cannot both see "another admin remains".
    // SQLite transactions are serial already.
    if (ctx.database.kind === "postgres") {
      await tx
        .selectFrom("organisations")
        .select("id")
        .where("id", "=", organisation.id)
        .forUpdate()
        .execute();
    }
    const admins = (
      await tx
        .selectFrom("organisation_members")
        .select("user_id")
        .where("organisation_id", "=", organisation.id)
        .where("role", "=", "admin")
        .execute()
    ).map((r) => r.user_id);
    if (!admins.includes(userId)) {
      throw new ConfrereError(
        ErrorCode.NOT_AN_ADMIN,
        404,
        `${operation}: this person is not an administrator of the organisation`,
      );
    }
    if (admins.length === 1 && !options.allowNoAdmin) {
      throw new ConfrereError(
        ErrorCode.ORGANISATION_LAST_ADMIN,
        409,
        `${operation}: this is the organisation's last administrator; name another one first, or confirm with allowNoAdmin=true`,
      );
    }
    await tx
      .updateTable("organisation_members")
      .set({ role: "member" })
      .where("organisation_id", "=", organisation.id)
      .where("user_id", "=", userId)
      .execute();
  });
  await ctx.audit.record({
    action: "organisation.admin_removed",
    actorId: options.by.actorId,
    targetType: "organisation",
    targetId: organisation.id,
    ip: options.by.ip,
    deviceId: options.by.deviceId,
    detail: { userId },
  });
}
