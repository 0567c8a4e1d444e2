/**
 * Floors measured on the same machine in the same run, to put Confrère's figures in proportion:
 * what a bare `ws` echo server and a bare insert loop (SQLite, or PostgreSQL) do with nothing else.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import SqliteDatabase from "better-sqlite3";
import pg from "pg";
import { WebSocket } from "ws";
import { processCpuMs } from "./proc-stats.ts";
import { REPO_ROOT, stopChild } from "./server-process.ts";

export interface WsEchoFloor {
  messagesPerSecond: number;
  /** CPU of the echo server per 1,000 messages echoed. */
  serverCpuMsPer1000: number;
  connections: number;
  frameBytes: number;
}

/**
 * Echoes frames of `frameBytes` over `connections` sockets, each keeping `window` frames in
 * flight, for `seconds`; counts echoes.
 */
export async function measureWsEcho(
  options: { seconds: number; connections: number; window: number; frameBytes: number } = {
    seconds: 3,
    connections: 8,
    window: 32,
    frameBytes: 1_700,
  },
): Promise<WsEchoFloor> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(REPO_ROOT, "bench/lib/ws-echo-server.ts")],
    {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout!.on("data", (chunk: Buffer) => {
        const match = /listening (\d+)/.exec(chunk.toString());
        if (match) resolve(Number(match[1]));
      });
      child.once("exit", (code) => reject(new Error(`wsEcho: the echo server exited with ${code}`)));
    });
    const frame = `{"type":"entry","entry":{"body":"${"x".repeat(Math.max(0, options.frameBytes - 40))}"}}`;
    const sockets = await Promise.all(
      Array.from(
        { length: options.connections },
        () =>
          new Promise<WebSocket>((resolve, reject) => {
            const socket = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
            socket.once("open", () => resolve(socket));
            socket.once("error", reject);
          }),
      ),
    );
    let echoes = 0;
    let isRunning = true;
    for (const socket of sockets) {
      socket.on("message", () => {
        if (!isRunning) return;
        echoes++;
        socket.send(frame);
      });
    }
    const cpuBefore = processCpuMs(child.pid!);
    const startedAt = performance.now();
    for (const socket of sockets) for (let i = 0; i < options.window; i++) socket.send(frame);
    await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000));
    isRunning = false;
    const elapsedS = (performance.now() - startedAt) / 1000;
    const cpuMs = processCpuMs(child.pid!) - cpuBefore;
    for (const socket of sockets) socket.terminate();
    return {
      messagesPerSecond: Math.round(echoes / elapsedS),
      serverCpuMsPer1000: Math.round((cpuMs / echoes) * 1000 * 100) / 100,
      connections: options.connections,
      frameBytes: frame.length,
    };
  } finally {
    await stopChild(child, 5_000);
  }
}

export interface InsertFloor {
  /** One row per transaction (what Confrère does per message). */
  rowsPerSecondSingle: number;
  /** Rows per second with `batchSize` rows per transaction. */
  rowsPerSecondBatched: number;
  batchSize: number;
  durability: string;
}

const LOG_TABLE = `create table log_entries (
  conversation_id text not null, seq bigint not null, kind text not null, epoch bigint not null,
  sender_user_id text not null, sender_device_id text not null, client_message_id text not null,
  body BYTES not null, created_at bigint not null,
  primary key (conversation_id, seq), unique (conversation_id, client_message_id))`;

/** Rows like the server's log entries: 50 conversations, a body of `bodyBytes`. */
function rowMaker(bodyBytes: number) {
  const conversations = Array.from({ length: 50 }, () => randomBytes(16).toString("base64url"));
  const seqs = new Array<number>(50).fill(0);
  const body = randomBytes(bodyBytes);
  let n = 0;
  return () => {
    const c = n++ % 50;
    seqs[c]!++;
    return [
      conversations[c]!,
      seqs[c]!,
      "application",
      0,
      "user-000000000000000000",
      "device-00000000000000000",
      `m${n.toString(36).padStart(10, "0")}`,
      body,
      Date.now(),
    ] as const;
  };
}

/** better-sqlite3 in WAL mode with synchronous=NORMAL, as the server opens it; in this process. */
export async function measureSqliteInserts(
  options: { seconds: number; batchSize: number; bodyBytes: number } = {
    seconds: 2,
    batchSize: 100,
    bodyBytes: 1_157,
  },
): Promise<InsertFloor> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "confrere-floor-"));
  const db = new SqliteDatabase(path.join(dir, "floor.sqlite"));
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.exec(LOG_TABLE.replace("BYTES", "blob"));
    const insert = db.prepare("insert into log_entries values (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    const nextRow = rowMaker(options.bodyBytes);
    const one = db.transaction(() => insert.run(...nextRow()));
    const many = db.transaction(() => {
      for (let i = 0; i < options.batchSize; i++) insert.run(...nextRow());
    });
    const rate = (fn: () => void, rowsPerCall: number) => {
      const end = performance.now() + options.seconds * 1000;
      const start = performance.now();
      let rows = 0;
      while (performance.now() < end) {
        fn();
        rows += rowsPerCall;
      }
      return Math.round(rows / ((performance.now() - start) / 1000));
    };
    return {
      rowsPerSecondSingle: rate(one, 1),
      rowsPerSecondBatched: rate(many, options.batchSize),
      batchSize: options.batchSize,
      durability: "sqlite journal_mode=wal synchronous=NORMAL",
    };
  } finally {
    db.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** PostgreSQL through `pg` with the server's pool size (10), in a schema of its own. */
export async function measurePostgresInserts(
  databaseUrl: string,
  options: { seconds: number; batchSize: number; bodyBytes: number; pool: number } = {
    seconds: 3,
    batchSize: 100,
    bodyBytes: 1_157,
    pool: 10,
  },
): Promise<InsertFloor> {
  const schema = `bench_floor_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`create schema "${schema}"`);
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.pool,
    options: `-c search_path="${schema}"`,
  });
  try {
    await pool.query(LOG_TABLE.replace("BYTES", "bytea"));
    const commit = await pool.query<{ synchronous_commit: string }>("show synchronous_commit");
    const nextRow = rowMaker(options.bodyBytes);
    const batchSql = `insert into log_entries values ${Array.from(
      { length: options.batchSize },
      (_, r) => `(${Array.from({ length: 9 }, (_, c) => `$${r * 9 + c + 1}`).join(", ")})`,
    ).join(", ")}`;
    const rate = async (rowsPerCall: number) => {
      const end = performance.now() + options.seconds * 1000;
      const start = performance.now();
      let rows = 0;
      await Promise.all(
        Array.from({ length: options.pool }, async () => {
          while (performance.now() < end) {
            if (rowsPerCall === 1)
              await pool.query("insert into log_entries values ($1, $2, $3, $4, $5, $6, $7, $8, $9)", [
                ...nextRow(),
              ]);
            else await pool.query(batchSql, Array.from({ length: rowsPerCall }, () => nextRow()).flat());
            rows += rowsPerCall;
          }
        }),
      );
      return Math.round(rows / ((performance.now() - start) / 1000));
    };
    return {
      rowsPerSecondSingle: await rate(1),
      rowsPerSecondBatched: await rate(options.batchSize),
      batchSize: options.batchSize,
      durability: `postgres synchronous_commit=${commit.rows[0]?.synchronous_commit}`,
    };
  } finally {
    await pool.end();
    await admin.query(`drop schema if exists "${schema}" cascade`);
    await admin.end();
  }
}
