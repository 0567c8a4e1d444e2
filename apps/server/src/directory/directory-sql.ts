/**
 * Plain SQL for the directory's bulk work, on either store. Kysely's builder costs more per row
 * than the work itself when an import writes millions of rows, so the importer and the search
 * write SQL text with `?` placeholders (turned into `$1, $2, …` for PostgreSQL). It runs through
 * Kysely's executor (search, PostgreSQL import), or — for the SQLite import — through a
 * better-sqlite3 connection of the import's own: its temporary staging table and its pragmas
 * (page cache, checkpoints) stay with it, it keeps its prepared statements, and the app's
 * connection stays free for anything the import calls (audit, the deactivation hook).
 */
import SqliteDatabase from "better-sqlite3";
import { CompiledQuery, type Kysely, sql } from "kysely";
import type { DatabaseKind } from "../db/migrations/index.ts";
import type { Database } from "../db/schema.ts";

/** Bound parameters per statement: under SQLite's 32,766 and PostgreSQL's 65,535. */
const MAX_PARAMETERS = 30_000;
/**
 * SQLite: rows per multi-row insert, one statement text for all full chunks, prepared once and
 * kept (a prepared 100-row insert holds ~100 KB).
 */
const ROWS_PER_INSERT = 100;
/** PostgreSQL: rows per `insert … select from unnest(…)` (a parameter per column, whatever the rows). */
const ROWS_PER_UNNEST = 5000;
/** Prepared statements kept by the SQLite import connection. */
const STATEMENT_CACHE_SIZE = 32;

export type SqlValue = string | number | null;

/** `?, ?, ?` for `count` values. */
export function placeholders(count: number): string {
  return count === 0 ? "" : `?${", ?".repeat(count - 1)}`;
}

/** Runs `?`-placeholder SQL on one store. */
export abstract class DirectorySql {
  abstract readonly kind: DatabaseKind;

  abstract rows<Row>(text: string, parameters?: readonly SqlValue[]): Promise<Row[]>;

  /** Runs a statement and returns how many rows it changed. */
  abstract run(text: string, parameters?: readonly SqlValue[]): Promise<number>;

  /** Runs `work` in one transaction, with a runner bound to it. */
  abstract transaction<T>(work: (sql: DirectorySql) => Promise<T>): Promise<T>;

  /**
   * Inserts `values` into `table` (`insert into table (columns) … <suffix>`) and returns the rows
   * of a `returning` suffix. `wrap` gives, per column, the SQL expression its value goes through
   * (`?` stands for the value, e.g. `to_tsvector('simple', ?)`).
   */
  async insert<Row = never>(
    table: string,
    columns: readonly string[],
    values: readonly (readonly SqlValue[])[],
    suffix = "",
    wrap: Readonly<Record<string, string>> = {},
  ): Promise<Row[]> {
    if (values.length === 0) return [];
    return this.insertValues(table, columns, values, suffix, wrap);
  }

  /**
   * Multi-row `insert … values (…), (…)`, in statements of at most ROWS_PER_INSERT rows (and
   * MAX_PARAMETERS parameters).
   */
  protected async insertValues<Row>(
    table: string,
    columns: readonly string[],
    values: readonly (readonly SqlValue[])[],
    suffix: string,
    wrap: Readonly<Record<string, string>>,
  ): Promise<Row[]> {
    const out: Row[] = [];
    const perStatement = Math.max(1, Math.min(ROWS_PER_INSERT, Math.floor(MAX_PARAMETERS / columns.length)));
    const tuple = `(${columns.map((column) => wrap[column] ?? "?").join(", ")})`;
    const head = `insert into ${table} (${columns.join(", ")}) values `;
    const textFor = (count: number) => `${head}${Array(count).fill(tuple).join(", ")} ${suffix}`;
    const fullText = values.length >= perStatement ? textFor(perStatement) : "";
    for (let start = 0; start < values.length; start += perStatement) {
      const chunk = values.slice(start, start + perStatement);
      const text = chunk.length === perStatement ? fullText : textFor(chunk.length);
      const parameters: SqlValue[] = [];
      for (const row of chunk) for (const value of row) parameters.push(value);
      out.push(...(await this.rows<Row>(text, parameters)));
    }
    return out;
  }

  /** Runs `text` once per slice of `ids`, `$IDS` replaced by `(?, ?, …)`; `before` binds the `?`s written before it. */
  async forIds(text: string, ids: readonly SqlValue[], before: readonly SqlValue[] = []): Promise<number> {
    let changed = 0;
    for (const slice of slices(ids, MAX_PARAMETERS - before.length)) {
      changed += await this.run(text.replace("$IDS", `(${placeholders(slice.length)})`), [
        ...before,
        ...slice,
      ]);
    }
    return changed;
  }

  /** Selects with `$IDS` replaced by the ids, slice by slice. */
  async rowsForIds<Row>(
    text: string,
    ids: readonly SqlValue[],
    before: readonly SqlValue[] = [],
  ): Promise<Row[]> {
    const out: Row[] = [];
    for (const slice of slices(ids, MAX_PARAMETERS - before.length)) {
      out.push(
        ...(await this.rows<Row>(text.replace("$IDS", `(${placeholders(slice.length)})`), [
          ...before,
          ...slice,
        ])),
      );
    }
    return out;
  }
}

function slices<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}

/** `?` → `$1, $2, …` for PostgreSQL, remembered in `memo` for the texts the import repeats. */
function numbered(text: string, memo: Map<string, string>): string {
  let out = memo.get(text);
  if (out === undefined) {
    let n = 0;
    // The directory's SQL holds no `?` inside a literal: every `?` is a parameter.
    out = text.replace(/\?/g, () => `$${++n}`);
    if (memo.size >= STATEMENT_CACHE_SIZE) memo.clear();
    memo.set(text, out);
  }
  return out;
}

/** A text value needing a backslash in an array literal. */
const ARRAY_ESCAPED = /["\\]/;
const ARRAY_ESCAPED_ALL = /["\\]/g;

/**
 * PostgreSQL's text form of an array of column `column` of `rows[start..end)`: `{"a","b\"c",NULL,3}`.
 * Every text is quoted (so "", "NULL", commas and braces stay text) and `"` and `\` escaped. Built
 * here in one pass rather than by node-postgres, which escapes each element with two regular
 * expressions: about a tenth of the import's time in Node (bench/README.md, "Directory").
 */
function arrayLiteral(
  rows: readonly (readonly SqlValue[])[],
  column: number,
  start: number,
  end: number,
): string {
  // Joined from parts rather than appended to: `+=` builds a rope that the driver flattens again
  // to measure and write it (a 5,000-row page makes strings of a few hundred kilobytes).
  const parts = new Array<string>(end - start);
  for (let r = start; r < end; r++) {
    const value = rows[r]![column];
    parts[r - start] =
      value === null || value === undefined
        ? "NULL"
        : typeof value === "number"
          ? String(value)
          : ARRAY_ESCAPED.test(value)
            ? `"${value.replace(ARRAY_ESCAPED_ALL, "\\$&")}"`
            : `"${value}"`;
  }
  return `{${parts.join(",")}}`;
}

/** Through Kysely (any store), inside its transactions. */
export class KyselyDirectorySql extends DirectorySql {
  constructor(
    readonly db: Kysely<Database>,
    readonly kind: DatabaseKind,
    private readonly numberedTexts = new Map<string, string>(),
    /** PostgreSQL: table → column → type, for `unnest`. */
    private readonly columnTypes = new Map<string, Map<string, string>>(),
  ) {
    super();
  }

  #compile(text: string, parameters: readonly unknown[]): CompiledQuery {
    const sqlText = this.kind === "postgres" ? numbered(text, this.numberedTexts) : text;
    return CompiledQuery.raw(sqlText, parameters as unknown[]);
  }

  /**
   * PostgreSQL: `insert … select … from unnest($1::type[], $2::type[], …)`, ROWS_PER_UNNEST rows
   * a statement: one parameter per column instead of one per value, which PostgreSQL binds and
   * plans much faster than a 1,000-row `values` list (bench/README.md, "Directory").
   */
  protected override async insertValues<Row>(
    table: string,
    columns: readonly string[],
    values: readonly (readonly SqlValue[])[],
    suffix: string,
    wrap: Readonly<Record<string, string>>,
  ): Promise<Row[]> {
    if (this.kind !== "postgres") return super.insertValues<Row>(table, columns, values, suffix, wrap);
    const types = await this.#typesOf(table);
    const arrays = columns.map((column) => {
      // A wrapped value is given to its expression as text.
      const type = column in wrap ? "text" : types.get(column);
      if (!type) throw new Error(`DirectorySql.insert: ${table} has no column ${column}`);
      return `?::${type}[]`;
    });
    const selected = columns.map((column, i) => (wrap[column] ?? "?").replace("?", `u.c${i}`));
    const text = `insert into ${table} (${columns.join(", ")}) select ${selected.join(", ")}
      from unnest(${arrays.join(", ")}) as u(${columns.map((_, i) => `c${i}`).join(", ")}) ${suffix}`;
    const out: Row[] = [];
    for (let start = 0; start < values.length; start += ROWS_PER_UNNEST) {
      const end = Math.min(values.length, start + ROWS_PER_UNNEST);
      const parameters = columns.map((_, i) => arrayLiteral(values, i, start, end));
      const result = await this.db.executeQuery<Row>(this.#compile(text, parameters));
      out.push(...(result.rows as Row[]));
    }
    return out;
  }

  async #typesOf(table: string): Promise<Map<string, string>> {
    let types = this.columnTypes.get(table);
    if (!types) {
      const rows = await this.rows<{ name: string; type: string }>(
        `select attname as name, format_type(atttypid, atttypmod) as type from pg_attribute
         where attrelid = ?::regclass and attnum > 0 and not attisdropped`,
        [table],
      );
      types = new Map(rows.map((row) => [row.name, row.type]));
      this.columnTypes.set(table, types);
    }
    return types;
  }

  async rows<Row>(text: string, parameters: readonly SqlValue[] = []): Promise<Row[]> {
    const result = await this.db.executeQuery<Row>(this.#compile(text, parameters));
    return result.rows as Row[];
  }

  async run(text: string, parameters: readonly SqlValue[] = []): Promise<number> {
    const result = await this.db.executeQuery(this.#compile(text, parameters));
    return Number(result.numAffectedRows ?? 0n);
  }

  transaction<T>(work: (sql: DirectorySql) => Promise<T>): Promise<T> {
    return this.db
      .transaction()
      .execute((trx) => work(new KyselyDirectorySql(trx, this.kind, this.numberedTexts, this.columnTypes)));
  }
}

/** A better-sqlite3 connection of its own, with its prepared statements kept. */
export class SqliteDirectorySql extends DirectorySql {
  readonly kind = "sqlite" as const;
  readonly #statements = new Map<string, SqliteDatabase.Statement>();
  #inTransaction = false;

  constructor(private readonly database: SqliteDatabase.Database) {
    super();
  }

  #statement(text: string): SqliteDatabase.Statement {
    let statement = this.#statements.get(text);
    if (!statement) {
      statement = this.database.prepare(text);
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) {
        this.#statements.delete(this.#statements.keys().next().value!);
      }
      this.#statements.set(text, statement);
    }
    return statement;
  }

  async rows<Row>(text: string, parameters: readonly SqlValue[] = []): Promise<Row[]> {
    const statement = this.#statement(text);
    if (statement.reader) return statement.all(parameters) as Row[];
    statement.run(parameters);
    return [];
  }

  async run(text: string, parameters: readonly SqlValue[] = []): Promise<number> {
    const statement = this.#statement(text);
    if (statement.reader) return statement.all(parameters).length;
    return statement.run(parameters).changes;
  }

  async transaction<T>(work: (sql: DirectorySql) => Promise<T>): Promise<T> {
    if (this.#inTransaction) throw new Error("SqliteDirectorySql: transactions do not nest");
    this.#inTransaction = true;
    this.database.exec("begin");
    try {
      const result = await work(this);
      this.database.exec("commit");
      return result;
    } catch (error) {
      if (this.database.inTransaction) this.database.exec("rollback");
      throw error;
    } finally {
      this.#inTransaction = false;
    }
  }

  close(): void {
    this.#statements.clear();
    this.database.close();
  }
}

/**
 * Runs `work` with a runner on one connection of its own for the whole call (temporary tables
 * live as long as their connection): a new better-sqlite3 connection to the same file on SQLite,
 * one pooled connection held throughout on PostgreSQL. On PostgreSQL, `helpers` more pooled
 * connections are held for the call and given as `helpers` (SQLite writes on one connection at
 * a time: none there).
 */
export async function withDedicatedConnection<T>(
  db: Kysely<Database>,
  kind: DatabaseKind,
  work: (sql: DirectorySql, helpers: readonly DirectorySql[]) => Promise<T>,
  helpers = 0,
): Promise<T> {
  if (kind === "postgres") {
    const held: DirectorySql[] = [];
    const hold = (): Promise<T> =>
      db.connection().execute((connection) => {
        held.push(new KyselyDirectorySql(connection, kind));
        return held.length > helpers ? work(held[0]!, held.slice(1)) : hold();
      });
    return hold();
  }
  // The file the app's connection has open, whatever the configuration that chose it.
  const { rows } = await sql<{
    file: string;
  }>`select file from pragma_database_list where name = 'main'`.execute(db);
  const file = rows[0]?.file;
  if (!file) throw new Error("withDedicatedConnection: the SQLite database has no file (in memory?)");
  const database = new SqliteDatabase(file);
  // As the app's connection (db/database.ts): WAL, NORMAL, foreign keys, a busy timeout.
  database.pragma("journal_mode = WAL");
  database.pragma("synchronous = NORMAL");
  database.pragma("foreign_keys = ON");
  database.pragma("busy_timeout = 5000");
  const runner = new SqliteDirectorySql(database);
  try {
    return await work(runner, []);
  } finally {
    runner.close();
  }
}
