/**
 * Load harness of the messaging server. The bench process only generates load: the server runs
 * as a child process (`confrere-server start`, port 0, fresh SQLite file or PostgreSQL schema).
 *
 *   npm run bench -- --scenario direct --devices 20 --rate 1000 --duration 10 [--store postgres] [--json]
 *
 * Scenarios and options: `npm run bench -- --help`, and bench/README.md ("Messaging").
 */
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import type { ConfrereClient } from "@confrere/sdk";
import {
  type BenchAccount,
  type BenchDevice,
  closeAppContext,
  countPersisted,
  durabilityOf,
  mapConcurrent,
  openBenchContext,
  provisionAccounts,
  provisionDevices,
} from "./lib/accounts.ts";
import { type ProfileSummary, summarizeCpuProfile } from "./lib/cpu-profile.ts";
import { measurePostgresInserts, measureSqliteInserts, measureWsEcho } from "./lib/floor.ts";
import { openFileLimit, runIdle } from "./lib/idle.ts";
import type { LatencySummary } from "./lib/latency-recorder.ts";
import { MEASURED, runOpenLoop, setupDirect, setupGroups } from "./lib/opaque-load.ts";
import { type CpuUsage, processRssBytes } from "./lib/proc-stats.ts";
import {
  connectSdkDevice,
  RequestCounter,
  runLatencyScenario,
  runMlsGroupScenario,
} from "./lib/sdk-scenarios.ts";
import {
  type BenchDatabase,
  buildCompiledServer,
  createBenchDatabase,
  DEFAULT_DATABASE_URL,
  REPO_ROOT,
  type ServerProcess,
  type Store,
  startServerProcess,
} from "./lib/server-process.ts";

const USAGE = `bench/messaging.ts: load harness of the messaging server

  npm run bench -- --scenario SCENARIO [options]

Scenarios
  direct      N devices in N/2 direct conversations; senders post opaque ciphertext-sized messages
              at --rate messages/s in total (open loop), recipients receive them over WebSockets
  group       groups of --group-size people (N/G groups, one sender each, every member connected);
              deliveries counted per recipient
  idle        N authenticated WebSockets held open --duration s: server memory per connection
  latency     two real SDK devices, a 1 KB text one way then back, --round-trips times
  mls-group   --group-size real SDK devices: one creates a group with half of them (one commit),
              adds the rest (one commit), sends a message that all others must decrypt

Options
  --devices N          devices (direct: 20, group: --group-size, idle: 2000)
  --rate R             messages per second across all senders (direct: 500, group: 20)
  --duration S         seconds of load, or of holding idle sockets (10)
  --store S            sqlite (default) or postgres
  --database-url URL   PostgreSQL server (DATABASE_URL, else ${DEFAULT_DATABASE_URL})
  --group-size G       people per group (100)
  --round-trips K      latency: round trips measured (200), after --warm-up W (10)
  --accounts A         idle: accounts whose sessions the sockets share (min(N, 50))
  --max-in-flight M    requests awaiting their answer at most; later sends are dropped (2000)
  --nodes N            direct, group: N server nodes on PostgreSQL + Redis; senders on the first,
                       recipients on the others, so every message crosses Redis (1)
  --redis-url URL      Redis of the cluster (REDIS_URL, else redis://127.0.0.1:6379)
  --transport T        ws (default: send frames on the sender's socket, as the SDK) or http
  --connections C      keep-alive HTTP connections of the load generator, --transport http (64)
  --no-acks            recipients do not acknowledge entries (the SDK does, once per burst)
  --drain S            seconds to wait for stragglers after the schedule (10)
  --warm-up-seconds S  direct, group: unmeasured load at the same rate first (2)
  --payload-bytes B    size of an opaque message (1157: a 1 KB text, E2EE.md)
  --idle-sockets N     direct, group: also hold N authenticated sockets that do nothing (in a
                       process of their own), spread over 50 accounts in no conversation (0)
  --floor              also measure a bare ws echo server and a bare insert loop, and the ratios
  --profile            run the server under node --cpu-prof and name its hot spots (with --compiled,
                       through the bundle's source maps)
  --compiled           build the server first (npm run build:server) and run the compiled bundle
  --json               print one JSON object on stdout (progress goes to stderr)`;

type Scenario = "direct" | "group" | "idle" | "latency" | "mls-group";
const SCENARIOS: Scenario[] = ["direct", "group", "idle", "latency", "mls-group"];

interface Options {
  scenario: Scenario;
  store: Store;
  databaseUrl: string;
  devices: number;
  rate: number;
  durationS: number;
  groupSize: number;
  roundTrips: number;
  warmUp: number;
  accounts: number;
  maxInFlight: number;
  connections: number;
  transport: "ws" | "http";
  nodes: number;
  redisUrl: string;
  acks: boolean;
  drainS: number;
  warmUpS: number;
  payloadBytes: number;
  idleSockets: number;
  floor: boolean;
  profile: boolean;
  compiled: boolean;
  json: boolean;
}

class UsageError extends Error {}

function parseOptions(argv: string[]): Options | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: "string", default: "direct" },
      store: { type: "string", default: "sqlite" },
      "database-url": { type: "string" },
      devices: { type: "string" },
      rate: { type: "string" },
      duration: { type: "string", default: "10" },
      "group-size": { type: "string", default: "100" },
      "round-trips": { type: "string", default: "200" },
      "warm-up": { type: "string", default: "10" },
      accounts: { type: "string" },
      "max-in-flight": { type: "string", default: "2000" },
      connections: { type: "string", default: "64" },
      transport: { type: "string", default: "ws" },
      nodes: { type: "string", default: "1" },
      "redis-url": { type: "string" },
      "no-acks": { type: "boolean", default: false },
      drain: { type: "string", default: "10" },
      "warm-up-seconds": { type: "string", default: "2" },
      "payload-bytes": { type: "string", default: "1157" },
      "idle-sockets": { type: "string", default: "0" },
      floor: { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
      compiled: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) return null;
  const number = (name: string, raw: string | undefined, fallback: number, min: number, max: number) => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max)
      throw new UsageError(`--${name} must be a number between ${min} and ${max}, got "${raw}"`);
    return value;
  };
  const scenario = values.scenario as Scenario;
  if (!SCENARIOS.includes(scenario))
    throw new UsageError(`--scenario must be one of ${SCENARIOS.join(", ")}, got "${values.scenario}"`);
  if (values.transport !== "ws" && values.transport !== "http")
    throw new UsageError(`--transport must be ws or http, got "${values.transport}"`);
  if (values.store !== "sqlite" && values.store !== "postgres")
    throw new UsageError(`--store must be sqlite or postgres, got "${values.store}"`);
  const groupSize = Math.floor(number("group-size", values["group-size"], 100, 2, 500));
  const nodes = Math.floor(number("nodes", values.nodes, 1, 1, 16));
  if (nodes > 1 && (values.store !== "postgres" || (scenario !== "direct" && scenario !== "group")))
    throw new UsageError("--nodes above 1 needs --store postgres and the direct or group scenario");
  const defaultDevices = { direct: 20, group: groupSize, idle: 2000, latency: 2, "mls-group": groupSize }[
    scenario
  ];
  const devices = Math.floor(number("devices", values.devices, defaultDevices, 2, 100_000));
  if (scenario === "direct" && devices % 2 !== 0) throw new UsageError("--devices must be even for direct");
  if (scenario === "group" && devices < groupSize)
    throw new UsageError("--devices must be at least --group-size for group");
  return {
    scenario,
    store: values.store,
    databaseUrl: values["database-url"] ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL,
    devices,
    rate: number("rate", values.rate, scenario === "group" ? 20 : 500, 0.1, 1_000_000),
    durationS: number("duration", values.duration, 10, 0.1, 3600),
    groupSize,
    roundTrips: Math.floor(number("round-trips", values["round-trips"], 200, 1, 100_000)),
    warmUp: Math.floor(number("warm-up", values["warm-up"], 10, 0, 10_000)),
    accounts: Math.floor(number("accounts", values.accounts, Math.min(devices, 50), 1, 100_000)),
    maxInFlight: Math.floor(number("max-in-flight", values["max-in-flight"], 2000, 1, 1_000_000)),
    connections: Math.floor(number("connections", values.connections, 64, 1, 10_000)),
    transport: values.transport,
    nodes,
    redisUrl: values["redis-url"] ?? process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    acks: !values["no-acks"],
    drainS: number("drain", values.drain, 10, 0, 600),
    warmUpS: number("warm-up-seconds", values["warm-up-seconds"], 2, 0, 600),
    payloadBytes: Math.floor(number("payload-bytes", values["payload-bytes"], 1157, 64, 60_000)),
    idleSockets: Math.floor(number("idle-sockets", values["idle-sockets"], 0, 0, 200_000)),
    floor: values.floor,
    profile: values.profile,
    compiled: values.compiled,
    json: values.json,
  };
}

/** The JSON a run prints: the fields every scenario has, then the scenario's own. */
interface BenchReport {
  scenario: Scenario;
  store: Store;
  devices: number;
  rate: number | null;
  duration: number;
  sentPerSecond: number | null;
  deliveredPerSecond: number | null;
  deliveredRatio: number | null;
  persisted: number;
  p50Ms: number | null;
  p99Ms: number | null;
  p999Ms: number | null;
  maxMs: number | null;
  serverCpuMsPer1000: number | null;
  serverRssBytes: number;
  /** Server nodes under load (more than one: a cluster through Redis). */
  nodes: number;
  /** The server ran from the compiled bundle (`--compiled`) rather than TypeScript through tsx. */
  compiled: boolean;
  /** The first node: process start to "listening", in ms. */
  coldStartMs: number;
  durability: string;
  cpu: CpuUsage | null;
  details: Record<string, unknown>;
  floor?: Record<string, unknown>;
  profile?: ProfileSummary;
  environment: Record<string, unknown>;
}

const log = (message: string) => console.error(`bench: ${message}`);
const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
const per1000 = (cpuMs: number, count: number) => (count > 0 ? round((cpuMs / count) * 1000, 1) : null);
const runTag = randomBytes(3).toString("hex");

function latencyFields(summary: LatencySummary) {
  return { p50Ms: summary.p50Ms, p99Ms: summary.p99Ms, p999Ms: summary.p999Ms, maxMs: summary.maxMs };
}

function environment(): Record<string, unknown> {
  const git = (args: string[]) => {
    try {
      return execFileSync("git", args, { cwd: REPO_ROOT, encoding: "utf8" }).trim();
    } catch {
      return null;
    }
  };
  return {
    date: new Date().toISOString(),
    commit: git(["rev-parse", "--short", "HEAD"]),
    node: process.version,
    cpus: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    loadAverage1m: round(os.loadavg()[0] ?? 0),
  };
}

/** Accounts provisioned and logged in over HTTP, with progress on stderr. */
/** Accounts whose sessions the `--idle-sockets` share, as in the idle scenario. */
const IDLE_ACCOUNTS = 50;

/**
 * Holds `count` idle sockets in a child process (bench/lib/idle-holder.ts), spread over the given
 * accounts' sessions. `release()` closes them and says how many were still open.
 */
async function openIdleSockets(server: ServerProcess, accounts: BenchDevice[], count: number) {
  if (count === 0) return { release: async () => 0 };
  const startedAt = performance.now();
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(REPO_ROOT, "bench/lib/idle-holder.ts")],
    {
      cwd: REPO_ROOT,
      stdio: ["pipe", "pipe", "inherit"],
    },
  );
  let output = "";
  const line = (prefix: string) =>
    new Promise<number>((resolve, reject) => {
      const look = () => {
        const match = new RegExp(`${prefix} (\\d+)`).exec(output);
        if (match) resolve(Number(match[1]));
      };
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        look();
      });
      look();
      child.once("exit", (code) => reject(new Error(`idle sockets: the holder exited with ${code}`)));
    });
  child.stdin.write(`${JSON.stringify({ url: server.url, tokens: accounts.map((a) => a.token), count })}\n`);
  await line("open");
  log(
    `${count} idle sockets open (another process) in ${Math.round((performance.now() - startedAt) / 1000)} s`,
  );
  return {
    async release() {
      child.stdin.end();
      return line("still-open");
    },
  };
}

async function devicesFor(database: BenchDatabase, server: ServerProcess, count: number) {
  const ctx = await openBenchContext(database);
  try {
    const durability = await durabilityOf(ctx);
    const startedAt = performance.now();
    const devices = await provisionDevices(ctx, server.url, count, {
      runTag,
      onProgress: (done) => {
        if (done % 50 === 0 || done === count) log(`${done}/${count} devices logged in`);
      },
    });
    log(`accounts ready in ${Math.round((performance.now() - startedAt) / 1000)} s`);
    return { devices, durability };
  } finally {
    // Closed before measuring: the bench holds no database connection during the run.
    await closeAppContext(ctx);
  }
}

async function accountsFor(database: BenchDatabase, count: number) {
  const ctx = await openBenchContext(database);
  try {
    const durability = await durabilityOf(ctx);
    const accounts = await provisionAccounts(ctx, count, { runTag });
    return { accounts, durability };
  } finally {
    await closeAppContext(ctx);
  }
}

async function runScenario(
  options: Options,
  database: BenchDatabase,
  server: ServerProcess,
  otherNodes: ServerProcess[],
) {
  const includeDatabaseCpu = options.store === "postgres";
  const base = {
    scenario: options.scenario,
    store: options.store,
    devices: options.devices,
    rate: options.rate as number | null,
    duration: options.durationS,
  };
  switch (options.scenario) {
    case "direct":
    case "group": {
      // Idle sockets belong to accounts of their own, in no conversation: they receive nothing.
      const idleAccounts = options.idleSockets ? Math.min(IDLE_ACCOUNTS, options.idleSockets) : 0;
      const provisioned = await devicesFor(database, server, options.devices + idleAccounts);
      const { durability } = provisioned;
      const devices = provisioned.devices.slice(0, options.devices);
      const idle = await openIdleSockets(
        server,
        provisioned.devices.slice(options.devices),
        options.idleSockets,
      );
      const channels =
        options.scenario === "direct"
          ? await setupDirect(devices, options.payloadBytes)
          : await setupGroups(devices, options.groupSize, options.payloadBytes);
      log(
        `${channels.length} conversation(s); ${options.rate} msg/s for ${options.durationS} s (acks ${options.acks ? "on" : "off"})`,
      );
      const result = await runOpenLoop(server, channels, options, includeDatabaseCpu, otherNodes);
      const idleStillOpen = await idle.release();
      const recipientsPerMessage = channels[0]?.recipients.length ?? 0;
      return {
        ...base,
        sentPerSecond: round(result.sentPerSecond, 1),
        deliveredPerSecond: round(result.deliveredPerSecond, 1),
        deliveredRatio: result.expectedDeliveries
          ? round(result.deliveries / result.expectedDeliveries, 4)
          : null,
        ...latencyFields(result.delivery),
        serverCpuMsPer1000: per1000(result.cpu.serverMs, result.acknowledged),
        serverRssBytes: result.serverRssPeakBytes,
        durability,
        cpu: result.cpu,
        details: {
          ...(options.idleSockets ? { idleSockets: options.idleSockets, idleStillOpen } : {}),
          conversations: channels.length,
          recipientsPerMessage,
          acks: options.acks,
          transport: options.transport,
          payloadBytes: options.payloadBytes,
          scheduled: result.scheduled,
          acknowledged: result.acknowledged,
          failed: result.failed,
          dropped: result.dropped,
          failures: result.failures,
          deliveries: result.deliveries,
          expectedDeliveries: result.expectedDeliveries,
          duplicates: result.duplicates,
          socketCloses: result.socketCloses,
          acknowledgement: result.acknowledgement,
          generatorLagP99Ms: result.generatorLagP99Ms,
          databaseCpuMsPer1000: includeDatabaseCpu
            ? per1000(result.cpu.databaseMs, result.acknowledged)
            : null,
          benchCpuMsPer1000: per1000(result.cpu.benchMs, result.acknowledged),
        },
      };
    }
    case "idle": {
      const limit = openFileLimit();
      // Each socket is one descriptor here; keep room for the rest (HTTP, files).
      const connections = Math.min(options.devices, limit - 256);
      if (connections < options.devices)
        log(`ulimit -n is ${limit}: holding ${connections} sockets instead of ${options.devices}`);
      const { devices, durability } = await devicesFor(
        database,
        server,
        Math.min(options.accounts, connections),
      );
      const result = await runIdle(server, devices, connections, options.durationS);
      return {
        ...base,
        devices: connections,
        rate: null,
        sentPerSecond: null,
        deliveredPerSecond: null,
        deliveredRatio: null,
        p50Ms: null,
        p99Ms: null,
        p999Ms: null,
        maxMs: null,
        serverCpuMsPer1000: null,
        serverRssBytes: result.rssEndBytes,
        durability,
        cpu: result.cpu,
        details: {
          accounts: devices.length,
          connections,
          stillOpen: result.stillOpen,
          rssPerConnectionBytes: result.rssPerConnectionBytes,
          rssSteps: result.rssSteps,
          rssEndBytes: result.rssEndBytes,
          openSeconds: round(result.openMs / 1000),
          serverCpuMsPerSecondIdle: round(result.cpu.serverMs / (result.cpu.wallMs / 1000)),
        },
      };
    }
    case "latency": {
      const { accounts, durability } = await accountsFor(database, 2);
      const result = await runLatencyScenario(server, accounts as [BenchAccount, BenchAccount], {
        roundTrips: options.roundTrips,
        warmUp: options.warmUp,
        includeDatabaseCpu,
      });
      const seconds = result.elapsedMs / 1000;
      return {
        ...base,
        rate: null,
        duration: round(seconds),
        sentPerSecond: round(result.legs / seconds, 1),
        deliveredPerSecond: round(result.decrypted / seconds, 1),
        deliveredRatio: round(result.decrypted / result.legs, 4),
        ...latencyFields(result.latency),
        serverCpuMsPer1000: per1000(result.cpu.serverMs, result.legs),
        serverRssBytes: processRssBytes(server.pid),
        durability,
        cpu: result.cpu,
        details: {
          roundTrips: options.roundTrips,
          warmUpRoundTrips: options.warmUp,
          messagesMeasured: result.legs,
          textBytes: 1024,
          acknowledgement: result.acknowledgement,
        },
      };
    }
    case "mls-group": {
      const { accounts, durability } = await accountsFor(database, options.groupSize);
      log(`${accounts.length} accounts; logging the SDK devices in`);
      const requests = new RequestCounter();
      const clients: ConfrereClient[] = await mapConcurrent(accounts, 4, (account) =>
        connectSdkDevice(server.url, account, requests),
      );
      try {
        log("devices ready; building the group");
        const result = await runMlsGroupScenario(server, clients, requests, {
          stepTimeoutMs: 300_000,
          includeDatabaseCpu,
        });
        return {
          ...base,
          devices: clients.length,
          rate: null,
          duration: round(result.cpu.wallMs / 1000),
          sentPerSecond: null,
          deliveredPerSecond: null,
          deliveredRatio: round(result.message.done / result.message.of, 4),
          ...latencyFields(result.messageLatency),
          serverCpuMsPer1000: null,
          serverRssBytes: processRssBytes(server.pid),
          durability,
          cpu: result.cpu,
          details: {
            groupSize: result.groupSize,
            create: result.create,
            add: result.add,
            message: result.message,
            warnings: result.warnings,
            serverCpuMs: Math.round(result.cpu.serverMs),
          },
        };
      } finally {
        for (const client of clients) client.disconnect();
      }
    }
  }
}

async function measureFloors(options: Options, report: Omit<BenchReport, "floor">) {
  log("floors: ws echo, then inserts");
  const wsEcho = await measureWsEcho();
  const sqlite = await measureSqliteInserts();
  const postgres = options.store === "postgres" ? await measurePostgresInserts(options.databaseUrl) : null;
  const insert = postgres ?? sqlite;
  const achieved = report.sentPerSecond;
  const ratio = (floor: number) => (achieved === null ? null : round(achieved / floor, 4));
  return {
    wsEcho,
    sqliteInserts: sqlite,
    ...(postgres ? { postgresInserts: postgres } : {}),
    ratios: {
      note: "this run's acknowledged messages/s divided by the floor (meaningful at the saturating rate)",
      deliveredToWsEcho:
        report.deliveredPerSecond === null
          ? null
          : round(report.deliveredPerSecond / wsEcho.messagesPerSecond, 4),
      sentToInsertsSingle: ratio(insert.rowsPerSecondSingle),
      sentToInsertsBatched: ratio(insert.rowsPerSecondBatched),
    },
  };
}

function markdown(report: BenchReport): string {
  const value = (v: number | null | undefined, digits = 1) =>
    v === null || v === undefined ? "–" : String(round(v, digits));
  const header =
    "| scenario | store | devices | rate | s | sent/s | delivered/s | ratio | persisted | p50 ms | p99 ms | p99.9 ms | max ms | server CPU ms/1000 | RSS MiB |";
  const row = `| ${report.scenario} | ${report.store} | ${report.devices} | ${value(report.rate, 0)} | ${value(report.duration)} | ${value(report.sentPerSecond)} | ${value(report.deliveredPerSecond)} | ${value(report.deliveredRatio, 4)} | ${report.persisted} | ${value(report.p50Ms)} | ${value(report.p99Ms)} | ${value(report.p999Ms)} | ${value(report.maxMs)} | ${value(report.serverCpuMsPer1000)} | ${value(report.serverRssBytes / 2 ** 20, 0)} |`;
  const lines = [
    header,
    `|${"---|".repeat(15)}`,
    row,
    "",
    `durability: ${report.durability}`,
    `nodes: ${report.nodes}; the first started (process start to listening${report.compiled ? ", compiled bundle" : ", TypeScript through tsx"}) in ${report.coldStartMs} ms`,
  ];
  if (report.cpu)
    lines.push(
      `cpu over ${value(report.cpu.wallMs / 1000)} s: server ${Math.round(report.cpu.serverMs)} ms, bench ${Math.round(report.cpu.benchMs)} ms, database ${Math.round(report.cpu.databaseMs)} ms; machine busy ${Math.round(report.cpu.machineBusyShare * 100)} %, other processes ${Math.round(report.cpu.otherShare * 100)} %`,
    );
  lines.push(`details: ${JSON.stringify(report.details)}`);
  if (report.floor) lines.push(`floor: ${JSON.stringify(report.floor)}`);
  if (report.profile) {
    const scope = report.profile.isWindowed ? "measured window" : "whole process";
    lines.push(`server profile (${report.profile.file}, ${scope}), busy ${report.profile.busyMs} ms:`);
    for (const spot of report.profile.functions)
      lines.push(`  ${(spot.share * 100).toFixed(1).padStart(5)} %  ${spot.name}`);
    lines.push("  by package:");
    for (const spot of report.profile.packages)
      lines.push(`  ${(spot.share * 100).toFixed(1).padStart(5)} %  ${spot.name}`);
  }
  return lines.join("\n");
}

async function main(): Promise<number> {
  let options: Options | null;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`bench: ${(error as Error).message}\n\n${USAGE}`);
    return 64;
  }
  if (!options) {
    console.log(USAGE);
    return 0;
  }
  const profileDir = options.profile ? path.join(os.tmpdir(), `confrere-bench-profile-${runTag}`) : null;
  const database = await createBenchDatabase(options.store, options.databaseUrl);
  let server: ServerProcess | null = null;
  let otherNodes: ServerProcess[] = [];
  if (options.nodes > 1) database.env.REDIS_URL = options.redisUrl;
  const cleanUp = async () => {
    await Promise.all(otherNodes.map((node) => node.stop().catch(() => null)));
    await server?.stop().catch(() => null);
    await database.dispose().catch(() => {});
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void cleanUp().finally(() => process.exit(130));
    });
  }
  let report: BenchReport;
  try {
    if (options.compiled) buildCompiledServer();
    server = await startServerProcess(database, { cpuProfileDir: profileDir, compiled: options.compiled });
    log(`server pid ${server.pid} on ${server.url} (${options.store}), started in ${server.startMs} ms`);
    for (let n = 1; n < options.nodes; n++) {
      otherNodes.push(await startServerProcess(database, { compiled: options.compiled }));
    }
    if (otherNodes.length) log(`other nodes: ${otherNodes.map((n) => `${n.pid} ${n.url}`).join(", ")}`);
    const coldStartMs = server.startMs;
    const { details, ...measured } = await runScenario(options, database, server, otherNodes).catch(
      (error: unknown) => {
        log(`the run failed; the server's last lines:\n${server?.tail()}`);
        throw error;
      },
    );
    await Promise.all(otherNodes.map((node) => node.stop()));
    otherNodes = [];
    const profileFile = await server.stop();
    server = null;
    const ctx = await openBenchContext(database);
    const measuredOnly = options.scenario === "direct" || options.scenario === "group";
    const persisted = await countPersisted(ctx, measuredOnly ? MEASURED : undefined).finally(() =>
      closeAppContext(ctx),
    );
    report = {
      ...measured,
      nodes: options.nodes,
      compiled: options.compiled,
      coldStartMs,
      persisted,
      details,
      environment: environment(),
      ...(profileFile
        ? { profile: await summarizeCpuProfile(profileFile, measured.cpu?.window ?? null) }
        : {}),
    };
  } finally {
    await cleanUp();
  }
  if (options.floor) report.floor = await measureFloors(options, report);
  const output = options.json ? JSON.stringify(report) : markdown(report);
  await new Promise<void>((resolve) => process.stdout.write(`${output}\n`, () => resolve()));
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`bench: ${(error as Error)?.stack ?? String(error)}`);
    process.exit(1);
  },
);
