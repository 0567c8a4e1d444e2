import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import type { LocalStore } from "@confrere/sdk";

/** Most file systems refuse names longer than 255 bytes. */
const MAX_FILE_NAME = 255;

/**
 * The SDK's {@link LocalStore} on a directory: one file per key, named by the base64url of the
 * key (keys hold `/`), written atomically (temporary file, then rename) with mode 0600. It keeps
 * bytes as given: wrap it in `EncryptedStore` so nothing reaches the disk in clear.
 */
export class FileStore implements LocalStore {
  constructor(private readonly directory: string) {}

  /** Creates the directory (mode 0700) if it is missing. */
  static async open(directory: string): Promise<FileStore> {
    await fs.mkdir(directory, { recursive: true, mode: 0o700 });
    return new FileStore(directory);
  }

  private fileOf(key: string): string {
    const name = Buffer.from(key, "utf8").toString("base64url");
    if (name.length > MAX_FILE_NAME) throw new Error(`FileStore: key too long for a file name: ${key}`);
    return path.join(this.directory, name);
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      return new Uint8Array(await fs.readFile(this.fileOf(key)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    const target = this.fileOf(key);
    // Names starting with "." are never base64url, so keys() skips a temporary file left by a crash.
    const temporary = path.join(this.directory, `.tmp-${randomBytes(8).toString("hex")}`);
    const handle = await fs.open(temporary, "wx", 0o600);
    try {
      await handle.writeFile(value);
      // MLS state must survive a crash as a whole or not at all (a half-written epoch is lost keys).
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fs.rename(temporary, target);
    } catch (error) {
      await fs.rm(temporary, { force: true });
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.fileOf(key), { force: true });
  }

  async keys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for (const name of await this.fileNames()) {
      if (!/^[A-Za-z0-9_-]+$/.test(name)) continue;
      const key = Buffer.from(name, "base64url").toString("utf8");
      if (key.startsWith(prefix)) keys.push(key);
    }
    // The same order as MemoryStore (UTF-16 code units): the SDK lists messages by padded seq.
    return keys.sort();
  }

  async entries(prefix: string): Promise<[string, Uint8Array][]> {
    const out: [string, Uint8Array][] = [];
    for (const key of await this.keys(prefix)) {
      const value = await this.get(key);
      if (value) out.push([key, value]);
    }
    return out;
  }

  async clear(): Promise<void> {
    for (const name of await this.fileNames()) await fs.rm(path.join(this.directory, name), { force: true });
  }

  private async fileNames(): Promise<string[]> {
    try {
      return await fs.readdir(this.directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
  }
}
