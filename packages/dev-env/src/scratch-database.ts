import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type DatabaseHandle, openDatabase } from "@confrere/server";
import pg from "pg";
import { TEST_DATABASE_URL, testStore } from "./test-server.ts";

export interface ScratchDatabase {
  /** Opens a handle on this scratch database (a fresh SQLite file, or a fresh PostgreSQL schema). */
  open(): Promise<DatabaseHandle>;
  /** Drops the schema or the directory. */
  dispose(): Promise<void>;
}

/** An empty database on the suite's store, for tests that drive migrations by hand. */
export async function scratchDatabase(label: string): Promise<ScratchDatabase> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), `confrere-${label}-`));
  const onPostgres = testStore() === "postgres";
  const schema = onPostgres ? `m_${randomBytes(5).toString("hex")}` : null;
  return {
    open: () => openDatabase({ dataDir, databaseUrl: onPostgres ? TEST_DATABASE_URL : null, schema }),
    async dispose() {
      if (schema) {
        const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await client.connect();
        await client.query(`drop schema if exists "${schema}" cascade`);
        await client.end();
      }
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}
