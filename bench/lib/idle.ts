/**
 * Idle connections: what an authenticated WebSocket that does nothing costs the server, in memory
 * and in CPU (the heartbeat pings each socket and re-reads its session every 30 s).
 */
import fs from "node:fs";
import type { WebSocket } from "ws";
import { type BenchDevice, mapConcurrent } from "./accounts.ts";
import { type CpuUsage, cpuBetween, cpuSnapshot, processRssBytes } from "./proc-stats.ts";
import { openRealtimeSocket } from "./realtime-socket.ts";

export interface IdleResult {
  connections: number;
  /** Server RSS with 0, N/5, 2N/5… N sockets open, each a median of several reads after a pause. */
  rssSteps: { connections: number; rssBytes: number }[];
  /** Least-squares slope of RSS over connections: the memory one more idle socket costs. */
  rssPerConnectionBytes: number;
  rssEndBytes: number;
  /** Sockets still open at the end (the server closes none that answers its pings). */
  stillOpen: number;
  openMs: number;
  cpu: CpuUsage;
}

/** Open files this process may hold (the soft `ulimit -n`), from /proc/self/limits. */
export function openFileLimit(): number {
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(fs.readFileSync("/proc/self/limits", "utf8"));
  return !match || match[1] === "unlimited" ? 1_000_000 : Number(match[1]);
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Median of a few RSS reads: one read can land in the middle of a garbage collection. */
async function steadyRss(pid: number): Promise<number> {
  const reads: number[] = [];
  for (let i = 0; i < 5; i++) {
    reads.push(processRssBytes(pid));
    await settle(200);
  }
  return reads.sort((a, b) => a - b)[2]!;
}

/** Waits until RSS moved less than 1 MiB over 4 s (at most `limitMs`). */
async function waitForStableRss(pid: number, limitMs = 60_000): Promise<void> {
  const end = performance.now() + limitMs;
  let previous = processRssBytes(pid);
  while (performance.now() < end) {
    await settle(4_000);
    const current = processRssBytes(pid);
    if (Math.abs(current - previous) < 2 ** 20) return;
    previous = current;
  }
}

function slope(points: { connections: number; rssBytes: number }[]): number {
  const n = points.length;
  const meanX = points.reduce((sum, p) => sum + p.connections, 0) / n;
  const meanY = points.reduce((sum, p) => sum + p.rssBytes, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const p of points) {
    covariance += (p.connections - meanX) * (p.rssBytes - meanY);
    variance += (p.connections - meanX) ** 2;
  }
  return variance === 0 ? 0 : covariance / variance;
}

/**
 * Opens `connections` sockets in five steps, spread over the given devices' sessions (several
 * sockets may share a device's session, as a device reconnecting does), reads the server's RSS
 * after each step, then holds them all `holdS` seconds and measures the server's CPU.
 */
export async function runIdle(
  server: { url: string; pid: number },
  devices: BenchDevice[],
  connections: number,
  holdS: number,
): Promise<IdleResult> {
  // After start-up and the logins (Argon2 takes 64 MiB a hash), V8's memory reducer and the
  // allocator give memory back for a while: wait for RSS to stop moving before the baseline.
  await waitForStableRss(server.pid);
  const rssSteps = [{ connections: 0, rssBytes: await steadyRss(server.pid) }];
  const sockets: WebSocket[] = [];
  let openMs = 0;
  const STEPS = 5;
  for (let step = 1; step <= STEPS; step++) {
    const target = Math.round((connections * step) / STEPS);
    const startedAt = performance.now();
    const opened = await mapConcurrent(
      Array.from(
        { length: target - sockets.length },
        (_, i) => devices[(sockets.length + i) % devices.length]!,
      ),
      100,
      (device) => openRealtimeSocket(server.url, device.token),
    );
    sockets.push(...opened);
    openMs += performance.now() - startedAt;
    await settle(2_000);
    rssSteps.push({ connections: sockets.length, rssBytes: await steadyRss(server.pid) });
  }
  const before = cpuSnapshot(server.pid, false);
  await settle(holdS * 1000);
  const cpu = cpuBetween(before, cpuSnapshot(server.pid, false));
  const rssEndBytes = await steadyRss(server.pid);
  const stillOpen = sockets.filter((s) => s.readyState === s.OPEN).length;
  for (const socket of sockets) socket.terminate();
  return {
    connections,
    rssSteps,
    rssPerConnectionBytes: Math.round(slope(rssSteps)),
    rssEndBytes,
    stillOpen,
    openMs,
    cpu,
  };
}
