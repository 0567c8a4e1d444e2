#!/usr/bin/env node
// `npm start`: runs confrere-server (default command `start`) with the embedded defaults.
// Extra arguments pass through: `npm start -- migrate`.
import { spawn } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const child = spawn(
  process.execPath,
  [
    "--import",
    import.meta.resolve("tsx"),
    path.join(root, "apps/server/src/cli/main.ts"),
    ...process.argv.slice(2),
  ],
  {
    stdio: "inherit",
    env: process.env,
  },
);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
