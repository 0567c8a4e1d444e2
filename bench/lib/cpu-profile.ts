/**
 * Reads a V8 `.cpuprofile` (what `node --cpu-prof` writes) and names where the time went: the
 * functions with the most self time, and the packages they belong to.
 */
import { existsSync, readFileSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { SourceMapConsumer } from "source-map-js";
import { REPO_ROOT } from "./server-process.ts";

interface CallFrame {
  functionName: string;
  url: string;
  /** Both zero-based, as V8 counts. */
  lineNumber: number;
  columnNumber?: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
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

/**
 * The compiled server (`--compiled`) is one bundle: without its source maps every hot spot would
 * read "dist/confrere-server.mjs:749", and the database driver, `ws` and our own code would count as
 * one package. A frame of a script with a map beside it (`<script>.map`) is named by the source
 * file and line the map gives; any other frame is left as V8 named it.
 */
class SourcePlaces {
  private readonly maps = new Map<string, SourceMapConsumer | null>();

  resolve(frame: CallFrame): { url: string; lineNumber: number } {
    if (!frame.url.startsWith("file://")) return frame;
    const script = fileURLToPath(frame.url);
    const original = this.mapOf(script)?.originalPositionFor({
      line: frame.lineNumber + 1,
      column: frame.columnNumber ?? 0,
    });
    if (!original?.source || !original.line) return frame;
    const source = path.resolve(path.dirname(script), original.source);
    return { url: pathToFileURL(source).href, lineNumber: original.line - 1 };
  }

  private mapOf(script: string): SourceMapConsumer | null {
    if (!this.maps.has(script)) this.maps.set(script, readMap(`${script}.map`));
    return this.maps.get(script) ?? null;
  }
}

/** A map that is missing or unreadable names nothing: the profile is summarised as V8 wrote it. */
function readMap(file: string): SourceMapConsumer | null {
  if (!existsSync(file)) return null;
  try {
    return new SourceMapConsumer(JSON.parse(readFileSync(file, "utf8")));
  } catch {
    return null;
  }
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
  const sources = new SourcePlaces();
  let busy = 0;
  for (const node of profile.nodes) {
    const hits = hitsByNode.get(node.id) ?? 0;
    const { functionName } = node.callFrame;
    if (!hits || functionName === "(idle)") continue;
    const { url, lineNumber } = sources.resolve(node.callFrame);
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
