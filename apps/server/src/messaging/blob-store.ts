import { createReadStream, createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ConfrereError, ErrorCode } from "@confrere/protocol";
import type { Config } from "../config.ts";
import type { DatabaseHandle, Db } from "../db/database.ts";

/**
 * Where encrypted attachments live: files under DATA_DIR on the embedded default, chunk rows in
 * PostgreSQL when DATABASE_URL is set (so every node of a cluster reads the same blobs).
 * The server only ever sees ciphertext.
 */
export interface BlobStore {
  readonly kind: "disk" | "database";
  /** Streams the body in; throws ATTACHMENT_TOO_LARGE past `limit`. A failed write leaves nothing. */
  put(id: string, body: AsyncIterable<Uint8Array>, limit: number): Promise<number>;
  get(id: string): Promise<Readable>;
  delete(id: string): Promise<void>;
}

function tooLarge(limit: number): ConfrereError {
  return new ConfrereError(
    ErrorCode.ATTACHMENT_TOO_LARGE,
    413,
    `uploadAttachment: the file is larger than the ${Math.floor(limit / 1024 / 1024)} MB limit`,
  );
}

/** Counts bytes through and stops the stream past the limit. */
async function* limited(body: AsyncIterable<Uint8Array>, limit: number, seen: { bytes: number }) {
  for await (const chunk of body) {
    seen.bytes += chunk.length;
    if (seen.bytes > limit) throw tooLarge(limit);
    yield chunk;
  }
}

export class DiskBlobStore implements BlobStore {
  readonly kind = "disk" as const;
  constructor(private readonly directory: string) {}

  private file(id: string): string {
    // Ids are server-made url-safe strings; the check keeps a bad one from leaving the directory.
    if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new Error("blobStore: invalid id");
    return path.join(this.directory, id);
  }

  async put(id: string, body: AsyncIterable<Uint8Array>, limit: number): Promise<number> {
    await fs.mkdir(this.directory, { recursive: true });
    const final = this.file(id);
    const partial = `${final}.partial`;
    const seen = { bytes: 0 };
    try {
      await pipeline(Readable.from(limited(body, limit, seen)), createWriteStream(partial, { mode: 0o600 }));
      await fs.rename(partial, final);
      return seen.bytes;
    } catch (error) {
      await fs.rm(partial, { force: true });
      throw error;
    }
  }

  async get(id: string): Promise<Readable> {
    const file = this.file(id);
    await fs.access(file);
    return createReadStream(file);
  }

  async delete(id: string): Promise<void> {
    await fs.rm(this.file(id), { force: true });
  }
}

/** 1 MiB rows: small enough to stream, large enough to keep the row count low. */
const CHUNK_BYTES = 1024 * 1024;

export class DatabaseBlobStore implements BlobStore {
  readonly kind = "database" as const;
  constructor(private readonly db: Db) {}

  async put(id: string, body: AsyncIterable<Uint8Array>, limit: number): Promise<number> {
    const seen = { bytes: 0 };
    let index = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      if (pendingBytes === 0) return;
      await this.db
        .insertInto("attachment_chunks")
        .values({ attachment_id: id, idx: index++, data: Buffer.concat(pending) })
        .execute();
      pending = [];
      pendingBytes = 0;
    };
    try {
      for await (const chunk of limited(body, limit, seen)) {
        pending.push(Buffer.from(chunk));
        pendingBytes += chunk.length;
        if (pendingBytes >= CHUNK_BYTES) await flush();
      }
      await flush();
      return seen.bytes;
    } catch (error) {
      await this.delete(id);
      throw error;
    }
  }

  async get(id: string): Promise<Readable> {
    const db = this.db;
    async function* chunks() {
      for (let idx = 0; ; idx++) {
        const row = await db
          .selectFrom("attachment_chunks")
          .select("data")
          .where("attachment_id", "=", id)
          .where("idx", "=", idx)
          .executeTakeFirst();
        if (!row) return;
        yield Buffer.from(row.data);
      }
    }
    return Readable.from(chunks());
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom("attachment_chunks").where("attachment_id", "=", id).execute();
  }
}

export function createBlobStore(config: Config, database: DatabaseHandle): BlobStore {
  return database.kind === "postgres"
    ? new DatabaseBlobStore(database.db)
    : new DiskBlobStore(path.join(config.dataDir, "attachments"));
}
