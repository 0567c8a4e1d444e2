import { ConfrereError, ErrorCode } from "@confrere/protocol";
import type { Clock } from "../clock.ts";
import type { Db } from "../db/database.ts";

/**
 * Brute-force backoff on login, second-factor and reset attempts, kept in the database so that
 * every node of a cluster sees the same counters. After FREE_FAILURES failures, each further
 * failure doubles the wait, up to MAX_LOCK_MS. A success clears the counter.
 */
const FREE_FAILURES = 5;
/** A hospital's whole staff may share one address behind its NAT: an IP gets more room. */
const FREE_FAILURES_PER_IP = 30;
const BASE_LOCK_MS = 1_000;
const MAX_LOCK_MS = 15 * 60_000;
/** Counters older than this without a failure start again from zero. */
const RESET_AFTER_MS = 60 * 60_000;

export type ThrottleKey = `${"account" | "ip" | "totp" | "reset"}:${string}`;

export class Throttle {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Throws AUTH_TOO_MANY_ATTEMPTS while any of the keys is locked. */
  async assertAllowed(keys: ThrottleKey[], operation: string): Promise<void> {
    const now = this.clock.now();
    const rows = await this.db.selectFrom("auth_throttle").selectAll().where("key", "in", keys).execute();
    const lockedUntil = Math.max(0, ...rows.map((r) => r.locked_until));
    if (lockedUntil > now) {
      const retryAfterSeconds = Math.ceil((lockedUntil - now) / 1000);
      throw new ConfrereError(
        ErrorCode.AUTH_TOO_MANY_ATTEMPTS,
        429,
        `${operation}: too many failed attempts; try again in ${retryAfterSeconds} s`,
        { retryAfterSeconds },
      );
    }
  }

  async recordFailure(keys: ThrottleKey[]): Promise<void> {
    const now = this.clock.now();
    for (const key of keys) {
      await this.db.transaction().execute(async (tx) => {
        const row = await tx
          .selectFrom("auth_throttle")
          .selectAll()
          .where("key", "=", key)
          .executeTakeFirst();
        const stale = !row || now - row.updated_at > RESET_AFTER_MS;
        const failures = stale ? 1 : row.failures + 1;
        const over = failures - (key.startsWith("ip:") ? FREE_FAILURES_PER_IP : FREE_FAILURES);
        const lockedUntil = over > 0 ? now + Math.min(MAX_LOCK_MS, BASE_LOCK_MS * 2 ** (over - 1)) : 0;
        if (row) {
          await tx
            .updateTable("auth_throttle")
            .set({ failures, locked_until: lockedUntil, updated_at: now })
            .where("key", "=", key)
            .execute();
        } else {
          await tx
            .insertInto("auth_throttle")
            .values({ key, failures, locked_until: lockedUntil, updated_at: now })
            .onConflict((oc) =>
              oc.column("key").doUpdateSet({ failures, locked_until: lockedUntil, updated_at: now }),
            )
            .execute();
        }
      });
    }
  }

  async clear(keys: ThrottleKey[]): Promise<void> {
    if (keys.length) await this.db.deleteFrom("auth_throttle").where("key", "in", keys).execute();
  }
}
