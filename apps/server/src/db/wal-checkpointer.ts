import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type SqliteDatabase from "better-sqlite3";
import type { Logger } from "../logger.ts";

/**
 * WAL pages past which the writer waits for a checkpoint before its next transaction, so that the
 * WAL starts over (SQLite's own automatic checkpoint is at 1,000).
 */
export const RESTART_WAL_AT_PAGES = 1_000;
/**
 * WAL pages past which the main connection checkpoints by itself, as SQLite does by default: only
 * if the worker is gone or never asked, a bound on the WAL's size.
 */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 4_000;
/** How often the worker checkpoints unasked: what an idle or lightly loaded server needs. */
const POLL_MS = 50;
/** A writer waits no longer than this for the worker: then it goes on, and the WAL grows a while. */
const SETTLE_TIMEOUT_MS = 1_000;

/** Slots of the memory shared with the worker (which gets them in its data: it sees no constant here). */
const SLOTS = { stop: 0, requested: 1, done: 2, walPages: 3 } as const;
const { stop: STOP, requested: REQUESTED, done: DONE, walPages: WAL_PAGES } = SLOTS;

export interface WalCheckpointer {
  /**
   * Before a write transaction: if the WAL is long, has the worker copy it back now, so that this
   * transaction starts the WAL over. It waits off the event loop; the caller's next batch grows
   * meanwhile. Says whether it asked.
   */
  settle(): Promise<boolean>;
  /** Stops the worker and waits for it to close its connection. */
  stop(): Promise<void>;
}

/**
 * Copies the WAL back into the database file from a worker thread, with a connection of its own.
 *
 * SQLite's automatic checkpoint runs inside the commit that crosses its threshold: on the server's
 * only thread, with two fsyncs, it took about a tenth of a core at 20,000 messages/s and stalled
 * every socket meanwhile (bench/README.md). A PASSIVE checkpoint never blocks the writer, so it runs
 * in the worker. The WAL starts over from its beginning only when a write transaction begins with
 * every frame copied back; under a steady load a commit almost always lands during a checkpoint, so
 * the writer asks for one and waits (`settle`) when the WAL has grown, then starts it over.
 */
export function startWalCheckpointer(
  sqlite: SqliteDatabase.Database,
  file: string,
  logger: Pick<Logger, "error"> | null,
): WalCheckpointer {
  const shared = new Int32Array(new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT));
  const worker = new Worker(
    `(${checkpointLoop.toString()})(require("node:worker_threads").workerData, require);`,
    {
      eval: true,
      workerData: {
        // The bundled server keeps native modules in node_modules: resolve it here, where that works.
        modulePath: createRequire(import.meta.url).resolve("better-sqlite3"),
        file,
        shared,
        slots: SLOTS,
        pollMs: POLL_MS,
      },
    },
  );
  let isRunning = true;
  sqlite.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
  worker.on("error", (error) => {
    // Without the worker, the main connection checkpoints as SQLite does by default.
    isRunning = false;
    if (sqlite.open) sqlite.pragma("wal_autocheckpoint = 1000");
    logger?.error(
      { err: error },
      "sqlite: the WAL checkpoint worker stopped; commits checkpoint on the main thread from now on",
    );
  });
  worker.unref();
  const exited = new Promise<void>((resolve) =>
    worker.once("exit", () => {
      isRunning = false;
      resolve();
    }),
  );
  return {
    async settle() {
      if (!isRunning || Atomics.load(shared, WAL_PAGES) < RESTART_WAL_AT_PAGES) return false;
      const ticket = Atomics.add(shared, REQUESTED, 1) + 1;
      Atomics.notify(shared, REQUESTED);
      const deadline = Date.now() + SETTLE_TIMEOUT_MS;
      // Neither Atomics.waitAsync nor the unreferenced worker keeps the process alive meanwhile.
      const keepAlive = setTimeout(() => {}, SETTLE_TIMEOUT_MS);
      try {
        for (;;) {
          const done = Atomics.load(shared, DONE);
          // Compared as a difference, so that the counters may wrap around.
          if (((done - ticket) | 0) >= 0 || !isRunning) break;
          const left = deadline - Date.now();
          if (left <= 0) return true;
          await waitAsync(shared, DONE, done, left);
        }
      } finally {
        clearTimeout(keepAlive);
      }
      // The WAL starts over in the caller's transaction: not long any more, until the worker looks.
      Atomics.store(shared, WAL_PAGES, 0);
      return true;
    },
    async stop() {
      // Referenced again: otherwise a process with nothing else to do would exit before it ends.
      worker.ref();
      Atomics.store(shared, STOP, 1);
      Atomics.notify(shared, REQUESTED);
      await exited;
    },
  };
}

/** `Atomics.waitAsync` (V8, Node.js 16 and later), which TypeScript's ES2023 library leaves out. */
function waitAsync(shared: Int32Array, index: number, value: number, timeoutMs: number): Promise<unknown> {
  const atomics = Atomics as unknown as {
    waitAsync(array: Int32Array, index: number, value: number, timeout: number): { value: unknown };
  };
  return Promise.resolve(atomics.waitAsync(shared, index, value, timeoutMs).value);
}

interface CheckpointLoopData {
  modulePath: string;
  file: string;
  shared: Int32Array;
  slots: typeof SLOTS;
  pollMs: number;
}

/**
 * The worker's whole program, sent as source: it sees nothing of this module, only its arguments.
 * It loops synchronously, the worker having nothing else to do, and sleeps until asked or until the
 * poll interval ends.
 */
function checkpointLoop(data: CheckpointLoopData, load: (id: string) => unknown): void {
  const { shared, slots } = data;
  const { stop, requested, done, walPages } = slots;
  const Database = load(data.modulePath) as typeof SqliteDatabase;
  const db = new Database(data.file, { fileMustExist: true });
  try {
    // NORMAL, as on the main connection: a checkpoint syncs the WAL, then the database file.
    db.pragma("synchronous = NORMAL");
    db.pragma("wal_autocheckpoint = 0");
    while (Atomics.load(shared, stop) === 0) {
      // Read before the checkpoint: a request made during it is answered by the next one.
      const request = Atomics.load(shared, requested);
      const [result] = db.pragma("wal_checkpoint(PASSIVE)") as { log: number }[];
      Atomics.store(shared, walPages, result?.log ?? 0);
      Atomics.store(shared, done, request);
      Atomics.notify(shared, done);
      Atomics.wait(shared, requested, request, data.pollMs);
    }
  } finally {
    db.close();
  }
}
