import type { Sponsor } from "@confrere/protocol";
import type { AppContext } from "../context.ts";

/**
 * Seats an organisation (a territory, an establishment) pays for its members. Coverage is computed,
 * never stored: seats bought for the period that includes now, given first to the members an
 * administrator assigned (oldest assignment first), then — when "all members automatically" is on —
 * to the other verified members in the order they joined. A member past the seat count pays for
 * themselves until a seat frees up or more are bought.
 */

export interface SeatHolderRow {
  userId: string;
  displayName: string;
  how: "assigned" | "automatic";
}

export interface Coverage {
  organisationId: string;
  name: string;
  purchased: number;
  /** The latest end of the seat periods running now. */
  seatEndsAt: number | null;
  autoAssignAll: boolean;
  holders: SeatHolderRow[];
  /** Verified members who would get a seat automatically but none is left. */
  uncovered: number;
}

/** Who holds this organisation's seats at `now`. */
export async function organisationCoverage(
  ctx: AppContext,
  organisationId: string,
  now = ctx.clock.now(),
): Promise<Coverage> {
  const organisation = await ctx.db
    .selectFrom("organisations")
    .select(["id", "name"])
    .where("id", "=", organisationId)
    .executeTakeFirst();
  const purchases = await ctx.db
    .selectFrom("billing_seat_purchases")
    .select(["seats", "ends_at"])
    .where("organisation_id", "=", organisationId)
    .where("status", "=", "paid")
    .where("starts_at", "<=", now)
    .where("ends_at", ">", now)
    .execute();
  const purchased = purchases.reduce((sum, p) => sum + Number(p.seats), 0);
  const seatEndsAt = purchases.length ? Math.max(...purchases.map((p) => Number(p.ends_at))) : null;
  const account = await ctx.db
    .selectFrom("billing_accounts")
    .select("auto_assign_all")
    .where("organisation_id", "=", organisationId)
    .executeTakeFirst();
  const autoAssignAll = Number(account?.auto_assign_all ?? 0) === 1;

  // Only verified, unsuspended professionals who are still members take a seat.
  const assigned = await ctx.db
    .selectFrom("billing_seat_assignments as a")
    .innerJoin("organisation_members as m", (join) =>
      join.onRef("m.organisation_id", "=", "a.organisation_id").onRef("m.user_id", "=", "a.user_id"),
    )
    .innerJoin("users as u", "u.id", "a.user_id")
    .select(["u.id", "u.display_name"])
    .where("a.organisation_id", "=", organisationId)
    .where("u.identity_verified_at", "is not", null)
    .where("u.suspended_at", "is", null)
    .orderBy("a.created_at")
    .orderBy("u.id")
    .execute();
  const candidates: SeatHolderRow[] = assigned.map((u) => ({
    userId: u.id,
    displayName: u.display_name,
    how: "assigned",
  }));
  let automatic = 0;
  if (autoAssignAll) {
    const taken = new Set(candidates.map((c) => c.userId));
    const members = await ctx.db
      .selectFrom("organisation_members as m")
      .innerJoin("users as u", "u.id", "m.user_id")
      .select(["u.id", "u.display_name"])
      .where("m.organisation_id", "=", organisationId)
      .where("u.identity_verified_at", "is not", null)
      .where("u.suspended_at", "is", null)
      .orderBy("m.created_at")
      .orderBy("u.id")
      .execute();
    for (const member of members) {
      if (taken.has(member.id)) continue;
      candidates.push({ userId: member.id, displayName: member.display_name, how: "automatic" });
      automatic++;
    }
  }
  const holders = candidates.slice(0, purchased);
  const automaticHeld = holders.filter((h) => h.how === "automatic").length;
  return {
    organisationId,
    name: organisation?.name ?? "",
    purchased,
    seatEndsAt,
    autoAssignAll,
    holders,
    uncovered: automatic - automaticHeld,
  };
}

/**
 * The organisation paying for each professional at `now`. With `userId`, only that person's
 * organisations are looked at. Someone covered by two organisations is counted by the one whose
 * id sorts first (stable, so the job does not flip between them).
 */
export async function currentSponsors(
  ctx: AppContext,
  now = ctx.clock.now(),
  userId?: string,
): Promise<Map<string, Sponsor>> {
  let query = ctx.db
    .selectFrom("billing_seat_purchases as p")
    .select("p.organisation_id")
    .distinct()
    .where("p.status", "=", "paid")
    .where("p.starts_at", "<=", now)
    .where("p.ends_at", ">", now);
  if (userId !== undefined) {
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom("organisation_members as m")
          .select("m.user_id")
          .whereRef("m.organisation_id", "=", "p.organisation_id")
          .where("m.user_id", "=", userId),
      ),
    );
  }
  const organisations = (await query.execute()).map((r) => r.organisation_id).sort();
  const sponsors = new Map<string, Sponsor>();
  for (const organisationId of organisations) {
    const coverage = await organisationCoverage(ctx, organisationId, now);
    for (const holder of coverage.holders) {
      if (sponsors.has(holder.userId)) continue;
      sponsors.set(holder.userId, {
        organisationId,
        name: coverage.name,
        seatEndsAt: coverage.seatEndsAt ?? now,
      });
    }
  }
  return sponsors;
}

/** The ids of an organisation's members: whose subscriptions to look at again after a seat change. */
export async function memberIdsOf(ctx: AppContext, organisationId: string): Promise<string[]> {
  const rows = await ctx.db
    .selectFrom("organisation_members")
    .select("user_id")
    .where("organisation_id", "=", organisationId)
    .execute();
  return rows.map((r) => r.user_id);
}
