#!/usr/bin/env node
// The `confrere-server` command. It runs the compiled server (`npm run build:server`, dist/) when
// that build is at least as new as the sources, and otherwise the TypeScript entry through tsx's
// loader (a few seconds more at every start), saying why: a stale build never runs silently.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const serverRoot = path.resolve(import.meta.dirname, "..");
const repoRoot = path.resolve(serverRoot, "../..");
const compiled = path.join(serverRoot, "dist/confrere-server.mjs");
const sourceFolders = [
  path.join(serverRoot, "src"),
  ...["protocol", "crypto"].map((name) => path.join(repoRoot, "packages", name, "src")),
];

function newestChange(folder) {
  let newest = 0;
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestChange(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

function compiledIsFresh() {
  if (!fs.existsSync(compiled)) return false;
  const builtAt = fs.statSync(compiled).mtimeMs;
  const isFresh = sourceFolders.every((folder) => !fs.existsSync(folder) || newestChange(folder) <= builtAt);
  if (!isFresh) {
    console.error(
      "confrere-server: the compiled build is older than the sources; running them through tsx (npm run build:server to rebuild)",
    );
  }
  return isFresh;
}

const args = compiledIsFresh()
  ? [compiled, ...process.argv.slice(2)]
  : [
      "--import",
      import.meta.resolve("tsx"),
      path.join(serverRoot, "src/cli/main.ts"),
      ...process.argv.slice(2),
    ];
const child = spawn(process.execPath, args, { stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
