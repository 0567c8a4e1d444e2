import path from "node:path";
import { SecretBox } from "./accounts/secret-box.ts";
import { Throttle } from "./accounts/throttle.ts";
import { AuditLog } from "./audit/audit-log.ts";
import { loadPaymentProvider } from "./billing/checkout.ts";
import { type Clock, systemClock } from "./clock.ts";
import type { Config } from "./config.ts";
import type { AppContext } from "./context.ts";
import { migrate, openDatabase } from "./db/database.ts";
import { createLogger, type Logger } from "./logger.ts";
import { type Mailer, OutboxMailer, SmtpMailer } from "./mail/mailer.ts";
import { createBlobStore } from "./messaging/blob-store.ts";
import { type Bus, InProcessBus } from "./messaging/bus.ts";
import { MessageWriter } from "./messaging/message-writer.ts";

export interface ContextOptions {
  clock?: Clock;
  logger?: Logger;
  mailer?: Mailer;
  bus?: Bus;
  /** Apply pending migrations while opening (what `start` does). */
  migrate?: boolean;
}

/** Opens the database and builds every service of the app context from the configuration. */
export async function createAppContext(config: Config, options: ContextOptions = {}): Promise<AppContext> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.logLevel);
  const database = await openDatabase({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    schema: config.databaseSchema,
    logger,
  });
  try {
    if (options.migrate) await migrate(database);
  } catch (error) {
    await database.close();
    throw error;
  }
  const mailer =
    options.mailer ??
    (config.smtpUrl
      ? new SmtpMailer(config.smtpUrl, config.mailFrom)
      : new OutboxMailer(path.join(config.dataDir, "outbox"), config.mailFrom, clock));
  const secretBox = config.serverSecret
    ? SecretBox.fromHex(config.serverSecret)
    : SecretBox.fromDataDir(config.dataDir);
  const bus = options.bus ?? (await createBus(config, logger));
  await loadPaymentProvider(config);
  return {
    config,
    database,
    db: database.db,
    clock,
    logger,
    mailer,
    audit: new AuditLog(database.db, clock, database.kind),
    throttle: new Throttle(database.db, clock),
    secretBox,
    bus,
    blobs: createBlobStore(config, database),
    messages: new MessageWriter(database, clock, bus),
  };
}

/**
 * A cluster's nodes share one Redis channel per database (and schema, so test suites sharing a
 * Redis stay apart). Without REDIS_URL the node is alone: the in-process bus.
 */
async function createBus(config: Config, logger: Logger): Promise<Bus> {
  if (!config.redisUrl) return new InProcessBus();
  // Loaded only in a cluster: a lone node never needs the Redis client.
  const { RedisBus } = await import("./messaging/redis-bus.ts");
  const bus = new RedisBus(config.redisUrl, `confrere:bus:${config.databaseSchema ?? "public"}`, logger);
  if (!(await bus.ready(REDIS_START_WAIT_MS))) {
    logger.warn("redis bus: not reachable at start; serving this node's devices only until it is");
  }
  return bus;
}

/** How long a starting node waits for Redis before serving without it. */
const REDIS_START_WAIT_MS = 3_000;

export async function closeAppContext(ctx: AppContext): Promise<void> {
  await ctx.bus.close();
  await ctx.mailer.close();
  await ctx.database.close();
}
