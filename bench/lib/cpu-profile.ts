/**
 * Reads a V8 `.cpuprofile` (what `node --cpu-prof` writes) and names where the time went: the
 * functions with the most self time, and the packages they belong to.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { REPO_ROOT } from "./server-process.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface HotSpot {
  name: string;
  /** Share of the busy (non-idle) samples. */
  share: number;
  ms: number;
}

export interface ProfileSummary {
  file: string;
  /** True when only the samples of the measured window were counted (not start-up and set-up). */
  isWindowed: boolean;
  busyMs: number;
  functions: HotSpot[];
  packages: HotSpot[];
}

/** Where a script lives: an npm package, a Node built-in, or a file of this repository. */
function placeOf(url: string): string {
  if (!url) return "(native/V8)";
  if (url.startsWith("node:")) return url;
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules?.[1]) return modules[1];
  const file = url.replace(/^file:\/\//, "");
  return path.relative(REPO_ROOT, file).split("/").slice(0, 3).join("/");
}

function shortUrl(url: string): string {
  const modules = /node_modules\/(.*)$/.exec(url);
  if (modules?.[1]) return modules[1];
  return url.startsWith("file://") ? path.relative(REPO_ROOT, url.slice(7)) : url;
}

/**
 * Self time by function and by package. With `window` (monotonic µs, the clock V8 stamps samples
 * with), only the samples taken inside it count: the load, not the start-up and the set-up.
 */
export async function summarizeCpuProfile(
  file: string,
  window: { startUs: number; endUs: number } | null,
  top = 15,
): Promise<ProfileSummary> {
  const profile = JSON.parse(await fs.readFile(file, "utf8")) as Profile;
  const hitsByNode = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const isWindowed = window !== null && samples.length === deltas.length && samples.length > 0;
  if (isWindowed) {
    let at = profile.startTime;
    for (let i = 0; i < samples.length; i++) {
      at += deltas[i]!;
      if (at >= window.startUs && at <= window.endUs)
        hitsByNode.set(samples[i]!, (hitsByNode.get(samples[i]!) ?? 0) + 1);
    }
  } else {
    for (const node of profile.nodes) hitsByNode.set(node.id, node.hitCount ?? 0);
  }
  const totalSamples = samples.length || profile.nodes.reduce((n, p) => n + (p.hitCount ?? 0), 0);
  const msPerSample = (profile.endTime - profile.startTime) / 1000 / Math.max(1, totalSamples);
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  let busy = 0;
  for (const node of profile.nodes) {
    const hits = hitsByNode.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    if (!hits || functionName === "(idle)") continue;
    busy += hits;
    const name = url
      ? `${functionName || "(anonymous)"} ${shortUrl(url)}:${lineNumber + 1}`
      : functionName || "(anonymous)";
    byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
    const place = url ? placeOf(url) : functionName;
    byPlace.set(place, (byPlace.get(place) ?? 0) + hits);
  }
  const rank = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, hits]) => ({
        name,
        share: Math.round((hits / Math.max(1, busy)) * 1000) / 1000,
        ms: Math.round(hits * msPerSample),
      }));
  return {
    file,
    isWindowed,
    busyMs: Math.round(busy * msPerSample),
    functions: rank(byFunction),
    packages: rank(byPlace),
  };
}
