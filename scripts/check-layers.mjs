#!/usr/bin/env node
// Dependencies point one way (STYLE.md): apps → sdk → crypto/protocol; server → protocol.
// Isomorphic packages (protocol, crypto, sdk) import no `node:` module outside their tests.
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const rules = {
  "packages/protocol": { isomorphic: true, may: [] },
  "packages/crypto": { isomorphic: true, may: ["@confrere/protocol"] },
  "packages/sdk": { isomorphic: true, may: ["@confrere/protocol", "@confrere/crypto"] },
  "packages/dev-env": {
    isomorphic: false,
    may: ["@confrere/protocol", "@confrere/sdk", "@confrere/crypto", "@confrere/server"],
  },
  // The server is the MLS Delivery Service: it reads handshake messages with the crypto package.
  "apps/server": {
    isomorphic: false,
    may: ["@confrere/protocol", "@confrere/crypto"],
    testMay: ["@confrere/dev-env", "@confrere/sdk", "@confrere/server", "@confrere/crypto"],
  },
  "apps/cli": {
    isomorphic: false,
    may: ["@confrere/sdk", "@confrere/protocol", "@confrere/crypto"],
    testMay: ["@confrere/dev-env", "@confrere/server"],
  },
  "apps/web": {
    isomorphic: true,
    may: ["@confrere/sdk", "@confrere/protocol", "@confrere/crypto"],
    testMay: ["@confrere/dev-env", "@confrere/server"],
  },
  bench: {
    isomorphic: false,
    may: ["@confrere/protocol", "@confrere/sdk", "@confrere/crypto", "@confrere/dev-env", "@confrere/server"],
  },
};

const problems = [];
function walk(dir, out = []) {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (["node_modules", "dist", ".vite"].includes(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (/\.(ts|tsx|mts)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) out.push(full);
  }
  return out;
}

const importPattern =
  /(?:^|\n)\s*(?:import|export)[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
for (const [layer, rule] of Object.entries(rules)) {
  for (const file of walk(path.join(root, layer))) {
    const relative = path.relative(root, file);
    // Tests, browser suites and a package's own tooling scripts (apps/web/scripts: Lighthouse,
    // screenshots) run in Node, never in the product, and may use the test helpers.
    const isTest = /\.test\.tsx?$|\/test\/|\/e2e\/|^apps\/web\/scripts\//.test(relative);
    const source = fs.readFileSync(file, "utf8");
    for (const match of source.matchAll(importPattern)) {
      const specifier = match[1] ?? match[2];
      if (specifier.startsWith("node:") && rule.isomorphic && !isTest) {
        problems.push(`${relative}: imports ${specifier}, but ${layer} must run in the browser too`);
      }
      if (specifier.startsWith("@confrere/")) {
        const allowed = [...rule.may, ...(isTest ? (rule.testMay ?? []) : [])];
        if (!allowed.includes(specifier)) problems.push(`${relative}: ${layer} may not import ${specifier}`);
      }
      if (specifier.startsWith(".")) {
        const target = path.relative(root, path.resolve(path.dirname(file), specifier));
        // The bench may drive the web app the way its browser suites do (bench/web-scroll.ts).
        const isBrowserSuiteHelper = layer === "bench" && target.startsWith("apps/web/e2e/");
        if (!target.startsWith(layer) && !isBrowserSuiteHelper)
          problems.push(`${relative}: reaches outside ${layer} by a relative path (${specifier})`);
      }
    }
  }
}
if (problems.length) {
  console.error(`check-layers: ${problems.length} problem(s)\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  process.exit(1);
}
console.log("check-layers: dependencies point one way");
