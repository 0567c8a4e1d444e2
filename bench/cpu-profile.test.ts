// The profile summary names the source a compiled bundle's frame came from (its source map), and
// leaves a frame of a script without a readable map as V8 named it.
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { summarizeCpuProfile } from "./lib/cpu-profile.ts";

const SOURCE = `// A comment the bundle drops, so that the source's lines and the bundle's differ.
//
//
export function warmUp(n: number): number {
  return n + 1;
}

export function hotSpot(items: number[]): number {
  let total = 0;
  for (const item of items) total += item * 2;
  return total;
}
`;

/** A profile with one frame at the bundle's `hotSpot` and one in Node, plus idle time. */
function profileOf(bundleUrl: string, lineNumber: number, columnNumber: number) {
  const frame = (functionName: string, url: string, line = -1, column = -1) => ({
    functionName,
    scriptId: "0",
    url,
    lineNumber: line,
    columnNumber: column,
  });
  return {
    nodes: [
      { id: 1, callFrame: frame("(root)", ""), hitCount: 0, children: [2, 3, 4] },
      { id: 2, callFrame: frame("(idle)", ""), hitCount: 50 },
      { id: 3, callFrame: frame("hotSpot", bundleUrl, lineNumber, columnNumber), hitCount: 30 },
      { id: 4, callFrame: frame("writev", "node:net", 10, 2), hitCount: 10 },
    ],
    startTime: 0,
    endTime: 90_000,
  };
}

describe("CPU profile summary", () => {
  it("names a bundled function by its source file and line, through the bundle's source map", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "confrere-cpu-profile-"));
    try {
      const source = path.join(dir, "hot-source.ts");
      await fs.writeFile(source, SOURCE);
      const bundle = path.join(dir, "out", "bundle.mjs");
      await build({ entryPoints: [source], bundle: true, format: "esm", sourcemap: true, outfile: bundle });
      const lines = (await fs.readFile(bundle, "utf8")).split("\n");
      const line = lines.findIndex((text) => text.includes("function hotSpot"));
      assert.ok(line >= 0, "the bundle holds hotSpot");
      const column = lines[line]!.indexOf("function hotSpot");
      const profileFile = path.join(dir, "run.cpuprofile");
      await fs.writeFile(profileFile, JSON.stringify(profileOf(pathToFileURL(bundle).href, line, column)));

      const mapped = await summarizeCpuProfile(profileFile, null);
      assert.equal(mapped.busyMs, 40);
      assert.equal(mapped.functions[0]?.name.replace(/ .*\//, " "), "hotSpot hot-source.ts:8");
      assert.equal(mapped.functions[0]?.share, 0.75);
      assert.equal(mapped.functions[1]?.name, "writev node:net:11");

      await fs.writeFile(`${bundle}.map`, "{ not a source map");
      const unreadable = await summarizeCpuProfile(profileFile, null);
      assert.equal(unreadable.functions[0]?.name.replace(/ .*\//, " "), `hotSpot bundle.mjs:${line + 1}`);

      await fs.rm(`${bundle}.map`);
      const unmapped = await summarizeCpuProfile(profileFile, null);
      assert.equal(unmapped.functions[0]?.name.replace(/ .*\//, " "), `hotSpot bundle.mjs:${line + 1}`);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
