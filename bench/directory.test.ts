// Keeps the directory bench from rotting: a tiny run (generation, two imports through the real
// `confrere-server directory import`, a server, searches) and the shape of its report. No timing
// is asserted.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "..");
const store = process.env.CONFRERE_TEST_STORE === "postgres" ? "postgres" : "sqlite";
const databaseUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

describe(`directory bench on ${store}`, () => {
  it("imports 2,000 rows twice (the second changing nothing) and times 30 searches", async () => {
    const { stdout } = await run(
      process.execPath,
      [
        "--import",
        "tsx",
        "bench/directory.ts",
        "--rows",
        "2000",
        "--searches",
        "30",
        "--store",
        store,
        "--database-url",
        databaseUrl,
        "--schema",
        `bench_dir_${randomBytes(4).toString("hex")}`,
        "--warm-up-seconds",
        "0",
        "--json",
      ],
      { cwd: root, timeout: 240_000, maxBuffer: 4 * 1024 * 1024 },
    );
    const report = JSON.parse(stdout.trim()) as {
      rows: number;
      people: number;
      firstImport: { professionals: { new: number }; peakRssMiB: number | null; rowsPerSecond: number };
      reimport: { professionals: { new: number; updated: number; unchanged: number } };
      search: { searches: number; p50: number; p95: number; p99: number };
    };
    assert.equal(report.rows, 2000);
    assert.equal(report.firstImport.professionals.new, report.people);
    assert.deepEqual(
      { ...report.reimport.professionals, deactivated: undefined },
      { new: 0, updated: 0, unchanged: report.people, deactivated: undefined },
    );
    assert.ok(report.firstImport.rowsPerSecond > 0);
    assert.ok((report.firstImport.peakRssMiB ?? 1) > 0);
    assert.equal(report.search.searches, 30);
    assert.ok(report.search.p50 <= report.search.p95 && report.search.p95 <= report.search.p99);
  });
});
