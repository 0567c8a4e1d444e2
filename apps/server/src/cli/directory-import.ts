import { parseArgs } from "node:util";
import v8 from "node:v8";
import { closeAppContext, createAppContext } from "../app-context.ts";
import { loadConfig } from "../config.ts";
import { type DirectoryImportProgress, importDirectory } from "../directory/directory-import.ts";
import { UsageError } from "./flags.ts";

/** Rejected rows printed one by one; the rest are counted (the file may be badly broken). */
const MAX_PRINTED_REJECTIONS = 1000;
const PROGRESS_INTERVAL_MS = 250;

/** One status line on a terminal, rewritten in place; nothing when stderr is not a terminal. */
class ProgressLine {
  readonly #isTty = process.stderr.isTTY === true;
  readonly #started = performance.now();
  #last = 0;
  #shown = false;

  update(progress: DirectoryImportProgress): void {
    if (!this.#isTty) return;
    const now = performance.now();
    if (now - this.#last < PROGRESS_INTERVAL_MS) return;
    this.#last = now;
    const seconds = Math.round((now - this.#started) / 1000);
    const what =
      progress.phase === "reading"
        ? `reading: ${progress.done} rows`
        : progress.phase === "writing"
          ? `writing: ${progress.total ? Math.floor((progress.done / progress.total) * 100) : 0}% (${progress.done}/${progress.total} rows)`
          : progress.phase === "indexing"
            ? `search documents rewritten: ${progress.done}`
            : `deactivating: ${progress.done} professionals`;
    process.stderr.write(`\r\u001b[K${what} · ${seconds} s`);
    this.#shown = true;
  }

  clear(): void {
    if (this.#shown) process.stderr.write("\r\u001b[K");
    this.#shown = false;
  }
}

/**
 * `confrere-server directory import FILE... [--json] [--deactivate-missing|--no-deactivate-missing]`:
 * imports an Annuaire Santé extraction (`.txt` files or the published `.zip`). Rejected rows go to
 * stderr with their line number; the summary to stdout.
 */
export async function runDirectoryImport(args: string[]): Promise<number> {
  const parse = () =>
    parseArgs({
      args,
      options: {
        json: { type: "boolean" },
        "deactivate-missing": { type: "boolean" },
        "no-deactivate-missing": { type: "boolean" },
      },
      strict: true,
      allowPositionals: true,
    });
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (error) {
    throw new UsageError(`directory import: ${(error as Error).message}`);
  }
  const { values, positionals: files } = parsed;
  if (files.length === 0) {
    throw new UsageError("directory import: give the extraction files (PS_LibreAcces_*.txt or the .zip)");
  }
  if (values["deactivate-missing"] && values["no-deactivate-missing"]) {
    throw new UsageError(
      "directory import: choose --deactivate-missing or --no-deactivate-missing, not both",
    );
  }
  const deactivateMissing = values["deactivate-missing"]
    ? true
    : values["no-deactivate-missing"]
      ? false
      : ("auto" as const);

  // This process only imports and exits. V8 grows its heap generously by default, letting
  // garbage from millions of rows pile up to ~450 MB RSS for a 2M-row extraction; a smaller
  // growing step collects sooner (about 260 MiB, same duration: see bench/README.md).
  v8.setFlagsFromString("--heap-growing-percent=20");
  const ctx = await createAppContext(loadConfig(), { migrate: true });
  const progress = new ProgressLine();
  // Ctrl-C or SIGTERM: stop after the current batch, so that the import is marked failed.
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    progress.clear();
    console.error(`confrere-server: ${signal}: stopping the import after the current batch`);
    stop.abort(new Error(`importDirectory: interrupted by ${signal}`));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let rejected = 0;
  try {
    const summary = await importDirectory(ctx, files, {
      signal: stop.signal,
      deactivateMissing,
      onRejection: (rejection) => {
        rejected++;
        if (rejected > MAX_PRINTED_REJECTIONS) return;
        progress.clear();
        console.error(`rejected: ${rejection.reason} [${rejection.code}]`);
      },
      onWarning: (message) => {
        progress.clear();
        console.error(`warning: ${message}`);
      },
      onProgress: (update) => progress.update(update),
    });
    progress.clear();
    if (rejected > MAX_PRINTED_REJECTIONS) {
      console.error(`rejected: … and ${rejected - MAX_PRINTED_REJECTIONS} more rows (not shown)`);
    }
    if (values.json) {
      console.log(JSON.stringify(summary));
      return 0;
    }
    const { professionals: p } = summary;
    console.log(`Directory import ${summary.importId} done in ${(summary.durationMs / 1000).toFixed(1)} s`);
    console.log(`  rows read    ${summary.rowsRead}`);
    console.log(`  rejected     ${summary.rowsRejected}`);
    console.log(`  new          ${p.new}`);
    console.log(`  updated      ${p.updated}`);
    console.log(`  unchanged    ${p.unchanged}`);
    console.log(
      `  deactivated  ${p.deactivated}${summary.deactivation.done ? "" : ` (not done: ${summary.deactivation.reason})`}`,
    );
    return 0;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    progress.clear();
    await closeAppContext(ctx);
  }
}
