#!/usr/bin/env node
// The `confrere` command: the TypeScript entry runs through tsx's loader.
import { spawn } from "node:child_process";
import path from "node:path";

const entry = path.resolve(import.meta.dirname, "../src/main.ts");
const child = spawn(
  process.execPath,
  ["--import", import.meta.resolve("tsx"), entry, ...process.argv.slice(2)],
  { stdio: "inherit" },
);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
