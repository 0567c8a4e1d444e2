import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { EncryptedStore, type LocalStore } from "@confrere/sdk";
import { CliError, ExitCode } from "./errors.ts";
import { FileStore } from "./file-store.ts";

/**
 * The CLI's state directory (mode 0700):
 *   store.key  32 random bytes (0600): the AES-256-GCM key of the store
 *   store/     one file per key of the SDK's LocalStore, each value encrypted (0600)
 *   lock       the pid of the command using the state, so two commands never interleave MLS updates
 */
export interface Home {
  directory: string;
  store: LocalStore;
  release(): Promise<void>;
}

export function resolveHome(flag: string | undefined): string {
  const chosen = flag ?? process.env.CONFRERE_HOME ?? path.join(os.homedir(), ".config", "confrere");
  return path.resolve(chosen);
}

export const notLoggedIn = (directory: string) =>
  new CliError(
    `not logged in: no Confrère state in ${directory}. Log in first: ` +
      "confrere login --server URL --email E --password-stdin --totp CODE",
    ExitCode.notLoggedIn,
  );

/** Opens the state of an earlier `confrere login`; fails with a clear message when there is none. */
export async function openHome(directory: string): Promise<Home> {
  const key = await readKey(directory);
  if (!key) throw notLoggedIn(directory);
  return open(directory, key);
}

/** Opens the state, creating the directory and its key on first use (login). */
export async function createHome(directory: string): Promise<Home> {
  await fs.mkdir(directory, { recursive: true, mode: 0o700 });
  // mkdir's mode does not apply to a directory that already existed (e.g. made by hand).
  await fs.chmod(directory, 0o700);
  let key = await readKey(directory);
  if (!key) {
    key = randomBytes(32);
    try {
      await fs.writeFile(path.join(directory, "store.key"), key, { mode: 0o600, flag: "wx" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      key = await readKey(directory);
      if (!key) throw new CliError(`${directory}/store.key is unreadable; run confrere logout`);
    }
  }
  return open(directory, key);
}

/** Removes every file of the state (logout). The directory itself stays, empty. */
export async function wipeHome(directory: string): Promise<void> {
  await fs.rm(path.join(directory, "store"), { recursive: true, force: true });
  await fs.rm(path.join(directory, "store.key"), { force: true });
}

async function readKey(directory: string): Promise<Uint8Array | null> {
  let raw: Buffer;
  try {
    raw = await fs.readFile(path.join(directory, "store.key"));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    throw error;
  }
  if (raw.length !== 32)
    throw new CliError(`${directory}/store.key is damaged (not 32 bytes); run confrere logout, then log in`);
  return new Uint8Array(raw);
}

async function open(directory: string, rawKey: Uint8Array): Promise<Home> {
  const release = await lock(directory);
  try {
    const backend = await FileStore.open(path.join(directory, "store"));
    const store = new EncryptedStore(backend, await EncryptedStore.importKey(rawKey));
    return { directory, store, release };
  } catch (error) {
    await release();
    throw error;
  }
}

/**
 * One command at a time per state directory: two processes applying the same MLS epoch would each
 * save their own ratchet state and one would lose keys (E2EE.md, trap 5). A command waits a little
 * for another to finish; a lock left by a process that died is taken over.
 */
async function lock(directory: string, waitMs = 15_000): Promise<() => Promise<void>> {
  const file = path.join(directory, "lock");
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      await fs.writeFile(file, String(process.pid), { mode: 0o600, flag: "wx" });
      return () => fs.rm(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = Number.parseInt(await fs.readFile(file, "utf8").catch(() => ""), 10);
    if (!(Number.isInteger(holder) && holder > 0 && isRunning(holder))) {
      await fs.rm(file, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new CliError(
        `another confrere command (pid ${holder}) is using ${directory}; try again when it ends ` +
          `(if no confrere command is running, delete ${file})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
