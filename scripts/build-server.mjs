#!/usr/bin/env node
// `npm run build:server`: compiles confrere-server into one ES module, apps/server/dist/confrere-server.mjs,
// so that a production node starts without compiling TypeScript on the fly (tsx costs ~2 s per start)
// nor resolving and reading a thousand files of node_modules (another ~0.3 s). Everything is bundled
// but the native modules, which load their compiled binaries from node_modules at run time.
import fs from "node:fs/promises";
import path from "node:path";
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "..");
/** `--outdir DIR` builds elsewhere (the test does); it must sit inside the repository, to find node_modules. */
const outdirFlag = process.argv.indexOf("--outdir");
const outdir =
  outdirFlag > 0 ? path.resolve(process.argv[outdirFlag + 1] ?? "") : path.join(root, "apps/server/dist");
const outfile = path.join(outdir, "confrere-server.mjs");

/** Packages with a compiled binary (and the optional ones that pg and ws try), left to node_modules. */
const NATIVE = /^(better-sqlite3|argon2|pg-native|bufferutil|utf-8-validate)$/;
const nativeStayExternal = {
  name: "native-stay-external",
  setup(esbuild) {
    esbuild.onResolve({ filter: NATIVE }, (args) => ({ path: args.path, external: true }));
  },
};

/**
 * A few modules find files next to their source (`import.meta.dirname`: the built web app, the demo
 * directory). In the bundle that would be dist/ (or dist/chunks/), so each use is rewritten to the
 * source's folder seen from dist/.
 */
const sourceDirectoryKept = {
  name: "source-directory-kept",
  setup(esbuild) {
    esbuild.onLoad({ filter: /\.ts$/ }, async (args) => {
      const source = await fs.readFile(args.path, "utf8");
      if (!source.includes("import.meta.dirname")) return undefined;
      const fromBundle = path.relative(outdir, path.dirname(args.path));
      return {
        contents: source.replaceAll(
          "import.meta.dirname",
          `(__confrereDist + ${JSON.stringify(`/${fromBundle}`)})`,
        ),
        loader: "ts",
      };
    });
  },
};

const started = Date.now();
await build({
  entryPoints: { "confrere-server": path.join(root, "apps/server/src/cli/main.ts") },
  outdir,
  outExtension: { ".js": ".mjs" },
  // What the code imports dynamically (the PostgreSQL driver, Redis, WebAuthn, PDF) becomes a chunk
  // of its own, read only by the nodes that need it, when they need it.
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: "linked",
  // Bundled CommonJS packages require the native ones (and Node's built-ins) through this. Every
  // output file (the entry and its chunks) also learns where dist/ is, for sourceDirectoryKept.
  banner: {
    js: [
      'import { createRequire as __confrereCreateRequire } from "node:module";',
      "const require = __confrereCreateRequire(import.meta.url);",
      'const __confrereDist = import.meta.dirname.replace(/[\\/]chunks$/, "");',
    ].join(" "),
  },
  // Less to parse at every start; names stay readable in stack traces and logs.
  minifyWhitespace: true,
  minifySyntax: true,
  plugins: [nativeStayExternal, sourceDirectoryKept],
  logLevel: "warning",
});
const { size } = await fs.stat(outfile);
console.log(
  `build:server: ${path.relative(root, outfile)} (${Math.round(size / 1024)} KiB) in ${Date.now() - started} ms`,
);
