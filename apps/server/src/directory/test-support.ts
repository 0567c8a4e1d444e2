/**
 * Helpers for the directory tests: the shared fixtures, files derived from them in a temp dir,
 * and a minimal zip writer (no zip writer is installed; yauzl only reads).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import zlib from "node:zlib";

export const repoRoot = path.resolve(import.meta.dirname, "../../../..");
export const fixturesDir = path.resolve(repoRoot, "../shared/fixtures/annuaire");
/** Older layout: specialties inside the rows, UTF-8, CRLF. */
export const OLD_PERSONNE_ACTIVITE = path.join(
  fixturesDir,
  "PS_LibreAcces_Personne_activite_202611010000.txt",
);
/** Newer layout: other header spellings, 4 appended columns, LF, specialties in SavoirFaire. */
export const SPLIT_PERSONNE_ACTIVITE = path.join(
  fixturesDir,
  "split",
  "PS_LibreAcces_Personne_activite_202611150000.txt",
);
export const SPLIT_SAVOIR_FAIRE = path.join(
  fixturesDir,
  "split",
  "PS_LibreAcces_SavoirFaire_202611150000.txt",
);

/** A fresh temp dir and a function removing it. */
export async function makeTempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), "confrere-annuaire-"));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** The lines of a text without their line ends (and without the empty string after the last one). */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

/** Rewrites a `|`-separated table (header row first) column by column. */
export function mapTable(
  text: string,
  transform: (rows: string[][]) => string[][],
  lineEnd: "\n" | "\r\n" = "\n",
): string {
  const rows = splitLines(text).map((line) => line.split("|"));
  return transform(rows)
    .map((fields) => fields.join("|"))
    .map((line) => line + lineEnd)
    .join("");
}

const WINDOWS_1252_EXTRA: Readonly<Record<string, number>> = {
  "€": 0x80,
  "‚": 0x82,
  ƒ: 0x83,
  "„": 0x84,
  "…": 0x85,
  Š: 0x8a,
  Œ: 0x8c,
  Ž: 0x8e,
  "‘": 0x91,
  "’": 0x92,
  "“": 0x93,
  "”": 0x94,
  "–": 0x96,
  "—": 0x97,
  š: 0x9a,
  œ: 0x9c,
  ž: 0x9e,
  Ÿ: 0x9f,
};

/** Encodes text as windows-1252 (throws on a character it cannot hold). */
export function encodeWindows1252(text: string): Buffer {
  const bytes = Buffer.alloc(text.length);
  let n = 0;
  for (const c of text) {
    const code = c.codePointAt(0) ?? 0;
    const byte = code <= 0xff && !(code >= 0x80 && code <= 0x9f) ? code : WINDOWS_1252_EXTRA[c];
    if (byte === undefined)
      throw new Error(`encodeWindows1252: ${JSON.stringify(c)} has no windows-1252 byte`);
    bytes[n++] = byte;
  }
  return bytes.subarray(0, n);
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 as zip wants it: node:zlib's when this Node has it (20.15+), else a table-driven one. */
function crc32(data: Uint8Array): number {
  if (typeof zlib.crc32 === "function") return zlib.crc32(data);
  let c = 0xffffffff;
  for (const byte of data) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface ZipInput {
  readonly name: string;
  readonly data: Uint8Array;
}

/**
 * Writes a minimal zip archive (APPNOTE 6.3: local headers, central directory, end record; no
 * zip64, no data descriptors). `compression: "deflate"` uses method 8 as real extractions do.
 */
export async function writeZip(
  file: string,
  entries: readonly ZipInput[],
  compression: "store" | "deflate" = "store",
): Promise<void> {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBytes = Buffer.from(name, "utf8");
    const body = compression === "deflate" ? zlib.deflateRawSync(data) : Buffer.from(data);
    const method = compression === "deflate" ? 8 : 0;
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0
    local.writeUInt16LE(0x0800, 6); // flags: file name is UTF-8
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0, 10); // time
    local.writeUInt16LE(0x21, 12); // date: 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.byteLength, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(20, 4); // version made by
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(0x0800, 8);
    header.writeUInt16LE(method, 10);
    header.writeUInt16LE(0, 12);
    header.writeUInt16LE(0x21, 14);
    header.writeUInt32LE(crc, 16);
    header.writeUInt32LE(body.length, 20);
    header.writeUInt32LE(data.byteLength, 24);
    header.writeUInt16LE(nameBytes.length, 28);
    // extra length, comment length, disk number, internal and external attributes: 0
    header.writeUInt32LE(offset, 42);
    parts.push(local, nameBytes, body);
    central.push(header, nameBytes);
    offset += local.length + nameBytes.length + body.length;
  }
  const centralBytes = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  await writeFile(file, Buffer.concat([...parts, centralBytes, end]));
}
