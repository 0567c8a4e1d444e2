import { sql } from "kysely";
import type { AppContext } from "../context.ts";

/** A named piece of background work, run every `intervalMs` of the app's clock. Must be idempotent. */
export interface Job {
  name: string;
  intervalMs: number;
  run(): Promise<void>;
}

/**
 * A tiny scheduler. *When* a job is due is read from the injected clock (so tests move time and
 * call `runDue()` instead of waiting); *how often it looks* is real time, one tick per shortest
 * interval, so a test server never runs a job on its own during a suite.
 *
 * Once across a cluster: on PostgreSQL each run takes a session advisory lock named after the job
 * (and the schema), so when several nodes tick together one runs and the others skip. Jobs stay
 * idempotent anyway (a node may die half-way). On SQLite there is one node.
 */
export class Scheduler {
  private readonly nextRunAt = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<string[]> | null = null;

  constructor(
    private readonly ctx: AppContext,
    private readonly jobs: Job[],
  ) {
    const now = ctx.clock.now();
    for (const job of jobs) this.nextRunAt.set(job.name, now + job.intervalMs);
  }

  start(): void {
    if (this.timer || this.jobs.length === 0) return;
    const tick = Math.min(...this.jobs.map((job) => job.intervalMs));
    this.timer = setInterval(() => {
      this.runDue().catch((error: unknown) =>
        this.ctx.logger.error({ err: { message: (error as Error).message } }, "scheduler: tick failed"),
      );
    }, tick);
    this.timer.unref();
  }

  /** Runs every job whose time has come by the app's clock; returns the names of those run. */
  async runDue(): Promise<string[]> {
    // One pass at a time: a slow run and the next tick (or a test's call) do not overlap.
    while (this.running) await this.running.catch(() => {});
    this.running = this.pass();
    try {
      return await this.running;
    } finally {
      this.running = null;
    }
  }

  private async pass(): Promise<string[]> {
    const ran: string[] = [];
    for (const job of this.jobs) {
      const now = this.ctx.clock.now();
      if ((this.nextRunAt.get(job.name) ?? 0) > now) continue;
      this.nextRunAt.set(job.name, now + job.intervalMs);
      try {
        if (await this.runOnce(job)) ran.push(job.name);
      } catch (error) {
        // A failed run is retried at the next interval; the error names the job, not its data.
        this.ctx.logger.error(
          { job: job.name, err: { message: (error as Error).message } },
          "scheduler: job failed",
        );
      }
    }
    return ran;
  }

  /** Runs one job now, under the cluster lock; false when another node holds it. */
  async runOnce(job: Job): Promise<boolean> {
    if (this.ctx.database.kind !== "postgres") {
      await job.run();
      return true;
    }
    const key = `confrere:${this.ctx.database.schema ?? "public"}:${job.name}`;
    return this.ctx.db.connection().execute(async (connection) => {
      const { rows } = await sql<{
        locked: boolean;
      }>`select pg_try_advisory_lock(hashtext(${key})) as locked`.execute(connection);
      if (!rows[0]?.locked) return false;
      try {
        await job.run();
        return true;
      } finally {
        await sql`select pg_advisory_unlock(hashtext(${key}))`.execute(connection);
      }
    });
  }

  /** Stops ticking and waits for a run in progress (called before the database closes). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => {});
  }
}
