/**
 * Streaming reader of the Annuaire Santé extraction ("PS_LibreAcces"): `.txt` files or the `.zip`
 * they are published in, read line by line (a 1 GB file never sits in memory), each row turned
 * into a typed record or a rejection. Writing the records to the database is the caller's job.
 */
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import path from "node:path";
import type { Entry } from "yauzl";
import yauzl from "yauzl";
import { type AnnuaireFileKind, fileKindFromHeader, fileKindFromName } from "./annuaire-columns.ts";
import { AnnuaireErrorCode, AnnuaireImportError } from "./annuaire-errors.ts";
import type {
  AnnuaireFileSummary,
  AnnuaireItem,
  AnnuaireRecord,
  AnnuaireRowRejection,
} from "./annuaire-records.ts";
import { createRowReader, type RowReader } from "./annuaire-rows.ts";
import { LineDecoder, LineTooLongError, MAX_LINE_BYTES } from "./line-decoder.ts";

/** Read size for plain files: large enough that per-chunk work is negligible, small enough to stay bounded. */
const READ_CHUNK_BYTES = 1024 * 1024;

export interface AnnuaireReadHooks {
  /**
   * Receives the rejected rows instead of the iterator. Without it, rejections come through the
   * iterator as `{ kind: "rejection" }` items, between the records.
   */
  readonly onRejection?: (rejection: AnnuaireRowRejection) => void;
  /** Called when a file has been read to its end, with what it gave and the encoding found. */
  readonly onFileEnd?: (summary: AnnuaireFileSummary) => void;
}

export interface ParseAnnuaireStreamOptions extends AnnuaireReadHooks {
  /** Names the file in records and messages; its name also tells the kind unless `kind` is given. */
  readonly source: string;
  /** Which file this is; by default told from `source`'s name, else from the header row. */
  readonly kind?: AnnuaireFileKind;
}

export interface ReadAnnuaireOptions extends AnnuaireReadHooks {
  /** Called for each file or zip entry not read (diplomas file, anything not an extraction `.txt`). */
  readonly onSkippedFile?: (source: string, reason: string) => void;
}

/**
 * Reads one extraction file from a byte stream (a file, a zip entry, an HTTP body) and yields one
 * record per data row, in file order, with its line number (the header is line 1). UTF-8 or
 * Latin-1 (windows-1252), with or without a BOM, LF or CRLF. Blank lines are skipped.
 *
 * @throws AnnuaireImportError when the file as a whole cannot be read: kind unknown, required
 *   column missing, no header, a line over 1 MiB. Bad rows never throw: they are rejections.
 * @example
 * for await (const item of parseAnnuaireStream(createReadStream(file), { source: file })) {
 *   if (item.kind === "practice_situation") await upsert(item);
 * }
 */
export async function* parseAnnuaireStream(
  input: AsyncIterable<Uint8Array>,
  options: ParseAnnuaireStreamOptions,
): AsyncGenerator<AnnuaireItem, void, undefined> {
  const rows = new FileRows(options);
  for await (const lines of lineBatches(input, rows.decoder, options.source)) {
    for (const line of lines) {
      const item = rows.read(line);
      if (item !== null) yield item;
    }
  }
  rows.end();
}

/**
 * {@link parseAnnuaireStream} for a caller that handles millions of rows: one array per chunk
 * read, of what `visit` made of each record (and of the rejections, unless `onRejection` takes
 * them). One step of an async iterator per row cost more than the row; `visit` reduces each record
 * at once, as records kept whole until their chunk's end kept the garbage collector busy
 * (bench/README.md, "staging in chunks").
 */
export async function* parseAnnuaireBatches<T>(
  input: AsyncIterable<Uint8Array>,
  options: ParseAnnuaireStreamOptions,
  visit: (record: AnnuaireRecord) => T,
): AsyncGenerator<(T | AnnuaireRowRejection)[], void, undefined> {
  const rows = new FileRows(options);
  for await (const lines of lineBatches(input, rows.decoder, options.source)) {
    const batch: (T | AnnuaireRowRejection)[] = [];
    for (const line of lines) {
      const item = rows.read(line);
      if (item !== null) batch.push(item.kind === "rejection" ? item : visit(item));
    }
    if (batch.length > 0) yield batch;
  }
  rows.end();
}

/** One file's rows as its lines come: the header, line numbers and counts. */
class FileRows {
  readonly decoder = new LineDecoder();
  #reader: RowReader | undefined;
  #lineNumber = 0;
  #records = 0;
  #rejections = 0;

  constructor(private readonly options: ParseAnnuaireStreamOptions) {}

  /**
   * The next line's record or rejection; null for the header, a blank line, and a rejection
   * given to `onRejection`.
   */
  read(line: string): AnnuaireItem | null {
    this.#lineNumber++;
    if (line === "") return null;
    if (this.#reader === undefined) {
      this.#reader = createRowReader(kindOf(this.options, line), line, this.options.source);
      return null;
    }
    const item = this.#reader.read(line, this.#lineNumber);
    if (item.kind !== "rejection") {
      this.#records++;
      return item;
    }
    this.#rejections++;
    if (!this.options.onRejection) return item;
    this.options.onRejection(item);
    return null;
  }

  /** Reports the file to `onFileEnd`. @throws AnnuaireImportError when it had no header row. */
  end(): void {
    const { source } = this.options;
    if (this.#reader === undefined) {
      throw new AnnuaireImportError(
        AnnuaireErrorCode.EMPTY_FILE,
        `importAnnuaire: ${source} is empty: expected a header row then one row per line`,
      );
    }
    this.options.onFileEnd?.({
      source,
      kind: this.#reader.kind,
      encoding: this.decoder.encoding,
      hasBom: this.decoder.hasBom,
      lines: this.#lineNumber,
      records: this.#records,
      rejections: this.#rejections,
      invalidUtf8Blocks: this.decoder.invalidUtf8Blocks,
    });
  }
}

/** The decoded lines of `input`, one batch per chunk read. */
async function* lineBatches(
  input: AsyncIterable<Uint8Array>,
  decoder: LineDecoder,
  source: string,
): AsyncGenerator<string[], void, undefined> {
  try {
    for await (const chunk of input) yield decoder.push(chunk);
    yield decoder.end();
  } catch (error) {
    if (error instanceof LineTooLongError) {
      throw new AnnuaireImportError(
        AnnuaireErrorCode.LINE_TOO_LONG,
        `importAnnuaire: line ${error.line} of ${source} is longer than ${MAX_LINE_BYTES} bytes: ` +
          "this is not a PS_LibreAcces text file (or its lines end with a bare CR)",
      );
    }
    throw error;
  }
}

function kindOf(options: ParseAnnuaireStreamOptions, headerLine: string): AnnuaireFileKind {
  if (options.kind) return options.kind;
  const byName = fileKindFromName(path.basename(options.source));
  if (byName === "personne_activite" || byName === "savoir_faire") return byName;
  const byHeader = byName === undefined ? fileKindFromHeader(headerLine.split("|")) : undefined;
  if (byHeader) return byHeader;
  throw new AnnuaireImportError(
    AnnuaireErrorCode.UNKNOWN_FILE,
    `importAnnuaire: cannot tell which extraction file ${options.source} is: ` +
      "expected a PS_LibreAcces Personne_activite or SavoirFaire file (by its name or its header row)",
  );
}

/**
 * Reads an Annuaire Santé extraction from `.txt` files and/or `.zip` archives (told apart by their
 * first bytes), yielding every record and, unless `onRejection` is given, every rejection.
 * Files are read in the order given; inside a zip, SavoirFaire entries come before
 * Personne_activite ones so that a caller may gather specialties before the practice situations
 * they complete (joined on `nationalId`). Entries that are not extraction files are skipped and
 * reported to `onSkippedFile`.
 *
 * Breaking out of the loop closes the files.
 *
 * @throws AnnuaireImportError as {@link parseAnnuaireStream} does, and when a zip holds nothing to read.
 * @example
 * const rejected: AnnuaireRowRejection[] = [];
 * for await (const item of readAnnuaire("PS_LibreAcces_202611010000.zip", { onRejection: (r) => rejected.push(r) })) {
 *   if (item.kind === "practice_situation") batch.push(item);
 * }
 */
export function readAnnuaire(
  paths: string | readonly string[],
  options: ReadAnnuaireOptions = {},
): AsyncGenerator<AnnuaireItem, void, undefined> {
  return eachFile(paths, options, parseAnnuaireStream);
}

/** {@link readAnnuaire} in batches, each file read as {@link parseAnnuaireBatches} reads it. */
export function readAnnuaireBatches<T>(
  paths: string | readonly string[],
  options: ReadAnnuaireOptions,
  visit: (record: AnnuaireRecord) => T,
): AsyncGenerator<(T | AnnuaireRowRejection)[], void, undefined> {
  return eachFile(paths, options, (input, fileOptions) => parseAnnuaireBatches(input, fileOptions, visit));
}

/** What `parse` yields for each extraction file in `paths`, zip entries included, in reading order. */
async function* eachFile<Y>(
  paths: string | readonly string[],
  options: ReadAnnuaireOptions,
  parse: (input: AsyncIterable<Uint8Array>, options: ParseAnnuaireStreamOptions) => AsyncGenerator<Y>,
): AsyncGenerator<Y, void, undefined> {
  for (const file of typeof paths === "string" ? [paths] : paths) {
    if (await isZip(file)) {
      yield* eachZipEntry(file, options, parse);
      continue;
    }
    const kind = fileKindFromName(path.basename(file));
    if (kind === "ignored") {
      options.onSkippedFile?.(file, "not read by this importer (diplomas and exercise authorisations)");
      continue;
    }
    yield* parse(createReadStream(file, { highWaterMark: READ_CHUNK_BYTES }), {
      ...options,
      source: file,
      ...(kind ? { kind } : {}),
    });
  }
}

/** Whether `file` starts like a zip archive (local file header, or the end record of an empty one). */
async function isZip(file: string): Promise<boolean> {
  const handle = await open(file, "r");
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4), 0, 4, 0);
    return (
      bytesRead === 4 &&
      buffer[0] === 0x50 &&
      buffer[1] === 0x4b &&
      ((buffer[2] === 0x03 && buffer[3] === 0x04) || (buffer[2] === 0x05 && buffer[3] === 0x06))
    );
  } finally {
    await handle.close();
  }
}

const ZIP_ORDER: Readonly<Record<AnnuaireFileKind, number>> = { savoir_faire: 0, personne_activite: 1 };

async function* eachZipEntry<Y>(
  zipPath: string,
  options: ReadAnnuaireOptions,
  parse: (input: AsyncIterable<Uint8Array>, options: ParseAnnuaireStreamOptions) => AsyncGenerator<Y>,
): AsyncGenerator<Y, void, undefined> {
  // lazyEntries: entries are listed one at a time; autoClose off: we open entry streams after listing.
  const zip = await yauzl.openPromise(zipPath, { lazyEntries: true, autoClose: false });
  try {
    const selected: { entry: Entry; kind: AnnuaireFileKind }[] = [];
    for await (const entry of zip.eachEntry()) {
      const source = `${zipPath}/${entry.fileName}`;
      if (entry.fileName.endsWith("/")) continue;
      const kind = fileKindFromName(path.posix.basename(entry.fileName));
      if (kind === "personne_activite" || kind === "savoir_faire") selected.push({ entry, kind });
      else
        options.onSkippedFile?.(
          source,
          kind === "ignored" ? "not read by this importer" : "not an extraction file",
        );
    }
    if (selected.length === 0) {
      throw new AnnuaireImportError(
        AnnuaireErrorCode.NOTHING_TO_READ,
        `importAnnuaire: ${zipPath} holds no PS_LibreAcces Personne_activite or SavoirFaire file`,
      );
    }
    selected.sort(
      (a, b) => ZIP_ORDER[a.kind] - ZIP_ORDER[b.kind] || a.entry.fileName.localeCompare(b.entry.fileName),
    );
    for (const { entry, kind } of selected) {
      const stream = await zip.openReadStreamPromise(entry);
      yield* parse(stream, { ...options, source: `${zipPath}/${entry.fileName}`, kind });
    }
  } finally {
    zip.close();
  }
}
