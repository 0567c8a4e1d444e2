import { type ContextOptions, closeAppContext, createAppContext } from "./app-context.ts";
import { billingJob } from "./billing/billing-job.ts";
import { retentionJobs } from "./care/retention.ts";
import { urgentJobs } from "./care/urgent.ts";
import type { Config } from "./config.ts";
import type { AppContext } from "./context.ts";
import { type App, buildApp } from "./http/app.ts";
import { Scheduler } from "./jobs/scheduler.ts";
import { issueSetupLink } from "./routes/setup.ts";

export interface RunningServer {
  app: App;
  ctx: AppContext;
  /** The URL the server listens on (with the actual port when PORT=0). */
  url: string;
  setupLink: string | null;
  /** Background jobs (billing); tests call `scheduler.runDue()` after moving the clock. */
  scheduler: Scheduler;
  close(): Promise<void>;
}

/** Opens the context, migrates, listens. The caller decides about signals (see cli). */
export async function startServer(config: Config, options: ContextOptions = {}): Promise<RunningServer> {
  const ctx = await createAppContext(config, { ...options, migrate: true });
  let app: App;
  try {
    app = await buildApp(ctx);
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await closeAppContext(ctx);
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const host = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host;
  const setupLink = await issueSetupLink(ctx);
  const scheduler = new Scheduler(ctx, [
    billingJob(ctx),
    // Availability, urgent messages and on-call
    ...urgentJobs(ctx),
    // Retention, legal hold and personal data
    ...retentionJobs(ctx),
  ]);
  scheduler.start();
  let closing: Promise<void> | null = null;
  return {
    app,
    ctx,
    url: `http://${host}:${port}`,
    setupLink,
    scheduler,
    close() {
      // Fastify stops accepting, lets in-flight requests finish, then we close the database.
      closing ??= scheduler
        .stop()
        .then(() => app.close())
        .then(() => closeAppContext(ctx));
      return closing;
    },
  };
}
