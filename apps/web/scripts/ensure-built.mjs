#!/usr/bin/env node
// Builds the web app into apps/web/dist when it is missing or older than its sources, so that
// `npm start` serves the current app without rebuilding on every start. `--force` always builds.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const web = path.resolve(import.meta.dirname, "..");
const built = path.join(web, "dist", "index.html");
const sources = ["src", "public", "index.html", "vite.config.ts", "package.json"].map((p) =>
  path.join(web, p),
);

function newest(file) {
  if (!fs.existsSync(file)) return 0;
  const stat = fs.statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...fs.readdirSync(file).map((name) => newest(path.join(file, name))));
}

const force = process.argv.includes("--force");
const builtAt = fs.existsSync(built) ? fs.statSync(built).mtimeMs : 0;
if (!force && builtAt > 0 && builtAt >= Math.max(...sources.map(newest))) process.exit(0);

let vite;
try {
  vite = path.join(path.dirname(fileURLToPath(import.meta.resolve("vite/package.json"))), "bin", "vite.js");
} catch {
  // A production install without dev dependencies: start anyway, with the API only.
  console.warn("web: vite is not installed, so the web app can't be built; the server serves the API only");
  process.exit(0);
}
console.warn(`web: building the web app into ${path.relative(process.cwd(), path.dirname(built)) || "dist"}`);
// Always a production build, even from the test runner: under NODE_ENV=test Vite would bundle
// React's development build, unminified.
const result = spawnSync(process.execPath, [vite, "build", "--logLevel", "warn"], {
  cwd: web,
  stdio: "inherit",
  env: { ...process.env, NODE_ENV: "production" },
});
process.exit(result.status ?? 1);
