/**
 * The server under test, as a child process of its own (the bench process is only the load
 * generator): `confrere-server start` on port 0 with a fresh data directory, or a fresh PostgreSQL
 * schema that is dropped at the end.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";

export type Store = "sqlite" | "postgres";

export const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
export const DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test";

/** Where a bench run keeps its data: the environment both the server and the bench's own context read. */
export interface BenchDatabase {
  store: Store;
  dataDir: string;
  schema: string | null;
  databaseUrl: string | null;
  env: Record<string, string>;
  /** Removes the data directory and drops the schema. */
  dispose(): Promise<void>;
}

export async function createBenchDatabase(store: Store, databaseUrl: string): Promise<BenchDatabase> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "confrere-bench-"));
  const schema = store === "postgres" ? `bench_${randomBytes(6).toString("hex")}` : null;
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
    // Shared by the server and the bench's own context, which both open TOTP secrets.
    SERVER_SECRET: randomBytes(32).toString("hex"),
    // Every bench login comes from 127.0.0.1.
    AUTH_RATE_LIMIT_PER_MINUTE: "1000000",
    ...(schema ? { DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema } : {}),
  };
  return {
    store,
    dataDir,
    schema,
    databaseUrl: schema ? databaseUrl : null,
    env,
    async dispose() {
      if (schema) {
        const client = new pg.Client({ connectionString: databaseUrl });
        await client.connect();
        try {
          await client.query(`drop schema if exists "${schema}" cascade`);
        } finally {
          await client.end();
        }
      }
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ServerProcess {
  url: string;
  pid: number;
  /** Spawn to the "listening" line, in ms (cold start; through tsx unless compiled). */
  startMs: number;
  /** SIGTERM, then SIGKILL after 15 s. Resolves to the CPU profile's path when one was asked for. */
  stop(): Promise<string | null>;
  /** The last lines the server wrote (for error reports). */
  tail(): string;
}

const COMPILED_SERVER = path.join(REPO_ROOT, "apps/server/dist/confrere-server.mjs");

/** `npm run build:server`: the bundle a production node runs (see scripts/build-server.mjs). */
export function buildCompiledServer(): void {
  // Its report goes to stderr with the bench's progress: stdout stays one JSON object under --json.
  execFileSync(process.execPath, [path.join(REPO_ROOT, "scripts/build-server.mjs")], {
    stdio: ["ignore", 2, 2],
  });
}

/**
 * Starts `confrere-server start` and waits for "Confrère is listening on http://…": the TypeScript
 * entry through tsx, or with `compiled` the bundle of `buildCompiledServer`. With `cpuProfileDir`,
 * the server runs under `node --cpu-prof` and writes its profile there on exit.
 */
export async function startServerProcess(
  database: BenchDatabase,
  options: { cpuProfileDir?: string | null; startTimeoutMs?: number; compiled?: boolean } = {},
): Promise<ServerProcess> {
  const spawnedAt = performance.now();
  const nodeArgs = options.cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  const entry = options.compiled
    ? [COMPILED_SERVER]
    : ["--import", "tsx", path.join(REPO_ROOT, "apps/server/src/cli/main.ts")];
  const child = spawn(process.execPath, [...nodeArgs, ...entry, "start"], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? os.tmpdir(),
      NODE_ENV: "production",
      PORT: "0",
      HOST: "127.0.0.1",
      ...database.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const remember = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) lines.push(line);
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  // Always drain both pipes: a full pipe would block the server's writes and skew the run.
  child.stderr!.on("data", remember);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`startServer: no "listening" line in ${options.startTimeoutMs ?? 60_000} ms`)),
      options.startTimeoutMs ?? 60_000,
    );
    child.stdout!.on("data", (chunk: Buffer) => {
      remember(chunk);
      const match = /Confrère is listening on (http:\/\/[^\s]+)/.exec(chunk.toString("utf8"));
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`startServer: the server exited with ${code}:\n${lines.slice(-20).join("\n")}`));
    });
  });
  const startMs = Math.round(performance.now() - spawnedAt);
  return {
    url,
    pid: child.pid!,
    startMs,
    tail: () => lines.slice(-30).join("\n"),
    async stop() {
      await stopChild(child, 15_000);
      if (!options.cpuProfileDir) return null;
      const names = (await fs.readdir(options.cpuProfileDir)).filter((n) => n.endsWith(".cpuprofile"));
      const withTimes = await Promise.all(
        names.map(async (n) => {
          const file = path.join(options.cpuProfileDir!, n);
          return { file, mtime: (await fs.stat(file)).mtimeMs };
        }),
      );
      return withTimes.sort((a, b) => b.mtime - a.mtime)[0]?.file ?? null;
    },
  };
}

/** SIGTERM, and SIGKILL if the child is still there after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}
