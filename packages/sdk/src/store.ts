/**
 * Where a device keeps its state: session, MLS identity and group states, KeyPackage secrets,
 * decrypted history. Three implementations: in memory (tests), IndexedDB (browser), files (Node,
 * the CLI). Values are bytes; {@link EncryptedStore} encrypts them before they reach the backend.
 *
 * @example
 * const store = new EncryptedStore(new MemoryStore(), await EncryptedStore.newKey());
 * await store.put("group/abc", state);
 */
export interface LocalStore {
  get(key: string): Promise<Uint8Array | null>;
  put(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  /** Keys starting with `prefix`, sorted. */
  keys(prefix: string): Promise<string[]>;
  /**
   * The entries whose key starts with `prefix`, sorted by key: one read for a range (a
   * conversation's 10,000 messages are one IndexedDB request, not 10,000).
   */
  entries(prefix: string): Promise<[string, Uint8Array][]>;
  /** Removes everything (logout wipes the device). */
  clear(): Promise<void>;
}

export class MemoryStore implements LocalStore {
  private readonly data = new Map<string, Uint8Array>();
  async get(key: string) {
    return this.data.get(key) ?? null;
  }
  async put(key: string, value: Uint8Array) {
    this.data.set(key, value.slice());
  }
  async delete(key: string) {
    this.data.delete(key);
  }
  async keys(prefix: string) {
    return [...this.data.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
  async entries(prefix: string): Promise<[string, Uint8Array][]> {
    return (await this.keys(prefix)).map((k) => [k, (this.data.get(k) as Uint8Array).slice()]);
  }
  async clear() {
    this.data.clear();
  }
  /** Raw values as stored, for tests that check nothing is kept in clear. */
  rawValues(): Uint8Array[] {
    return [...this.data.values()];
  }
}

/**
 * Encrypts every value with AES-256-GCM (WebCrypto) under one key, binding each value to its key
 * name (as additional data) so values can't be swapped between entries. In the browser the key is
 * a non-extractable StoreKey kept in IndexedDB; in Node it comes from a key file beside the store.
 */
export class EncryptedStore implements LocalStore {
  constructor(
    private readonly backend: LocalStore,
    private readonly key: StoreKey,
  ) {}

  static newKey(extractable = false): Promise<StoreKey> {
    return crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, extractable, ["encrypt", "decrypt"]);
  }

  static importKey(raw: Uint8Array): Promise<StoreKey> {
    return crypto.subtle.importKey("raw", raw as Uint8Array<ArrayBuffer>, "AES-GCM", false, [
      "encrypt",
      "decrypt",
    ]);
  }

  async get(key: string): Promise<Uint8Array | null> {
    const sealed = await this.backend.get(key);
    return sealed ? this.open(key, sealed) : null;
  }

  /** Decrypts the range's values concurrently: WebCrypto works off the main thread. */
  async entries(prefix: string): Promise<[string, Uint8Array][]> {
    const sealed = await this.backend.entries(prefix);
    return Promise.all(
      sealed.map(async ([key, value]) => [key, await this.open(key, value)] as [string, Uint8Array]),
    );
  }

  private async open(key: string, sealed: Uint8Array): Promise<Uint8Array> {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: sealed.slice(0, 12), additionalData: encoder.encode(key) },
      this.key,
      sealed.slice(12),
    );
    return new Uint8Array(plain);
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: encoder.encode(key) },
      this.key,
      value as Uint8Array<ArrayBuffer>,
    );
    const out = new Uint8Array(12 + sealed.byteLength);
    out.set(iv, 0);
    out.set(new Uint8Array(sealed), 12);
    await this.backend.put(key, out);
  }

  delete(key: string) {
    return this.backend.delete(key);
  }
  keys(prefix: string) {
    return this.backend.keys(prefix);
  }
  clear() {
    return this.backend.clear();
  }
}

const encoder = new TextEncoder();

/** WebCrypto's key type, named without the DOM library (the same object in Node and browsers). */
export type StoreKey =
  Awaited<ReturnType<typeof crypto.subtle.generateKey>> extends infer K
    ? K extends { type: string; algorithm: unknown }
      ? K
      : never
    : never;
const decoder = new TextDecoder();

export async function getJson<T>(store: LocalStore, key: string): Promise<T | null> {
  const bytes = await store.get(key);
  return bytes ? (JSON.parse(decoder.decode(bytes)) as T) : null;
}

export function putJson(store: LocalStore, key: string, value: unknown): Promise<void> {
  return store.put(key, encoder.encode(JSON.stringify(value)));
}
