import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { LineDecoder, LineTooLongError, MAX_LINE_BYTES } from "./line-decoder.ts";
import { encodeWindows1252 } from "./test-support.ts";

/** Feeds `bytes` to a decoder in chunks cut at `cuts` (sorted offsets) and returns all lines. */
function decodeInChunks(
  bytes: Uint8Array,
  cuts: readonly number[],
): { lines: string[]; decoder: LineDecoder } {
  const decoder = new LineDecoder();
  const lines: string[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.byteLength]) {
    lines.push(...decoder.push(bytes.subarray(start, cut)));
    start = cut;
  }
  lines.push(...decoder.end());
  return { lines, decoder };
}

const cutsOf = (length: number) =>
  fc
    .uniqueArray(fc.integer({ min: 0, max: length }), { maxLength: 12 })
    .map((cuts) => cuts.sort((a, b) => a - b));

/** Lines without line breaks; `unit` picks the characters. */
const linesOf = (unit: fc.Arbitrary<string>) =>
  fc
    .array(fc.string({ unit, maxLength: 30 }), { minLength: 1, maxLength: 8 })
    .filter((lines) => lines.join("") !== "");

const anyChar = fc
  .string({ unit: "binary", minLength: 1, maxLength: 1 })
  .filter((c) => c !== "\n" && c !== "\r" && c !== "\uFEFF");
const latin1Char = fc
  .integer({ min: 0x20, max: 0xff })
  .filter((code) => code < 0x7f || code > 0x9f)
  .map((code) => String.fromCharCode(code));

function join(lines: readonly string[], lineEnd: string, hasFinalNewline: boolean): string {
  return lines.join(lineEnd) + (hasFinalNewline ? lineEnd : "");
}

describe("LineDecoder", () => {
  test("UTF-8: any lines, LF or CRLF, any chunking, with or without BOM, come back intact", () => {
    fc.assert(
      fc.property(
        linesOf(anyChar),
        fc.constantFrom("\n", "\r\n"),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: 1000 }),
        (lines, lineEnd, hasFinalNewline, hasBom, seed) => {
          // Without a final line end, a last empty line cannot be told from no line at all.
          fc.pre(hasFinalNewline || lines.at(-1) !== "");
          const text = join(lines, lineEnd, hasFinalNewline);
          const body = Buffer.from(text, "utf8");
          const bytes = hasBom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]) : body;
          const cuts = fc.sample(cutsOf(bytes.length), { numRuns: 1, seed })[0] ?? [];
          const { lines: out, decoder } = decodeInChunks(bytes, cuts);
          assert.deepEqual(out, lines);
          assert.equal(decoder.hasBom, hasBom);
          const isAscii = body.length === text.length;
          assert.equal(decoder.encoding, hasBom || !isAscii ? "utf-8" : "ascii");
          assert.equal(decoder.invalidUtf8Blocks, 0);
        },
      ),
    );
  });

  test("Latin-1: any lines of Latin-1 characters, any chunking, come back intact as windows-1252", () => {
    fc.assert(
      fc.property(
        linesOf(latin1Char),
        fc.constantFrom("\n", "\r\n"),
        fc.boolean(),
        fc.integer({ min: 0, max: 1000 }),
        (lines, lineEnd, hasFinalNewline, seed) => {
          fc.pre(hasFinalNewline || lines.at(-1) !== "");
          const text = join(lines, lineEnd, hasFinalNewline);
          const bytes = encodeWindows1252(text);
          // A line of Latin-1 that happens to be valid UTF-8 (like "Ã©") cannot be told apart: leave it out.
          fc.pre(lines.every((line) => /^[\x00-\x7f]*$/.test(line) || !isValidUtf8(encodeWindows1252(line))));
          const cuts = fc.sample(cutsOf(bytes.length), { numRuns: 1, seed })[0] ?? [];
          const { lines: out, decoder } = decodeInChunks(bytes, cuts);
          assert.deepEqual(out, lines);
          assert.equal(decoder.encoding, bytes.some((b) => b >= 0x80) ? "windows-1252" : "ascii");
        },
      ),
    );
  });

  test("windows-1252 bytes 0x80-0x9F are read as windows-1252, not as C1 controls", () => {
    const { lines, decoder } = decodeInChunks(encodeWindows1252("Cœur|Œuvre|“5 €”|l’été|\n"), []);
    assert.deepEqual(lines, ["Cœur|Œuvre|“5 €”|l’été|"]);
    assert.equal(decoder.encoding, "windows-1252");
  });

  test("a long ASCII head does not decide: the first Latin-1 byte later switches the file", () => {
    const head = "8|10434640974|ROBERT|\n".repeat(500);
    const bytes = Buffer.concat([
      Buffer.from(head),
      encodeWindows1252("8|10582029384|Clémence|\r\nFRANÇOIS|\n"),
    ]);
    const { lines, decoder } = decodeInChunks(bytes, [100, 4000, 11000]);
    assert.equal(lines.length, 502);
    assert.deepEqual(lines.slice(-2), ["8|10582029384|Clémence|", "FRANÇOIS|"]);
    assert.equal(decoder.encoding, "windows-1252");
  });

  test("a corrupt byte in a UTF-8 file becomes U+FFFD without flipping the file to Latin-1", () => {
    const bytes = Buffer.concat([
      Buffer.from("Léa|\n"),
      Buffer.from([0x41, 0xff, 0x42, 0x0a]),
      Buffer.from("Clémence|\n"),
    ]);
    const { lines, decoder } = decodeInChunks(bytes, [6, 10]);
    assert.deepEqual(lines, ["Léa|", "A\uFFFDB", "Clémence|"]);
    assert.equal(decoder.encoding, "utf-8");
    assert.equal(decoder.invalidUtf8Blocks, 1);
  });

  test("a BOM cut over one-byte chunks is still removed", () => {
    const bytes = Buffer.from("\uFEFFa|b|\r\n", "utf8");
    const { lines, decoder } = decodeInChunks(bytes, [1, 2, 3, 4]);
    assert.deepEqual(lines, ["a|b|"]);
    assert.equal(decoder.hasBom, true);
  });

  test("a line longer than the limit fails with its line number instead of growing without bound", () => {
    const decoder = new LineDecoder();
    decoder.push(Buffer.from("header|\nrow|\n"));
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    assert.throws(
      () => {
        for (let sent = 0; sent <= MAX_LINE_BYTES; sent += chunk.length) decoder.push(chunk);
      },
      (error: unknown) => error instanceof LineTooLongError && error.line === 3,
    );
  });

  test("empty input gives no line", () => {
    assert.deepEqual(decodeInChunks(new Uint8Array(0), []).lines, []);
    assert.deepEqual(decodeInChunks(Buffer.from("\uFEFF"), []).lines, []);
  });
});

function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}
