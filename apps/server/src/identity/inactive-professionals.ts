import { revokeSessions } from "../accounts/sessions.ts";
import type { AppContext } from "../context.ts";
import type { MailMessage } from "../mail/mailer.ts";

/** The reason stored on an account suspended because its professional left the directory. */
export const DIRECTORY_INACTIVE_REASON = "directory_inactive";

/**
 * A directory import has just marked these professionals inactive (retired, struck off, deceased).
 * Their verified accounts are suspended and told why, or only warned when
 * DIRECTORY_INACTIVE_POLICY=warn. Each is an audit event.
 */
export async function handleInactiveProfessionals(
  ctx: AppContext,
  nationalIds: readonly string[],
): Promise<void> {
  if (nationalIds.length === 0) return;
  const users = await ctx.db
    .selectFrom("users")
    .select(["id", "email"])
    .where("national_id", "in", nationalIds)
    .where("identity_verified_at", "is not", null)
    .where("suspended_at", "is", null)
    .execute();
  const suspend = ctx.config.directoryInactivePolicy === "suspend";
  for (const user of users) {
    const now = ctx.clock.now();
    if (suspend) {
      await ctx.db
        .updateTable("users")
        .set({ suspended_at: now, suspended_reason: DIRECTORY_INACTIVE_REASON, updated_at: now })
        .where("id", "=", user.id)
        .execute();
      await revokeSessions(ctx.db, now, { userId: user.id });
    }
    await ctx.audit.record({
      action: suspend ? "account.suspended" : "account.directory_inactive_warned",
      actorId: null,
      targetType: "user",
      targetId: user.id,
      detail: { reason: DIRECTORY_INACTIVE_REASON },
    });
    await ctx.mailer.send(inactiveProfessionalMessage(user.email, suspend));
  }
}

function inactiveProfessionalMessage(to: string, suspended: boolean): MailMessage {
  return {
    to,
    subject: suspended
      ? "Confrère : votre compte est suspendu"
      : "Confrère : votre inscription à l'Annuaire Santé n'est plus active",
    text: [
      "Bonjour,",
      "",
      "La dernière mise à jour de l'Annuaire Santé ne vous liste plus comme professionnel en exercice.",
      suspended
        ? "Confrère étant réservé aux professionnels en exercice, votre compte est suspendu et vos sessions ont été fermées."
        : "Confrère étant réservé aux professionnels en exercice, votre compte pourra être suspendu.",
      "S'il s'agit d'une erreur, mettez à jour votre inscription auprès de votre ordre ou de l'ARS, puis écrivez à l'assistance.",
      "",
      "---",
      suspended
        ? "The latest Annuaire Santé no longer lists you as practising: your Confrère account is suspended and your sessions were closed."
        : "The latest Annuaire Santé no longer lists you as practising: your Confrère account may be suspended.",
      "If this is a mistake, update your registration with your professional body or ARS, then contact support.",
    ].join("\n"),
  };
}
