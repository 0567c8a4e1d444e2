import { ConfrereError, ErrorCode, type IdentityMethod } from "@confrere/protocol";
import type { AppContext } from "../context.ts";

/** Who proved an identity, from where: recorded with the audit event. */
export interface VerifiedBy {
  /** The operator or administrator who vouched, or null when the proof came from the user (PSC) or the CLI. */
  actorId: string | null;
  ip?: string | null;
  deviceId?: string | null;
  method: IdentityMethod;
}

/** The directory row an account links to, as the identity roads need it. */
export interface LinkableProfessional {
  nationalId: string;
  lastName: string;
  firstName: string;
  professionLabel: string | null;
  isActive: boolean;
}

/** Reads a professional of the directory by national id (`8` + RPPS or `0` + ADELI). */
export async function findProfessional(
  ctx: AppContext,
  nationalId: string,
): Promise<LinkableProfessional | null> {
  const row = await ctx.db
    .selectFrom("directory_professionals")
    .select(["national_id", "last_name", "first_name", "profession_label", "is_active"])
    .where("national_id", "=", nationalId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    nationalId: row.national_id,
    lastName: row.last_name,
    firstName: row.first_name,
    professionLabel: row.profession_label,
    isActive: Number(row.is_active) === 1,
  };
}

/**
 * The one place an account becomes a proven professional of the directory: every road (Pro Santé
 * Connect, review of a proof, invitation) ends here. One account per professional and one
 * professional per account; an inactive or unknown professional is refused. Sets the account
 * verified (if it was not yet) and records the road in the audit trail.
 */
export async function linkProfessional(
  ctx: AppContext,
  userId: string,
  nationalId: string,
  by: VerifiedBy,
): Promise<void> {
  const professional = await findProfessional(ctx, nationalId);
  if (!professional) {
    throw new ConfrereError(
      ErrorCode.PROFESSIONAL_NOT_IN_DIRECTORY,
      404,
      "linkProfessional: this RPPS/ADELI number is not in the professional directory (Annuaire Santé); check it, or ask an operator if you were registered recently",
    );
  }
  if (!professional.isActive) {
    throw new ConfrereError(
      ErrorCode.PROFESSIONAL_INACTIVE,
      409,
      "linkProfessional: the directory lists this professional as no longer practising",
    );
  }
  const user = await ctx.db
    .selectFrom("users")
    .select(["national_id", "identity_verified_at"])
    .where("id", "=", userId)
    .executeTakeFirst();
  if (!user) throw new ConfrereError(ErrorCode.NOT_FOUND, 404, "linkProfessional: no such user");
  if (user.national_id !== null && user.national_id !== nationalId) {
    throw new ConfrereError(
      ErrorCode.ACCOUNT_ALREADY_LINKED,
      409,
      "linkProfessional: this account is already linked to another professional",
    );
  }
  const holder = await ctx.db
    .selectFrom("users")
    .select("id")
    .where("national_id", "=", nationalId)
    .where("id", "!=", userId)
    .executeTakeFirst();
  if (holder) throw alreadyLinked();

  const now = ctx.clock.now();
  try {
    await ctx.db
      .updateTable("users")
      .set({
        national_id: nationalId,
        identity_method: by.method,
        identity_verified_at: user.identity_verified_at ?? now,
        updated_at: now,
      })
      .where("id", "=", userId)
      .execute();
  } catch (error) {
    // The unique index on users.national_id: another account linked between our check and now.
    if (
      await ctx.db.selectFrom("users").select("id").where("national_id", "=", nationalId).executeTakeFirst()
    )
      throw alreadyLinked();
    throw error;
  }
  await ctx.audit.record({
    action: "account.identity_verified",
    actorId: by.actorId,
    targetType: "user",
    targetId: userId,
    ip: by.ip ?? null,
    deviceId: by.deviceId ?? null,
    detail: { method: by.method, nationalId },
  });
}

function alreadyLinked(): ConfrereError {
  return new ConfrereError(
    ErrorCode.PROFESSIONAL_ALREADY_LINKED,
    409,
    "linkProfessional: another Confrère account already belongs to this professional; if it is not yours, contact the operators",
  );
}

/**
 * Marks an account verified without a directory link: an operator's own judgement, or
 * `confrere-server user create --verified` for a first deployment before the directory is imported.
 */
export async function markIdentityVerified(ctx: AppContext, userId: string, by: VerifiedBy): Promise<void> {
  const now = ctx.clock.now();
  await ctx.db
    .updateTable("users")
    .set({ identity_verified_at: now, identity_method: by.method, updated_at: now })
    .where("id", "=", userId)
    .where("identity_verified_at", "is", null)
    .execute();
  await ctx.audit.record({
    action: "account.identity_verified",
    actorId: by.actorId,
    targetType: "user",
    targetId: userId,
    ip: by.ip ?? null,
    deviceId: by.deviceId ?? null,
    detail: { method: by.method },
  });
}
