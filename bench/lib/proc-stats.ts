/**
 * CPU time and memory of processes, from Linux's /proc (proc(5)): the server's, the database's,
 * and the whole machine's, so a run can say how much of the two cores went elsewhere.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";

let ticksPerSecond: number | null = null;

/** USER_HZ, the unit of /proc CPU times (100 on Linux nearly everywhere). */
function clockTicks(): number {
  if (ticksPerSecond === null) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Fields of /proc/<pid>/stat after the command name, which may itself hold spaces and parentheses. */
function statFields(pid: number): { comm: string; rest: string[] } | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  const close = text.lastIndexOf(")");
  return { comm: text.slice(text.indexOf("(") + 1, close), rest: text.slice(close + 2).split(" ") };
}

/** User + system CPU time of a process (all its threads), in milliseconds. */
export function processCpuMs(pid: number): number {
  const fields = statFields(pid);
  if (!fields) return 0;
  // proc(5): utime is field 14 and stime field 15; `rest` starts at field 3.
  const ticks = Number(fields.rest[11]) + Number(fields.rest[12]);
  return (ticks * 1000) / clockTicks();
}

/** Resident set size of a process, in bytes (VmRSS). */
export function processRssBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU time of every process named `name` (e.g. the PostgreSQL backends), in milliseconds. */
export function cpuMsOfProcessesNamed(name: string): number {
  let total = 0;
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (fields?.comm !== name) continue;
    total += ((Number(fields.rest[11]) + Number(fields.rest[12])) * 1000) / clockTicks();
  }
  return total;
}

/** Busy and total CPU time of the whole machine (all cores), in milliseconds, from /proc/stat. */
export function machineCpuMs(): { busy: number; total: number } {
  const line = fs.readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user).
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = values;
  const busy = user + nice + system + irq + softirq + steal;
  const toMs = (ticks: number) => (ticks * 1000) / clockTicks();
  return { busy: toMs(busy), total: toMs(busy + idle + iowait) };
}

/** This process's own CPU time (the load generator), in milliseconds. */
export function ownCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** A snapshot of everything above, to subtract from a later one. */
export interface CpuSnapshot {
  at: number;
  /** CLOCK_MONOTONIC in µs: the clock of V8's CPU profiles, so a profile can be cut to this window. */
  monotonicUs: number;
  server: number;
  bench: number;
  database: number;
  machineBusy: number;
  machineTotal: number;
}

/** `serverPid`: the server's process, or every node's when the bench runs several. */
export function cpuSnapshot(serverPid: number | number[], includeDatabase: boolean): CpuSnapshot {
  const machine = machineCpuMs();
  const pids = Array.isArray(serverPid) ? serverPid : [serverPid];
  return {
    at: performance.now(),
    monotonicUs: Number(process.hrtime.bigint() / 1000n),
    server: pids.reduce((sum, pid) => sum + processCpuMs(pid), 0),
    bench: ownCpuMs(),
    database: includeDatabase ? cpuMsOfProcessesNamed("postgres") : 0,
    machineBusy: machine.busy,
    machineTotal: machine.total,
  };
}

export interface CpuUsage {
  wallMs: number;
  /** The measured window on the monotonic clock (µs). */
  window: { startUs: number; endUs: number };
  serverMs: number;
  benchMs: number;
  databaseMs: number;
  /** Share of all cores that was busy. */
  machineBusyShare: number;
  /** Share of all cores used by processes other than the server, the bench and the database: noise. */
  otherShare: number;
}

export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): CpuUsage {
  const total = after.machineTotal - before.machineTotal || 1;
  const busy = after.machineBusy - before.machineBusy;
  const serverMs = after.server - before.server;
  const benchMs = after.bench - before.bench;
  const databaseMs = after.database - before.database;
  return {
    wallMs: after.at - before.at,
    window: { startUs: before.monotonicUs, endUs: after.monotonicUs },
    serverMs,
    benchMs,
    databaseMs,
    machineBusyShare: busy / total,
    otherShare: Math.max(0, busy - serverMs - benchMs - databaseMs) / total,
  };
}
