import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { StagedRows } from "./staged-rows.ts";

type Row = [nationalId: string, payload: string];

/** What the pages must hold: every person once, in id order, with their rows in the order added. */
function expectedPersons(rows: readonly Row[]): [string, string[]][] {
  const byId = new Map<string, string[]>();
  for (const [id, payload] of rows) {
    const payloads = byId.get(id);
    if (payloads) payloads.push(payload);
    else byId.set(id, [payload]);
  }
  return [...byId].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

async function stageAndRead(
  rows: readonly Row[],
  options: { runChars: number; pageRows: number; parent: string },
): Promise<{ pages: Map<string, string[]>[]; runs: number }> {
  const staged = await StagedRows.create(options);
  try {
    for (const [id, payload] of rows) await staged.add(id, payload);
    const pages: Map<string, string[]>[] = [];
    let runs = 0;
    for await (const page of staged.pages(options.pageRows)) {
      if (runs === 0) runs = (await readdir(options.parent, { recursive: true })).length - 1;
      pages.push(page);
    }
    return { pages, runs };
  } finally {
    await staged.close();
  }
}

function checkPages(pages: readonly Map<string, string[]>[], rows: readonly Row[], pageRows: number): void {
  const persons = pages.flatMap((page) => [...page]);
  assert.deepEqual(persons, expectedPersons(rows));
  pages.forEach((page, index) => {
    const size = [...page.values()].reduce((sum, payloads) => sum + payloads.length, 0);
    if (index < pages.length - 1) assert.ok(size >= pageRows, `page ${index} holds ${size} rows`);
    // A page ends at the first person after it is full: without its last person, it was not.
    const last = [...page.values()].at(-1)!.length;
    assert.ok(size - last < pageRows, `page ${index} went on after it was full`);
  });
}

const row = fc.tuple(
  // Few distinct ids, so persons have several rows, scattered through the input and over runs.
  fc.integer({ min: 0, max: 60 }).map((n) => `8${String(n).padStart(11, "0")}`),
  fc.string({ unit: "binary", maxLength: 40 }).filter((text) => !text.includes("\n")),
);

test("StagedRows gives every person's rows together, in id order and in the order added, from memory and from runs", async () => {
  const parent = await mkdtemp(path.join(os.tmpdir(), "confrere-staged-rows-test-"));
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { maxLength: 300 }),
        fc.constantFrom(64, 500, 1_000_000),
        fc.integer({ min: 1, max: 50 }),
        async (rows, runChars, pageRows) => {
          const { pages } = await stageAndRead(rows, { runChars, pageRows, parent });
          checkPages(pages, rows, pageRows);
          assert.deepEqual(await readdir(parent), [], "close() leaves no file behind");
        },
      ),
      { numRuns: 150 },
    );
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
});

test("StagedRows reads runs larger than its read chunks, with accents and rows cut at chunk ends", async () => {
  const parent = await mkdtemp(path.join(os.tmpdir(), "confrere-staged-rows-test-"));
  try {
    const rows: Row[] = [];
    for (let i = 0; i < 30_000; i++) {
      const id = `8${String((i * 7919) % 9001).padStart(11, "0")}`;
      rows.push([id, `P\u001fLEFÈVRE ${i}\u001fÉlodie\u001f${"x".repeat(i % 97)}\u001f😀`]);
    }
    // Runs of about 700,000 characters: many 64 KiB reads each.
    const { pages, runs } = await stageAndRead(rows, { runChars: 700_000, pageRows: 5000, parent });
    assert.ok(runs >= 3, `expected several runs, got ${runs}`);
    checkPages(pages, rows, 5000);
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
});

test("StagedRows refuses a row with a line break, and rows added once reading began", async () => {
  const staged = await StagedRows.create();
  try {
    await assert.rejects(staged.add("800000000001", "P\u001fa\nb"), /line break/);
    await staged.add("800000000001", "P\u001fa");
    const pages = staged.pages(10);
    assert.deepEqual((await pages.next()).value, new Map([["800000000001", ["P\u001fa"]]]));
    await assert.rejects(staged.add("800000000002", "P"), /after reading began/);
  } finally {
    await staged.close();
  }
});

test("StagedRows says where it could not create its temporary files, and what to do", async () => {
  const notADirectory = path.join(
    await mkdtemp(path.join(os.tmpdir(), "confrere-staged-rows-test-")),
    "file",
  );
  await writeFile(notADirectory, "");
  try {
    await assert.rejects(StagedRows.create({ parent: notADirectory }), (error: Error) => {
      assert.match(
        error.message,
        /cannot create the import's temporary files in .*file \(ENOTDIR\): set TMPDIR/,
      );
      return true;
    });
  } finally {
    await rm(path.dirname(notADirectory), { recursive: true, force: true });
  }
});

test("StagedRows says when its temporary files found no room, and what to do", async () => {
  const parent = await mkdtemp(path.join(os.tmpdir(), "confrere-staged-rows-test-"));
  try {
    const staged = await StagedRows.create({ parent, runChars: 100 });
    // Its first run is written to /dev/full, where every write fails with ENOSPC.
    const [dir] = await readdir(parent);
    await symlink("/dev/full", path.join(parent, dir!, "run-0"));
    try {
      await assert.rejects(
        (async () => {
          for (let i = 0; i < 10; i++) await staged.add(`80000000000${i}`, "P\u001fLEFÈVRE\u001fÉlodie");
        })(),
        /no room left for the import's temporary files in .*confrere-staged-rows-test-\w+ \(ENOSPC\).*set TMPDIR/,
      );
    } finally {
      await staged.close();
    }
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
});
