/**
 * Directory bench: generates an N-row Annuaire Santé extraction, imports it with the real
 * `confrere-server directory import` (a separate process: duration, rows/s, peak RSS), imports it
 * again (the idempotent daily case), then starts `confrere-server start` on the same database,
 * logs a verified user in and times M searches from this process.
 *
 *   node --import tsx bench/directory.ts --rows 2000000 --searches 1000 [--store sqlite|postgres] [--json] [--keep]
 *   node --import tsx bench/directory.ts --reuse DIR --searches 1000 [--store sqlite|postgres] [--json]
 *
 * PostgreSQL: --database-url (default $DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test),
 * --schema (default `bench_dir`, dropped before and after the run).
 *
 * Timed searches come after `--warm-up-seconds` (default 20) of searches: the server reads its
 * search statistics in the background after it starts. `--keep` keeps the run's directory
 * (extraction files, SQLite data, samples.json) and PostgreSQL schema; `--reuse DIR` then times
 * searches again on them without generating or importing (the 2M-row import takes minutes), and
 * keeps them too.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { ApiClient } from "@confrere/sdk";
import { Secret, TOTP } from "otpauth";
import pg from "pg";
import { generateExtraction } from "./directory-extraction.ts";

const repoRoot = path.resolve(import.meta.dirname, "..");
const serverCli = path.join(repoRoot, "apps/server/src/cli/main.ts");

const { values: args } = parseArgs({
  options: {
    rows: { type: "string", default: "100000" },
    searches: { type: "string", default: "200" },
    store: { type: "string", default: "sqlite" },
    json: { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    reuse: { type: "string" },
    "warm-up-seconds": { type: "string", default: "20" },
    "database-url": { type: "string" },
    schema: { type: "string", default: "bench_dir" },
  },
  strict: true,
});
const rows = Number(args.rows);
const searches = Number(args.searches);
const store = args.store;
if (!Number.isInteger(rows) || rows < 1)
  throw new Error("bench/directory: --rows must be a positive integer");
if (!Number.isInteger(searches) || searches < 0) throw new Error("bench/directory: --searches must be ≥ 0");
if (store !== "sqlite" && store !== "postgres") throw new Error("bench/directory: --store sqlite|postgres");
const databaseUrl =
  args["database-url"] ?? process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const PG_SCHEMA = args.schema;
if (!/^[a-z_][a-z0-9_]{0,62}$/.test(PG_SCHEMA))
  throw new Error("bench/directory: --schema must be a lowercase SQL identifier");

function log(message: string): void {
  if (!args.json) console.error(message);
}

interface ProcessRun {
  code: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
  /** Peak resident set size of the command, in MiB. */
  peakRssMiB: number | null;
}

/** Runs `confrere-server ARGS` and measures it (`/usr/bin/time -v` when present, else /proc polling). */
function runServerCommand(
  commandArgs: string[],
  env: Record<string, string>,
  stdin = "",
): Promise<ProcessRun> {
  const nodeArgs = ["--import", "tsx", serverCli, ...commandArgs];
  const hasTime = existsSync("/usr/bin/time");
  const child = hasTime
    ? spawn("/usr/bin/time", ["-v", process.execPath, ...nodeArgs], { cwd: repoRoot, env })
    : spawn(process.execPath, nodeArgs, { cwd: repoRoot, env });
  const started = performance.now();
  let stdout = "";
  let stderr = "";
  let polledPeakKb = 0;
  const poll = hasTime
    ? undefined
    : setInterval(() => {
        readFile(`/proc/${child.pid}/status`, "utf8")
          .then((status) => {
            const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
            polledPeakKb = Math.max(polledPeakKb, kb);
          })
          .catch(() => {});
      }, 100);
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  child.stdin?.end(stdin);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      if (poll) clearInterval(poll);
      const wallMs = performance.now() - started;
      const timeKb = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1];
      const peakKb = timeKb ? Number(timeKb) : polledPeakKb;
      resolve({ code, stdout, stderr, wallMs, peakRssMiB: peakKb ? Math.round(peakKb / 1024) : null });
    });
  });
}

interface ImportSummary {
  rowsRead: number;
  rowsRejected: number;
  professionals: { new: number; updated: number; unchanged: number; deactivated: number };
  durationMs: number;
}

async function timedImport(files: readonly string[], env: Record<string, string>) {
  const run = await runServerCommand(["directory", "import", ...files, "--json"], env);
  if (run.code !== 0) throw new Error(`bench/directory: the import failed (${run.code}):\n${run.stderr}`);
  const summary = JSON.parse(run.stdout) as ImportSummary;
  return {
    summary,
    wallSeconds: Math.round(run.wallMs / 100) / 10,
    importSeconds: Math.round(summary.durationMs / 100) / 10,
    rowsPerSecond: Math.round(summary.rowsRead / (summary.durationMs / 1000)),
    peakRssMiB: run.peakRssMiB,
  };
}

async function dropSchema(): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${PG_SCHEMA}" cascade`);
  } finally {
    await client.end();
  }
}

/** Starts `confrere-server start` and resolves with its URL once it listens. */
function startServer(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ["--import", "tsx", serverCli, "start"], { cwd: repoRoot, env });
  return new Promise((resolve, reject) => {
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (url) {
        child.stdout?.off("data", onData);
        resolve({ url, child });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.on("exit", (code) => reject(new Error(`bench/directory: the server exited (${code}):\n${output}`)));
    child.on("error", reject);
  });
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, index)]! * 10) / 10;
}

/** A few search shapes built from generated people, as users type them. */
function buildQueries(
  samples: Awaited<ReturnType<typeof generateExtraction>>["samples"],
  count: number,
): { kind: string; params: Parameters<ApiClient["searchDirectory"]>[0] }[] {
  const fold = (text: string) =>
    text
      .toLowerCase()
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "");
  const queries: { kind: string; params: Parameters<ApiClient["searchDirectory"]>[0] }[] = [];
  for (let i = 0; queries.length < count && samples.length > 0; i++) {
    const s = samples[(i * 7919) % samples.length]!;
    const surname = fold(s.lastName);
    switch (i % 6) {
      case 0:
        queries.push({ kind: "surname", params: { q: surname } });
        break;
      case 1:
        queries.push({ kind: "surname prefix (3-5 letters)", params: { q: surname.slice(0, 3 + (i % 3)) } });
        break;
      case 2:
        queries.push({ kind: "surname + first name", params: { q: `${s.lastName} ${s.firstName}` } });
        break;
      case 3:
        queries.push({
          kind: "specialty prefix + commune",
          params: { q: `${s.specialty ? fold(s.specialty).slice(0, 6) : "infirm"} ${s.commune}` },
        });
        break;
      case 4:
        queries.push({ kind: "commune + profession filter", params: { q: s.commune, profession: "10" } });
        break;
      default:
        queries.push({
          kind: "filters only (specialty + département)",
          params: { specialty: "SM04", departement: s.departement },
        });
    }
  }
  return queries;
}

/** What a kept run leaves for `--reuse`: the extraction's figures and samples, without its files. */
type KeptRun = Omit<Awaited<ReturnType<typeof generateExtraction>>, "files">;

async function main(): Promise<void> {
  const reuse = args.reuse ? path.resolve(args.reuse) : null;
  const keep = args.keep || reuse !== null;
  const dir = reuse ?? (await mkdtemp(path.join(os.tmpdir(), "confrere-bench-directory-")));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    DATA_DIR: path.join(dir, "data"),
    LOG_LEVEL: "warn",
    HOST: "127.0.0.1",
    PORT: "0",
    AUTH_RATE_LIMIT_PER_MINUTE: "100000",
    ...(store === "postgres" ? { DATABASE_URL: databaseUrl, DATABASE_SCHEMA: PG_SCHEMA } : {}),
  };
  let server: ChildProcess | undefined;
  try {
    let extraction: KeptRun;
    let first: Awaited<ReturnType<typeof timedImport>> | null = null;
    let second: Awaited<ReturnType<typeof timedImport>> | null = null;
    if (reuse) {
      extraction = JSON.parse(await readFile(path.join(dir, "samples.json"), "utf8")) as KeptRun;
      log(`reusing ${dir}: ${extraction.rows} rows already imported`);
    } else {
      if (store === "postgres") await dropSchema();
      log(`generating ${rows} rows in ${dir} …`);
      const generateStart = performance.now();
      const generated = await generateExtraction(dir, rows);
      const { files, ...kept } = generated;
      extraction = kept;
      if (keep) await writeFile(path.join(dir, "samples.json"), JSON.stringify(kept));
      log(
        `  ${extraction.rows} practice rows, ${extraction.savoirFaireRows} savoir-faire rows, ${extraction.people} people (${Math.round((performance.now() - generateStart) / 1000)} s)`,
      );

      log("importing (first import) …");
      first = await timedImport(files, env);
      log(`  ${JSON.stringify(first)}`);
      log("importing the same files again …");
      second = await timedImport(files, env);
      log(`  ${JSON.stringify(second)}`);
      if (second.summary.professionals.new !== 0 || second.summary.professionals.updated !== 0) {
        throw new Error("bench/directory: the second import was not idempotent");
      }
    }

    let search: Record<string, unknown> | null = null;
    if (searches > 0) {
      const started = await startServer(env);
      server = started.child;
      // A new account per run: a reused database keeps the previous runs' accounts.
      const email = `bench-directory-${Date.now()}@example.fr`;
      const password = "phrase de passe du banc d'essai";
      const created = await runServerCommand(
        ["user", "create", "--email", email, "--password-stdin", "--verified", "--json"],
        env,
        password,
      );
      if (created.code !== 0) throw new Error(`bench/directory: user create failed:\n${created.stderr}`);
      const { totpSecret } = JSON.parse(created.stdout) as { totpSecret: string };
      const api = new ApiClient({ baseUrl: started.url });
      const step = await api.login({ email, password, deviceName: "bench" });
      if (step.status !== "second_factor_required")
        throw new Error(`bench/directory: login step ${step.status}`);
      const code = new TOTP({
        algorithm: "SHA1",
        digits: 6,
        period: 30,
        secret: Secret.fromBase32(totpSecret),
      }).generate();
      await api.loginTotp(step.challengeToken, code);

      const queries = buildQueries(extraction.samples, searches);
      // Warm-up: the first searches load pages from disk, and the server reads its search
      // statistics in the background after it starts (seconds on 2M rows): search for a while.
      const warmUpUntil = performance.now() + Number(args["warm-up-seconds"]) * 1000;
      for (let i = 0; i < 10 || performance.now() < warmUpUntil; i++) {
        await api.searchDirectory(queries[i % queries.length]!.params);
      }
      const times: number[] = [];
      const byKind = new Map<string, number[]>();
      let results = 0;
      for (const query of queries) {
        const t = performance.now();
        const response = await api.searchDirectory(query.params);
        const ms = performance.now() - t;
        results += response.results.length;
        times.push(ms);
        byKind.set(query.kind, [...(byKind.get(query.kind) ?? []), ms]);
      }
      times.sort((a, b) => a - b);
      search = {
        searches: times.length,
        meanResults: Math.round((results / Math.max(1, times.length)) * 10) / 10,
        p50: percentile(times, 50),
        p95: percentile(times, 95),
        p99: percentile(times, 99),
        max: percentile(times, 100),
        byKind: Object.fromEntries(
          [...byKind].map(([kind, list]) => {
            list.sort((a, b) => a - b);
            return [kind, { n: list.length, p50: percentile(list, 50), p95: percentile(list, 95) }];
          }),
        ),
      };
      log(`  searches: ${JSON.stringify(search)}`);
    }

    const report = {
      date: new Date().toISOString(),
      store,
      rows: extraction.rows,
      savoirFaireRows: extraction.savoirFaireRows,
      people: extraction.people,
      cpus: os.cpus().length,
      loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
      firstImport: first && { ...first, summary: undefined, professionals: first.summary.professionals },
      reimport: second && { ...second, summary: undefined, professionals: second.summary.professionals },
      search,
    };
    console.log(args.json ? JSON.stringify(report) : JSON.stringify(report, null, 2));
  } finally {
    if (server) {
      server.kill("SIGTERM");
      await new Promise((resolve) => server?.once("exit", resolve));
    }
    if (!keep) {
      await rm(dir, { recursive: true, force: true });
      if (store === "postgres") await dropSchema();
    } else {
      log(`kept ${dir}`);
    }
  }
}

await main();
