/**
 * What the search plans its queries with, read once per import (search-candidates.ts): the words
 * of the search index with the number of documents holding each, and the number of rows per
 * filter value. With them a search starts from its smallest set, and:
 * - on SQLite, spells a long prefix out as the words it stands for: FTS5 reads every document of
 *   a prefix it has no prefix index for before it returns the first one ("medeci" = 800,000
 *   documents on 2M rows: 60 ms), while it reads named words lazily;
 * - on PostgreSQL, picks between the GIN index (every match read, then the first by id) and the
 *   id order (read until enough match): PostgreSQL's own cost model picks the id order for a
 *   surname of 8,000 people and takes 150 ms where the index takes 15.
 *
 * The snapshot belongs to one import. On SQLite the spelt-out words decide which documents match,
 * so a search uses the snapshot only while the latest import is the one it was read after;
 * otherwise (an import running or just finished) it plans without it: slower, same rows. On
 * PostgreSQL a stale snapshot can only choose a slower plan, so the check is made less often.
 */
import SqliteDatabase from "better-sqlite3";
import type { Logger } from "../logger.ts";
import type { DirectorySql } from "./directory-sql.ts";

/** A new SQLite snapshot yields to other requests after this much work (one big word may take longer). */
const SLICE_MS = 10;
/** PostgreSQL: how often a search looks for a newer import (the look-up is a round trip). */
const POSTGRES_RECHECK_MS = 5_000;

export type FilterKind = "profession" | "departement" | "specialty" | "specialtyDepartement";

export class SearchStatistics {
  /** The indexed words, sorted (byte order, as FTS5 keeps them: they are `[a-z0-9]`). */
  readonly #words: readonly string[];
  /** `#documentsBefore[i]`: documents of the words before `#words[i]` (summed, a word counted per document). */
  readonly #documentsBefore: Float64Array;
  readonly #counts: ReadonlyMap<string, number>;

  constructor(
    /** The import this snapshot was read after. */
    readonly importId: number,
    /** Documents in the index: one per professional. */
    readonly documents: number,
    /** Every indexed word with the number of documents holding it, in byte order. */
    words: readonly (readonly [string, number])[],
    /**
     * Rows per filter value, keyed `profession:10`, `departement:89`, `specialty:SM04`, and
     * `specialtyDepartement:SM04 89` for a specialty in a département.
     */
    counts: ReadonlyMap<string, number>,
  ) {
    this.#counts = counts;
    this.#words = words.map(([word]) => word);
    this.#documentsBefore = new Float64Array(words.length + 1);
    words.forEach(([, documents], i) => {
      this.#documentsBefore[i + 1] = this.#documentsBefore[i]! + documents;
    });
  }

  /**
   * The indexed words that start with `prefix`, at most `max` of them, and how many documents
   * hold them (an upper bound: a document holding two counts twice). Null when more than `max`
   * words start with it.
   */
  wordsStartingWith(prefix: string, max: number): { words: string[]; documents: number } | null {
    const [from, to] = this.#range(prefix);
    if (to - from > max) return null;
    return {
      words: this.#words.slice(from, to),
      documents: this.#documentsBefore[to]! - this.#documentsBefore[from]!,
    };
  }

  /** Documents holding a word that starts with `prefix` (an upper bound, see above). */
  documentsStartingWith(prefix: string): number {
    const [from, to] = this.#range(prefix);
    return Math.min(this.documents, this.#documentsBefore[to]! - this.#documentsBefore[from]!);
  }

  /** Rows of the filter's index for `value` (0 when the value is unknown). */
  count(filter: FilterKind, value: string): number {
    return this.#counts.get(`${filter}:${value}`) ?? 0;
  }

  /** The positions of the words starting with `prefix`: every one sorts before prefix + "{" ("z" + 1). */
  #range(prefix: string): [number, number] {
    return [this.#firstAtOrAfter(prefix), this.#firstAtOrAfter(`${prefix}{`)];
  }

  #firstAtOrAfter(word: string): number {
    let low = 0;
    let high = this.#words.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#words[middle]! < word) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

/** Rows per filter value: the filters' own (code, professional_id) indexes answer these. */
const COUNT_QUERIES: readonly [FilterKind, string][] = [
  ["specialty", "select code as value, count(*) as n from directory_specialties group by code"],
  [
    "departement",
    "select departement_code as value, count(*) as n from directory_practice_situations where departement_code is not null group by departement_code",
  ],
  [
    "profession",
    "select profession_code as value, count(*) as n from directory_practice_situations where profession_code is not null group by profession_code",
  ],
  [
    "specialtyDepartement",
    "select code || ' ' || departement_code as value, count(*) as n from directory_specialty_departements group by code, departement_code",
  ],
];

/**
 * Keeps the snapshot of the latest import: `current()` answers at once, with the snapshot when it
 * may be used, else null (and starts reading a new one).
 */
export class SearchStatisticsCache {
  #snapshot: SearchStatistics | null = null;
  #reading: Promise<void> | null = null;
  /** The import whose snapshot could not be read: not tried again until the next import. */
  #failedImportId: number | null = null;
  #checkedAt = Number.NEGATIVE_INFINITY;
  #closed = false;

  constructor(
    private readonly sql: DirectorySql,
    private readonly logger: Logger,
  ) {}

  async current(): Promise<SearchStatistics | null> {
    if (this.#closed) return null;
    if (
      this.sql.kind === "postgres" &&
      this.#snapshot &&
      performance.now() - this.#checkedAt < POSTGRES_RECHECK_MS
    ) {
      return this.#snapshot;
    }
    const [latest] = await this.sql.rows<{ id: number; status: string }>(
      "select id, status from directory_imports order by id desc limit 1",
    );
    this.#checkedAt = performance.now();
    if (!latest) return null;
    const importId = Number(latest.id);
    const isFresh = this.#snapshot?.importId === importId && latest.status !== "running";
    if (!isFresh && latest.status !== "running" && this.#failedImportId !== importId) {
      this.#reading ??= this.#read(importId).finally(() => {
        this.#reading = null;
      });
    }
    if (isFresh || this.sql.kind === "postgres") return this.#snapshot;
    // SQLite: the index is changing (an import running) or changed since the snapshot.
    return null;
  }

  /** Resolves once no snapshot is being read (tests, and a clean shutdown). */
  async settled(): Promise<void> {
    await this.#reading;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#reading;
  }

  async #read(importId: number): Promise<void> {
    try {
      const snapshot =
        this.sql.kind === "sqlite"
          ? await readSqliteSnapshot(this.sql, importId, () => this.#closed)
          : await readPostgresSnapshot(this.sql, importId);
      if (snapshot && !this.#closed) this.#snapshot = snapshot;
    } catch (error) {
      // Searches go on without a snapshot (slower, same results) until the next import.
      this.#failedImportId = importId;
      this.logger.warn({ err: error, importId }, "directory search statistics could not be read");
    }
  }
}

/** PostgreSQL: `ts_stat` reads every document once (seconds on 2M rows), in the database. */
async function readPostgresSnapshot(sql: DirectorySql, importId: number): Promise<SearchStatistics> {
  const words = await sql.rows<{ word: string; ndoc: number }>(
    "select word, ndoc from ts_stat('select document from directory_search')",
  );
  const [total] = await sql.rows<{ n: number }>("select count(*) as n from directory_search");
  const counts = new Map<string, number>();
  for (const [filter, text] of COUNT_QUERIES) {
    for (const row of await sql.rows<{ value: string; n: number }>(text)) {
      counts.set(`${filter}:${row.value}`, Number(row.n));
    }
  }
  return new SearchStatistics(
    importId,
    Number(total?.n ?? 0),
    sortedWords(words.map((w) => [w.word, Number(w.ndoc)])),
    counts,
  );
}

/** SQLite: on a connection of its own to the same file, yielding to other requests as it goes. */
async function readSqliteSnapshot(
  sql: DirectorySql,
  importId: number,
  isCancelled: () => boolean,
): Promise<SearchStatistics | null> {
  const [main] = await sql.rows<{ file: string }>(
    "select file from pragma_database_list where name = 'main'",
  );
  if (!main?.file) return null;
  const database = new SqliteDatabase(main.file, { readonly: true, fileMustExist: true });
  try {
    // fts5vocab: one row per indexed word, with its document count. It reads every document
    // list, hence the slices.
    database.exec(
      "create virtual table temp.directory_search_words using fts5vocab(main, directory_search, 'row')",
    );
    const words: [string, number][] = [];
    const counts = new Map<string, number>();
    const queries: [FilterKind | null, string][] = [
      [null, "select term, doc from temp.directory_search_words"],
      ...COUNT_QUERIES,
    ];
    let sliceStart = performance.now();
    for (const [filter, text] of queries) {
      for (const [key, n] of database.prepare(text).raw().iterate() as Iterable<[string, number]>) {
        if (filter === null) words.push([key, Number(n)]);
        else counts.set(`${filter}:${key}`, Number(n));
        if (performance.now() - sliceStart > SLICE_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          if (isCancelled()) return null;
          sliceStart = performance.now();
        }
      }
    }
    const total = database.prepare("select count(*) from directory_professionals").pluck().get() as number;
    return new SearchStatistics(importId, Number(total), sortedWords(words), counts);
  } finally {
    database.close();
  }
}

/** In JavaScript's order, which is the byte order of `[a-z0-9]` words: the look-ups rely on it. */
function sortedWords(words: [string, number][]): [string, number][] {
  return words.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
