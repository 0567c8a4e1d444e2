import fs from "node:fs";
import path from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely, Migrator, SqliteDialect, sql } from "kysely";
import type pg from "pg";
import type { Logger } from "../logger.ts";
import { CurrentSchemaPostgresDialect } from "./current-schema-dialect.ts";
import type { DatabaseKind } from "./migrations/index.ts";
import { StaticMigrationProvider } from "./migrations/index.ts";
import type { Database } from "./schema.ts";
import { startWalCheckpointer, type WalCheckpointer } from "./wal-checkpointer.ts";

export type Db = Kysely<Database>;

/**
 * The driver under Kysely, for the few hot paths that write in bulk with statements of their own
 * (messaging/message-batch-*.ts). Everything else goes through Kysely.
 */
export type NativeDatabase =
  | { kind: "sqlite"; sqlite: SqliteDatabase.Database; walCheckpointer: WalCheckpointer }
  | { kind: "postgres"; pool: pg.Pool };

export interface DatabaseHandle {
  db: Db;
  kind: DatabaseKind;
  native: NativeDatabase;
  /** PostgreSQL schema in use, if one was named. */
  schema: string | null;
  /** Is the database answering? For /readyz. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  dataDir: string;
  databaseUrl: string | null;
  /** PostgreSQL only: the schema to work in, created if missing. */
  schema?: string | null;
  /** Where a failure in the background (SQLite's checkpoint worker) is told. */
  logger?: Logger;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  return options.databaseUrl
    ? openPostgres(options.databaseUrl, options.schema ?? null)
    : openSqlite(path.join(options.dataDir, "confrere.sqlite"), options.logger ?? null);
}

function openSqlite(file: string, logger: Logger | null): DatabaseHandle {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  // WAL lets readers go on while one writer commits; NORMAL is durable in WAL mode except for the
  // last transactions on power loss (not process crash). See bench/README.md for the trade-off.
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  const walCheckpointer = startWalCheckpointer(sqlite, file, logger);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return {
    db,
    kind: "sqlite",
    native: { kind: "sqlite", sqlite, walCheckpointer },
    schema: null,
    async ping() {
      try {
        await sql`select 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await walCheckpointer.stop();
      await db.destroy();
      // Kysely closes the handle only if it ever used it.
      if (sqlite.open) sqlite.close();
    },
  };
}

/** Statements kept prepared; past this many distinct SQL texts the cache starts again. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every statement again on each query; preparing is a fifth of a message's cost
 * (measured in bench/). Statements are reused safely: better-sqlite3 runs one at a time.
 */
function withStatementCache(sqlite: SqliteDatabase.Database) {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(source: string) {
      let statement = cache.get(source);
      if (!statement) {
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.clear();
        statement = sqlite.prepare(source);
        cache.set(source, statement);
      }
      return statement;
    },
  };
}

async function openPostgres(url: string, schema: string | null): Promise<DatabaseHandle> {
  // Loaded here, not at start-up: an embedded (SQLite) server never needs the driver.
  const { default: pg } = await import("pg");
  // int8 (bigint) columns hold millisecond times and counters, all far below 2^53: read them as numbers.
  pg.types.setTypeParser(20, (value) => Number(value));
  if (schema) {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`create schema if not exists "${schema}"`);
    } finally {
      await admin.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    ...(schema ? { options: `-c search_path="${schema}"` } : {}),
  });
  // A client that loses its server (PostgreSQL restarting, the network cut) must not crash the
  // process, whether it sits idle in the pool or is checked out between two queries of a
  // transaction: the query in flight, or the next one, reports it, and the pool opens new clients.
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  const db = new Kysely<Database>({ dialect: new CurrentSchemaPostgresDialect({ pool }) });
  return {
    db,
    kind: "postgres",
    native: { kind: "postgres", pool },
    schema,
    async ping() {
      try {
        await sql`select 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await db.destroy();
    },
  };
}

/** Applies every pending migration (or down to `target`); throws with the failing migration's name. */
export async function migrate(handle: DatabaseHandle, target?: string): Promise<string[]> {
  const migrator = new Migrator({
    db: handle.db,
    provider: new StaticMigrationProvider({ kind: handle.kind }),
    // Kysely's bookkeeping tables live in our schema, like the rest (see CurrentSchemaPostgresDialect).
    ...(handle.schema ? { migrationTableSchema: handle.schema } : {}),
  });
  const { error, results } = await (target === undefined
    ? migrator.migrateToLatest()
    : migrator.migrateTo(target));
  const failed = results?.find((r) => r.status === "Error");
  if (error) {
    throw new Error(`migrate: ${failed ? `migration ${failed.migrationName} failed: ` : ""}${String(error)}`);
  }
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}
