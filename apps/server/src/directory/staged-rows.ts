/**
 * The staged rows of an import, brought together by person in bounded memory: an external merge
 * sort, as sort(1) does it. Rows are kept in memory up to a budget, then sorted by national id
 * and written to a temporary file (a "run"); reading merges the runs, so each person's rows come
 * out together, in the order they were added, however the files ordered them.
 *
 * Why files and not a table: staging every row in the database, indexing it and reading it back
 * made the database and the driver parse each row three times; sequential files cost a fraction
 * of that (bench/README.md, "staged rows on disk").
 */
import { createReadStream } from "node:fs";
import { mkdtemp, open, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/** Characters of staged rows kept in memory before a run is written (about 2 bytes each in V8 at worst). */
const DEFAULT_RUN_CHARS = 24 * 1024 * 1024;
/** Between a row's national id and its payload: national ids are validated, never hold it. */
const KEY_SEPARATOR = "\u001e";

/** A row to stage: the person it is about, and what is kept of it (see directory-content.ts). */
export interface StagedRow {
  nationalId: string;
  payload: string;
}

export class StagedRows {
  #buffer: StagedRow[] = [];
  #bufferChars = 0;
  readonly #runs: string[] = [];
  #isReading = false;

  private constructor(
    private readonly dir: string,
    private readonly runChars: number,
  ) {}

  /** Creates the staging area in `parent` (default: the system's temporary directory, $TMPDIR). */
  static async create(options: { parent?: string; runChars?: number } = {}): Promise<StagedRows> {
    const parent = options.parent ?? os.tmpdir();
    let dir: string;
    try {
      dir = await mkdtemp(path.join(parent, "confrere-directory-staging-"));
    } catch (error) {
      throw new Error(
        `cannot create the import's temporary files in ${parent} (${(error as NodeJS.ErrnoException).code ?? error}): set TMPDIR to a writable directory`,
      );
    }
    return new StagedRows(dir, options.runChars ?? DEFAULT_RUN_CHARS);
  }

  /** Adds a row. A payload never holds a line break (rows come from lines of the files). */
  async add(nationalId: string, payload: string): Promise<void> {
    if (this.#isReading) throw new Error("StagedRows: rows added after reading began");
    if (nationalId.includes(KEY_SEPARATOR) || nationalId.includes("\n") || payload.includes("\n")) {
      throw new Error("StagedRows: a staged row holds a line break or a separator");
    }
    this.#buffer.push({ nationalId, payload });
    this.#bufferChars += nationalId.length + payload.length + 2;
    if (this.#bufferChars >= this.runChars) await this.#writeRun();
  }

  /** Sorts the rows in memory by national id (stable: a person's rows keep their order) and writes them as a run. */
  async #writeRun(): Promise<void> {
    const rows = this.#buffer;
    this.#buffer = [];
    this.#bufferChars = 0;
    if (rows.length === 0) return;
    rows.sort(byNationalId);
    const file = path.join(this.dir, `run-${this.#runs.length}`);
    try {
      const handle = await open(file, "w");
      try {
        let chunk = "";
        for (const row of rows) {
          chunk += `${row.nationalId}${KEY_SEPARATOR}${row.payload}\n`;
          if (chunk.length >= 1 << 20) {
            await handle.write(chunk);
            chunk = "";
          }
        }
        if (chunk.length > 0) await handle.write(chunk);
      } finally {
        await handle.close();
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOSPC" || code === "EDQUOT") {
        throw new Error(
          `no room left for the import's temporary files in ${path.dirname(this.dir)} (${code}): it needs about the size of the extraction's files; free some, or set TMPDIR to a larger disk`,
        );
      }
      throw error;
    }
    this.#runs.push(file);
  }

  /**
   * Pages of whole persons, in national-id order (code unit order, as `collate "C"`), each person
   * with all their rows in the order they were added. A page holds at least `pageRows` rows (the
   * last one excepted), and more when its last person goes on.
   */
  async *pages(pageRows: number): AsyncGenerator<Map<string, string[]>> {
    this.#isReading = true;
    const pager = new Pager(pageRows);
    // Everything fits in memory: nothing needs to go to disk.
    if (this.#runs.length === 0) {
      const rows = this.#buffer;
      this.#buffer = [];
      rows.sort(byNationalId);
      for (const row of rows) {
        const page = pager.add(row);
        if (page) yield page;
      }
      const last = pager.end();
      if (last) yield last;
      return;
    }
    await this.#writeRun();
    const readers = this.#runs.map((file) => new RunReader(file));
    try {
      for (const reader of readers) await reader.advance();
      for (;;) {
        // The smallest head; on a tie, the earliest run (its rows were added first).
        let next: RunReader | null = null;
        for (const reader of readers) {
          const head = reader.head;
          if (head !== null && (next === null || head.nationalId < next.head!.nationalId)) next = reader;
        }
        if (next === null) break;
        const page = pager.add(next.head!);
        if (page) yield page;
        // Only a reader at the end of its chunk waits, for the next one.
        const reading = next.advance();
        if (reading) await reading;
      }
      const last = pager.end();
      if (last) yield last;
    } finally {
      for (const reader of readers) reader.close();
    }
  }

  /** Deletes the runs. */
  async close(): Promise<void> {
    this.#buffer = [];
    await rm(this.dir, { recursive: true, force: true });
  }
}

function byNationalId(a: StagedRow, b: StagedRow): number {
  return a.nationalId < b.nationalId ? -1 : a.nationalId > b.nationalId ? 1 : 0;
}

/** Gathers sorted rows into pages of whole persons. */
class Pager {
  #page = new Map<string, string[]>();
  #rows = 0;
  #last: string[] | null = null;
  #lastId = "";

  constructor(private readonly pageRows: number) {}

  /** Adds the next row; returns the page it completed, if any. */
  add(row: StagedRow): Map<string, string[]> | null {
    if (this.#last !== null && this.#lastId === row.nationalId) {
      this.#last.push(row.payload);
      this.#rows++;
      return null;
    }
    // A new person: the page is complete if it is full, its last person having ended.
    const full = this.#rows >= this.pageRows ? this.end() : null;
    this.#last = [row.payload];
    this.#lastId = row.nationalId;
    this.#page.set(row.nationalId, this.#last);
    this.#rows++;
    return full;
  }

  /** The page so far, or null when empty. */
  end(): Map<string, string[]> | null {
    if (this.#rows === 0) return null;
    const page = this.#page;
    this.#page = new Map();
    this.#rows = 0;
    this.#last = null;
    return page;
  }
}

/** Reads one run a chunk at a time, one row ahead. */
class RunReader {
  readonly #chunks: AsyncIterator<string>;
  readonly #stream;
  #lines: string[] = [];
  #index = 0;
  #rest = "";
  #head: StagedRow | null = null;
  #isDone = false;

  constructor(file: string) {
    this.#stream = createReadStream(file, { encoding: "utf8", highWaterMark: 64 * 1024 });
    this.#chunks = this.#stream[Symbol.asyncIterator]();
  }

  /** The current row; null before the first `advance` and after the last row. */
  get head(): StagedRow | null {
    return this.#head;
  }

  /** Moves to the next row. Returns a promise only when a chunk must be read first. */
  advance(): Promise<void> | undefined {
    if (this.#index < this.#lines.length) {
      this.#setHead(this.#lines[this.#index++]!);
      return;
    }
    return this.#read();
  }

  async #read(): Promise<void> {
    while (this.#index >= this.#lines.length) {
      if (this.#isDone) {
        this.#head = null;
        return;
      }
      const next = await this.#chunks.next();
      if (next.done) {
        this.#isDone = true;
        this.#lines = this.#rest === "" ? [] : [this.#rest];
        this.#rest = "";
      } else {
        const lines = (this.#rest + next.value).split("\n");
        this.#rest = lines.pop()!;
        this.#lines = lines;
      }
      this.#index = 0;
    }
    this.#setHead(this.#lines[this.#index++]!);
  }

  #setHead(line: string): void {
    const cut = line.indexOf(KEY_SEPARATOR);
    this.#head = { nationalId: line.slice(0, cut), payload: line.slice(cut + 1) };
  }

  close(): void {
    this.#stream.destroy();
  }
}
