/**
 * Accounts and logged-in devices for a bench run. Accounts are written straight into the server's
 * database from the bench process (what `confrere-server user create` does, without one process per
 * account); devices log in over HTTP like any client, with a TOTP code.
 */
import { randomBytes } from "node:crypto";
import { ApiClient } from "@confrere/sdk";
import {
  type AppContext,
  closeAppContext,
  createAppContext,
  currentTotpCode,
  loadConfig,
  provisionUser,
} from "@confrere/server";
import { sql } from "kysely";
import type { BenchDatabase } from "./server-process.ts";

export interface BenchAccount {
  index: number;
  userId: string;
  email: string;
  password: string;
  totpSecret: string;
}

export interface BenchDevice extends BenchAccount {
  token: string;
  deviceId: string;
  api: ApiClient;
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the items' order. */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The bench's own context on the server's database (for accounts and for counting rows after the run). */
export function openBenchContext(database: BenchDatabase): Promise<AppContext> {
  return createAppContext(loadConfig({ ...database.env, PORT: "0", HOST: "127.0.0.1" }));
}

/**
 * Creates `count` verified professionals with a TOTP second factor. Each costs two Argon2id hashes
 * (64 MiB, 3 passes, ~0.4 s of one core here): one now, one at login.
 */
export async function provisionAccount(
  ctx: AppContext,
  index: number,
  runTag: string,
): Promise<BenchAccount> {
  const email = `bench-${runTag}-${index}@bench.confrere.fr`;
  const password = `Bench-${randomBytes(12).toString("base64url")}-pass`;
  const user = await provisionUser(ctx, {
    email,
    password,
    displayName: `Dr Bench ${index}`,
    operator: false,
    verified: true,
  });
  return { index, userId: user.userId, email: user.email, password, totpSecret: user.totpSecret };
}

/** Logs an account in over HTTP (password, then TOTP) as a new device. One login per account per 30 s. */
export async function loginDevice(baseUrl: string, account: BenchAccount): Promise<BenchDevice> {
  const api = new ApiClient({ baseUrl });
  const step = await api.login({ email: account.email, password: account.password, deviceName: "bench" });
  if (step.status !== "second_factor_required")
    throw new Error(`loginDevice: unexpected login step ${step.status}`);
  const { session } = await api.loginTotp(
    step.challengeToken,
    currentTotpCode(account.totpSecret, Date.now()),
  );
  return { ...account, token: session.token, deviceId: session.deviceId, api };
}

/**
 * Provisions `count` accounts, then logs each in as one device. Two phases rather than a pipeline:
 * the bench's writes and the server's would otherwise wait on SQLite's single writer lock.
 */
export async function provisionDevices(
  ctx: AppContext,
  baseUrl: string,
  count: number,
  options: { concurrency?: number; runTag: string; onProgress?: (done: number) => void },
): Promise<BenchDevice[]> {
  const accounts = await provisionAccounts(ctx, count, options);
  let done = 0;
  return mapConcurrent(accounts, options.concurrency ?? 4, async (account) => {
    const device = await loginDevice(baseUrl, account);
    options.onProgress?.(++done);
    return device;
  });
}

/** Provisions `count` accounts, retrying when the server holds the database's write lock too long. */
export function provisionAccounts(
  ctx: AppContext,
  count: number,
  options: { concurrency?: number; runTag: string },
): Promise<BenchAccount[]> {
  return mapConcurrent(
    Array.from({ length: count }, (_, i) => i),
    options.concurrency ?? 4,
    async (index) => {
      for (let attempt = 1; ; attempt++) {
        try {
          // A fresh address on a retry: the failed attempt may have left its user row behind.
          return await provisionAccount(
            ctx,
            index,
            attempt > 1 ? `${options.runTag}r${attempt}` : options.runTag,
          );
        } catch (error) {
          if (attempt >= 5 || !/database is locked/.test(String(error))) throw error;
          await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
        }
      }
    },
  );
}

/** A random Ed25519-sized key: enough for the server, which only stores it (no MLS here). */
export async function registerRandomDeviceKey(device: BenchDevice): Promise<void> {
  await device.api.registerDeviceKey(randomBytes(32).toString("base64url"));
}

/** How the database makes a commit durable, as the server opens it. */
export async function durabilityOf(ctx: AppContext): Promise<string> {
  if (ctx.database.kind === "postgres") {
    const commit = await sql<{ synchronous_commit: string }>`show synchronous_commit`.execute(ctx.db);
    const fsync = await sql<{ fsync: string }>`show fsync`.execute(ctx.db);
    return `postgres synchronous_commit=${commit.rows[0]?.synchronous_commit} fsync=${fsync.rows[0]?.fsync}`;
  }
  // The bench's context opens SQLite through the server's own openDatabase, with the same pragmas.
  const journal = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(ctx.db);
  const synchronous = await sql<{ synchronous: number }>`pragma synchronous`.execute(ctx.db);
  const names = ["OFF", "NORMAL", "FULL", "EXTRA"];
  const level = synchronous.rows[0]?.synchronous ?? -1;
  return `sqlite journal_mode=${journal.rows[0]?.journal_mode} synchronous=${names[level] ?? level}`;
}

/**
 * Application messages stored in the log (counted after the server stopped); with `idPrefix`, only
 * those whose message id starts with it (the measured ones, not the warm-up).
 */
export async function countPersisted(ctx: AppContext, idPrefix?: string): Promise<number> {
  let query = ctx.db
    .selectFrom("log_entries")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("kind", "=", "application");
  // The prefixes used ("bench", "warm") hold no LIKE wildcard.
  if (idPrefix) query = query.where("client_message_id", "like", `${idPrefix}%`);
  const row = await query.executeTakeFirst();
  return Number(row?.n ?? 0);
}

export { closeAppContext };
