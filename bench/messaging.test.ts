// Keeps the messaging bench from rotting: runs two short scenarios as `npm run bench` does (a child
// process that starts the real server as its own child) and checks what they report. No timing is
// asserted: only the shape of the report and that every message arrived.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "..");
const store = process.env.CONFRERE_TEST_STORE === "postgres" ? "postgres" : "sqlite";
const databaseUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

async function bench(args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(
    process.execPath,
    [
      "--import",
      "tsx",
      "bench/messaging.ts",
      ...args,
      "--store",
      store,
      "--database-url",
      databaseUrl,
      "--json",
    ],
    { cwd: root, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 },
  );
  const lines = stdout.trim().split("\n");
  assert.equal(lines.length, 1, `exactly one JSON object on stdout, got:\n${stdout}`);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

const COMMON_FIELDS = [
  "scenario",
  "store",
  "devices",
  "rate",
  "duration",
  "sentPerSecond",
  "deliveredPerSecond",
  "deliveredRatio",
  "persisted",
  "p50Ms",
  "p99Ms",
  "p999Ms",
  "maxMs",
  "serverCpuMsPer1000",
  "serverRssBytes",
  "durability",
];

function assertCommonShape(report: Record<string, unknown>, scenario: string) {
  for (const field of COMMON_FIELDS) assert.ok(field in report, `the report has ${field}`);
  assert.equal(report.scenario, scenario);
  assert.equal(report.store, store);
  for (const field of ["sentPerSecond", "deliveredPerSecond", "p50Ms", "p99Ms", "p999Ms", "maxMs"])
    assert.equal(typeof report[field], "number", `${field} is a number`);
  assert.ok((report.p50Ms as number) <= (report.p99Ms as number));
  assert.ok((report.p99Ms as number) <= (report.maxMs as number));
  assert.ok((report.serverRssBytes as number) > 0, "the server's memory was read");
  assert.match(
    report.durability as string,
    store === "sqlite" ? /synchronous=NORMAL/ : /synchronous_commit=/,
  );
}

describe("messaging bench", { concurrency: false }, () => {
  it("direct: every scheduled message is acknowledged, stored and delivered", async () => {
    const report = await bench([
      "--scenario",
      "direct",
      "--devices",
      "4",
      "--rate",
      "50",
      "--duration",
      "2",
      "--warm-up-seconds",
      "0.5",
    ]);
    assertCommonShape(report, "direct");
    assert.equal(report.devices, 4);
    assert.equal(report.rate, 50);
    assert.equal(report.deliveredRatio, 1);
    const details = report.details as Record<string, unknown>;
    assert.equal(details.scheduled, 100);
    assert.equal(details.acknowledged, 100);
    assert.equal(details.deliveries, 100);
    assert.equal(details.dropped, 0);
    assert.equal(details.failed, 0);
    assert.equal(report.persisted, 100, "the log holds exactly the measured messages");
    assert.equal(typeof report.serverCpuMsPer1000, "number");
  });

  it("latency: two SDK devices decrypt each other's messages", async () => {
    const report = await bench(["--scenario", "latency", "--round-trips", "3", "--warm-up", "1"]);
    assertCommonShape(report, "latency");
    assert.equal(report.deliveredRatio, 1);
    const details = report.details as Record<string, unknown>;
    assert.equal(details.messagesMeasured, 6);
    // 4 round trips of 2 messages each, warm-up included.
    assert.equal(report.persisted, 8);
  });
});
