import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import SqliteDatabase from "better-sqlite3";
import { type DatabaseHandle, openDatabase } from "../src/db/database.ts";
import {
  FALLBACK_AUTOCHECKPOINT_PAGES,
  RESTART_WAL_AT_PAGES,
  startWalCheckpointer,
} from "../src/db/wal-checkpointer.ts";
import { createLogger } from "../src/logger.ts";

const PAGE_BYTES = 4096;

/** The WAL header's checkpoint sequence number: SQLite adds one each time the WAL starts over. */
function walSequence(walFile: string): number {
  const header = Buffer.alloc(16);
  const fd = fs.openSync(walFile, "r");
  try {
    fs.readSync(fd, header, 0, 16, 0);
  } finally {
    fs.closeSync(fd);
  }
  return header.readUInt32BE(12);
}

async function withSqlite(work: (handle: DatabaseHandle, file: string) => Promise<void>): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "confrere-wal-"));
  const handle = await openDatabase({ dataDir, databaseUrl: null });
  try {
    await work(handle, path.join(dataDir, "confrere.sqlite"));
  } finally {
    await handle.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

describe("SQLite WAL checkpoints in a worker thread", () => {
  test("the worker copies a long WAL back, and the next write starts the WAL over", async () => {
    await withSqlite(async (handle, file) => {
      assert.equal(handle.native.kind, "sqlite");
      if (handle.native.kind !== "sqlite") return;
      const { sqlite, walCheckpointer } = handle.native;
      assert.equal(sqlite.pragma("page_size", { simple: true }), PAGE_BYTES);
      sqlite.exec("create table filler (id integer primary key, body blob not null)");
      const insert = sqlite.prepare("insert into filler (body) values (?)");
      // Longer than the restart threshold, shorter than the main connection's own checkpoint.
      const pages = Math.round((RESTART_WAL_AT_PAGES + FALLBACK_AUTOCHECKPOINT_PAGES) / 2);
      sqlite.transaction(() => {
        for (let i = 0; i < pages; i++) insert.run(Buffer.alloc(PAGE_BYTES - 200, i % 251));
      })();
      const sequenceBefore = walSequence(`${file}-wal`);
      const databaseBytesBefore = fs.statSync(file).size;

      // The worker looks every few tens of milliseconds; a writer settles once it has seen the WAL.
      let hasSettled = false;
      for (let attempt = 0; attempt < 500 && !hasSettled; attempt++) {
        hasSettled = await walCheckpointer.settle();
        if (!hasSettled) await sleep(20);
      }
      assert.ok(hasSettled, "the worker never reported the WAL as long");
      // No commit ran since: the pages reached the database file through the worker alone.
      assert.ok(fs.statSync(file).size >= databaseBytesBefore + (pages - 100) * PAGE_BYTES);

      insert.run(Buffer.from("after"));
      assert.equal(walSequence(`${file}-wal`), sequenceBefore + 1, "the WAL did not start over");
      assert.equal(await walCheckpointer.settle(), false, "a short WAL asks for no checkpoint");
      assert.equal(sqlite.prepare("select count(*) from filler").pluck().get(), pages + 1);
    });
  });

  test("a worker that fails is told in the log, and the main connection checkpoints by itself again", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "confrere-wal-"));
    const sqlite = new SqliteDatabase(path.join(dataDir, "confrere.sqlite"));
    const logged: { level: number; msg: string; err?: { message: string } }[] = [];
    const logger = createLogger("info", { write: (line: string) => logged.push(JSON.parse(line)) });
    try {
      sqlite.pragma("journal_mode = WAL");
      // A file the worker cannot open: it fails at its start.
      const missing = path.join(dataDir, "missing", "confrere.sqlite");
      const checkpointer = startWalCheckpointer(sqlite, missing, logger);
      assert.equal(sqlite.pragma("wal_autocheckpoint", { simple: true }), FALLBACK_AUTOCHECKPOINT_PAGES);
      for (let attempt = 0; attempt < 500 && logged.length === 0; attempt++) await sleep(10);
      assert.equal(logged.length, 1, "the worker's failure was not logged");
      assert.equal(logged[0]!.level, 50);
      assert.match(logged[0]!.msg, /checkpoint worker stopped/);
      assert.match(logged[0]!.err?.message ?? "", /directory does not exist|unable to open/);
      assert.equal(sqlite.pragma("wal_autocheckpoint", { simple: true }), 1000);
      assert.equal(await checkpointer.settle(), false, "nobody is left to ask");
      await checkpointer.stop();
    } finally {
      sqlite.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test("closing stops the worker first, so the last connection checkpoints and removes the WAL", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "confrere-wal-"));
    const walFile = path.join(dataDir, "confrere.sqlite-wal");
    try {
      const handle = await openDatabase({ dataDir, databaseUrl: null });
      if (handle.native.kind !== "sqlite") assert.fail("expected SQLite");
      handle.native.sqlite.exec(
        "create table kept (id integer primary key); insert into kept values (1), (2)",
      );
      assert.ok(fs.existsSync(walFile));
      await handle.close();
      // SQLite deletes the WAL only when the connection closing is the last one on the file.
      assert.equal(fs.existsSync(walFile), false, "a connection was still open on the database");

      const reopened = await openDatabase({ dataDir, databaseUrl: null });
      try {
        if (reopened.native.kind !== "sqlite") assert.fail("expected SQLite");
        assert.equal(reopened.native.sqlite.prepare("select count(*) from kept").pluck().get(), 2);
      } finally {
        await reopened.close();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
