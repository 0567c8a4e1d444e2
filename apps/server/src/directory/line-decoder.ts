/**
 * Splits a byte stream into text lines, detecting UTF-8 or Latin-1 on the way, without ever holding
 * more than one chunk plus one partial line.
 *
 * Why it works on bytes: the newline byte 0x0A never occurs inside a multi-byte UTF-8 sequence,
 * and is the newline in Latin-1 too, so a file can be cut into complete lines before it is
 * decoded. Each run of complete lines (a "block", one per chunk) is then decoded in one call.
 *
 * Encoding detection (per file, decided as early as the data allows):
 * - a UTF-8 BOM (EF BB BF) means UTF-8; it is removed;
 * - otherwise the file is "undecided" while every block is plain ASCII (same text either way);
 * - the first block with a non-ASCII byte decides: valid UTF-8 → UTF-8, invalid UTF-8 →
 *   windows-1252 (the superset of Latin-1 that old extractions were written in) for the rest of
 *   the file;
 * - once UTF-8 is decided, a later invalid sequence (a corrupt byte) does not flip the file: it is
 *   decoded as U+FFFD and counted in `invalidUtf8Blocks`, so one bad byte cannot garble the
 *   accents of every following row.
 */

/** What a file turned out to be written in; `ascii` when it never needed to decide. */
export type DetectedEncoding = "ascii" | "utf-8" | "windows-1252";

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 13;

/** Real rows are under 2 KiB; anything this long is not a PS_LibreAcces text file. */
export const MAX_LINE_BYTES = 1024 * 1024;

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const lenientUtf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/**
 * windows-1252 differs from ISO-8859-1 only in 0x80–0x9F (€, œ, Œ, ’, “, …). Node's TextDecoder
 * decodes "windows-1252" as ISO-8859-1 in Node 20, so those 32 bytes are mapped here; the five
 * bytes windows-1252 leaves undefined keep their ISO-8859-1 meaning, as the WHATWG decoder does.
 */
const WINDOWS_1252_HIGH =
  "\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f" +
  "\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178";
const C1_CONTROLS = /[\u0080-\u009f]/g;

function decodeWindows1252(bytes: Uint8Array): string {
  const latin1 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
  return latin1.replace(C1_CONTROLS, (c) => WINDOWS_1252_HIGH.charAt(c.charCodeAt(0) - 0x80));
}

/** Thrown when a line exceeds {@link MAX_LINE_BYTES}; `line` is its 1-based number. */
export class LineTooLongError extends Error {
  constructor(readonly line: number) {
    super(`line ${line} is longer than ${MAX_LINE_BYTES} bytes`);
    this.name = "LineTooLongError";
  }
}

/**
 * Push bytes in, get complete lines out (without their `\n` or `\r\n`).
 *
 * @example
 * const decoder = new LineDecoder();
 * decoder.push(Buffer.from("a|b|\r\nc|")); // ["a|b|"]
 * decoder.end(); // ["c|"]
 */
export class LineDecoder {
  #encoding: DetectedEncoding = "ascii";
  #hasBom = false;
  #isAtStart = true;
  #invalidUtf8Blocks = 0;
  #linesOut = 0;
  /** Bytes after the last newline seen, in arrival order. */
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;

  get encoding(): DetectedEncoding {
    return this.#encoding;
  }

  get hasBom(): boolean {
    return this.#hasBom;
  }

  /** Blocks of a UTF-8 file that held invalid sequences (decoded as U+FFFD). */
  get invalidUtf8Blocks(): number {
    return this.#invalidUtf8Blocks;
  }

  /** The complete lines `chunk` finishes; the rest waits for the next chunk or {@link end}. */
  push(chunk: Uint8Array): string[] {
    if (!this.#isAtStart) return this.#pushBytes(chunk);
    // The BOM may arrive split over several tiny chunks: wait for 3 bytes.
    this.#keep(chunk);
    if (this.#pendingBytes < 3) return [];
    return this.#pushBytes(this.#stripBom(this.#takePending()));
  }

  /** The last line when the file does not end with a newline (or nothing). */
  end(): string[] {
    const lines = this.#isAtStart ? this.#pushBytes(this.#stripBom(this.#takePending())) : [];
    const rest = this.#takePending();
    if (rest.byteLength > 0) lines.push(...this.#decodeLines(rest));
    return lines;
  }

  #pushBytes(bytes: Uint8Array): string[] {
    const lastNewline = bytes.lastIndexOf(NEWLINE);
    if (lastNewline === -1) {
      this.#keep(bytes);
      return [];
    }
    let block = bytes.subarray(0, lastNewline);
    if (this.#pendingBytes > 0) {
      this.#pending.push(block);
      this.#pendingBytes += block.byteLength;
      block = this.#takePending();
    }
    this.#keep(bytes.subarray(lastNewline + 1));
    return this.#decodeLines(block);
  }

  #keep(bytes: Uint8Array): void {
    if (bytes.byteLength === 0) return;
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.byteLength;
    if (this.#pendingBytes > MAX_LINE_BYTES) throw new LineTooLongError(this.#linesOut + 1);
  }

  #takePending(): Uint8Array {
    const pending = this.#pending;
    const bytes = pending.length === 1 ? pending[0]! : Buffer.concat(pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    return bytes;
  }

  #stripBom(bytes: Uint8Array): Uint8Array {
    this.#isAtStart = false;
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
      this.#hasBom = true;
      this.#encoding = "utf-8";
      return bytes.subarray(3);
    }
    return bytes;
  }

  #decodeLines(block: Uint8Array): string[] {
    const lines = this.#decode(block).split("\n");
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.charCodeAt(line.length - 1) === CARRIAGE_RETURN) lines[i] = line.slice(0, -1);
    }
    this.#linesOut += lines.length;
    return lines;
  }

  #decode(block: Uint8Array): string {
    if (this.#encoding === "windows-1252") return decodeWindows1252(block);
    let text: string;
    try {
      text = strictUtf8.decode(block);
    } catch {
      if (this.#encoding === "ascii") {
        this.#encoding = "windows-1252";
        return decodeWindows1252(block);
      }
      this.#invalidUtf8Blocks++;
      return lenientUtf8.decode(block);
    }
    // Valid UTF-8 with any multi-byte character decodes to fewer UTF-16 units than bytes.
    if (this.#encoding === "ascii" && text.length !== block.byteLength) this.#encoding = "utf-8";
    return text;
  }
}
