import { EncryptedStore, type LocalStore, type StoreKey } from "./store.ts";

/**
 * The browser's {@link LocalStore}: one IndexedDB database per device profile, with two object
 * stores: `values` (key name → bytes) and `meta` (the store's own AES-GCM key).
 *
 * It is only meant to be used under {@link EncryptedStore}: see {@link openBrowserStore}.
 * The types of IndexedDB are declared here in the few members used, so that the SDK keeps
 * compiling without the DOM library (it also runs in Node, where tests pass a fake IndexedDB).
 *
 * @example
 * const backend = await IndexedDbStore.open("confrere-device");
 * await backend.put("a", new Uint8Array([1]));
 */
export class IndexedDbStore implements LocalStore {
  private constructor(
    private readonly db: IdbDatabase,
    readonly name: string,
    private readonly keyRange: IdbKeyRangeStatic,
  ) {}

  /** Opens (creating on first use) the database `name`. */
  static async open(
    name: string,
    factory: IdbFactory | undefined = defaultFactory(),
  ): Promise<IndexedDbStore> {
    const keyRange = (globalThis as { IDBKeyRange?: IdbKeyRangeStatic }).IDBKeyRange;
    if (!factory || !keyRange)
      throw new Error("IndexedDbStore.open: IndexedDB is not available in this environment");
    const request = factory.open(name, DB_VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(VALUES)) db.createObjectStore(VALUES);
      if (!db.objectStoreNames.contains(META)) db.createObjectStore(META);
    };
    const db = await done(request, `IndexedDbStore.open(${name})`);
    // Another tab deleting the database (a logout there) must not be blocked by this connection.
    db.onversionchange = () => db.close();
    return new IndexedDbStore(db, name, keyRange);
  }

  /** Deletes the whole database: values and the key. What a logout does to the device. */
  static async destroy(name: string, factory: IdbFactory | undefined = defaultFactory()): Promise<void> {
    if (!factory) return;
    await done(factory.deleteDatabase(name), `IndexedDbStore.destroy(${name})`);
  }

  async get(key: string): Promise<Uint8Array | null> {
    const value = await this.run(VALUES, "readonly", (s) => s.get(key), "get");
    return value instanceof Uint8Array ? value : value instanceof ArrayBuffer ? new Uint8Array(value) : null;
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    await this.run(VALUES, "readwrite", (s) => s.put(value.slice(), key), "put");
  }

  async delete(key: string): Promise<void> {
    await this.run(VALUES, "readwrite", (s) => s.delete(key), "delete");
  }

  async keys(prefix: string): Promise<string[]> {
    const all = (await this.run(VALUES, "readonly", (s) => s.getAllKeys(), "keys")) as unknown[];
    return all
      .filter((k): k is string => typeof k === "string" && k.startsWith(prefix))
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /**
   * One readonly transaction, two requests over the key range [prefix, prefix + U+FFFF]: keys and
   * values come back in the same (key) order.
   */
  async entries(prefix: string): Promise<[string, Uint8Array][]> {
    const range = this.keyRange.bound(prefix, `${prefix}\uffff`);
    const transaction = this.db.transaction(VALUES, "readonly");
    const store = transaction.objectStore(VALUES);
    const [keys, values] = await Promise.all([
      done(store.getAllKeys(range), "IndexedDbStore.entries"),
      done(store.getAll(range), "IndexedDbStore.entries"),
    ]);
    const out: [string, Uint8Array][] = [];
    (keys as unknown[]).forEach((key, i) => {
      const value = (values as unknown[])[i];
      const bytes =
        value instanceof Uint8Array ? value : value instanceof ArrayBuffer ? new Uint8Array(value) : null;
      if (typeof key === "string" && bytes) out.push([key, bytes]);
    });
    return out;
  }

  /** Removes every value. The key stays: a store being cleared is usually written again at once. */
  async clear(): Promise<void> {
    await this.run(VALUES, "readwrite", (s) => s.clear(), "clear");
  }

  /** The store's key as saved by {@link saveKey}, or null on first use. */
  async loadKey(): Promise<StoreKey | null> {
    const key = await this.run(META, "readonly", (s) => s.get(KEY_RECORD), "loadKey");
    return (key as StoreKey | undefined) ?? null;
  }

  /**
   * Saves a CryptoKey object as it is: IndexedDB's structured clone keeps a non-extractable key
   * usable without its raw bytes ever being readable by scripts (WebCrypto §14.3, structured clone).
   */
  async saveKey(key: StoreKey): Promise<void> {
    await this.run(META, "readwrite", (s) => s.put(key, KEY_RECORD), "saveKey");
  }

  close(): void {
    this.db.close();
  }

  private async run(
    storeName: string,
    mode: "readonly" | "readwrite",
    action: (store: IdbObjectStore) => IdbRequest<unknown>,
    operation: string,
  ): Promise<unknown> {
    const transaction = this.db.transaction(storeName, mode);
    const result = done(action(transaction.objectStore(storeName)), `IndexedDbStore.${operation}`);
    if (mode === "readonly") return result;
    // A write counts once its transaction committed, not when its request succeeded.
    const committed = new Promise<void>((resolve, reject) => {
      transaction.oncomplete = () => resolve();
      transaction.onerror = () =>
        reject(transaction.error ?? new Error(`IndexedDbStore.${operation}: failed`));
      transaction.onabort = () =>
        reject(transaction.error ?? new Error(`IndexedDbStore.${operation}: aborted`));
    });
    const [value] = await Promise.all([result, committed]);
    return value;
  }
}

/**
 * The device's store in a browser: values in IndexedDB, each encrypted with AES-256-GCM under a
 * non-extractable key generated on first use and kept in the same database. A script of the page
 * can use the key but never read it, and the files on disk hold no plaintext.
 * {@link IndexedDbStore.destroy} (at logout) deletes the values and the key together.
 *
 * @example
 * const store = await openBrowserStore("confrere-device");
 * const client = new ConfrereClient({ baseUrl: location.origin, store, WebSocket });
 */
export async function openBrowserStore(
  name: string,
  factory: IdbFactory | undefined = defaultFactory(),
): Promise<EncryptedStore> {
  const backend = await IndexedDbStore.open(name, factory);
  let key = await backend.loadKey();
  if (!key) {
    key = await EncryptedStore.newKey(false);
    await backend.saveKey(key);
  }
  return new EncryptedStore(backend, key);
}

const DB_VERSION = 1;
const VALUES = "values";
const META = "meta";
const KEY_RECORD = "store-key";

function defaultFactory(): IdbFactory | undefined {
  return (globalThis as { indexedDB?: IdbFactory }).indexedDB;
}

function done<T>(request: IdbRequest<T>, operation: string): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error(`${operation}: failed`));
  });
}

// The members of IndexedDB this file uses; the DOM's own types fit them (handlers take `never`
// so that the DOM's typed handlers are assignable).
interface IdbRequest<T> {
  readonly result: T;
  readonly error: unknown;
  onsuccess: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
}
interface IdbOpenRequest extends IdbRequest<IdbDatabase> {
  onupgradeneeded: ((event: never) => void) | null;
}
interface IdbObjectStore {
  get(key: string): IdbRequest<unknown>;
  put(value: unknown, key: string): IdbRequest<unknown>;
  delete(key: string): IdbRequest<unknown>;
  getAllKeys(range?: unknown): IdbRequest<unknown>;
  getAll(range?: unknown): IdbRequest<unknown>;
  clear(): IdbRequest<unknown>;
}
interface IdbTransaction {
  objectStore(name: string): IdbObjectStore;
  readonly error: unknown;
  oncomplete: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
  onabort: ((event: never) => void) | null;
}
interface IdbDatabase {
  readonly objectStoreNames: { contains(name: string): boolean };
  createObjectStore(name: string): unknown;
  transaction(storeName: string, mode: "readonly" | "readwrite"): IdbTransaction;
  close(): void;
  onversionchange: ((event: never) => void) | null;
}
/** `IDBKeyRange`'s one static member used here. */
interface IdbKeyRangeStatic {
  bound(lower: string, upper: string): unknown;
}
/** The part of `indexedDB` (the IDBFactory) used here. */
export interface IdbFactory {
  open(name: string, version: number): IdbOpenRequest;
  deleteDatabase(name: string): IdbRequest<unknown>;
}
