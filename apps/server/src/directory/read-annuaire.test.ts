import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { after, before, describe, test } from "node:test";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import fc from "fast-check";
import { normalizeHeader } from "./header-normalization.ts";
import {
  AnnuaireErrorCode,
  type AnnuaireFileSummary,
  AnnuaireImportError,
  type AnnuaireItem,
  type AnnuaireRecord,
  type AnnuaireRowRejection,
  type PracticeSituationRecord,
  parseAnnuaireStream,
  readAnnuaire,
  type SavoirFaireRecord,
} from "./index.ts";
import { readAnnuaireBatches } from "./read-annuaire.ts";
import {
  collect,
  encodeWindows1252,
  makeTempDir,
  mapTable,
  OLD_PERSONNE_ACTIVITE,
  SPLIT_PERSONNE_ACTIVITE,
  SPLIT_SAVOIR_FAIRE,
  splitLines,
  writeZip,
} from "./test-support.ts";

const oldText = readFileSync(OLD_PERSONNE_ACTIVITE, "utf8");
const splitText = readFileSync(SPLIT_PERSONNE_ACTIVITE, "utf8");
const savoirFaireText = readFileSync(SPLIT_SAVOIR_FAIRE, "utf8");
const OLD_NAME = path.basename(OLD_PERSONNE_ACTIVITE);
const SPLIT_NAME = path.basename(SPLIT_PERSONNE_ACTIVITE);
const SAVOIR_FAIRE_NAME = path.basename(SPLIT_SAVOIR_FAIRE);

let tmp: Awaited<ReturnType<typeof makeTempDir>>;
before(async () => {
  tmp = await makeTempDir();
});
after(async () => {
  await tmp.remove();
});

/** Writes `data` under `name` in the temp dir and returns its path. */
async function tempFile(name: string, data: string | Uint8Array): Promise<string> {
  const file = path.join(tmp.dir, name);
  await writeFile(file, data);
  return file;
}

/** Reads with every hook recorded. */
async function readAll(paths: string | string[]) {
  const summaries: AnnuaireFileSummary[] = [];
  const skipped: string[] = [];
  const items = await collect(
    readAnnuaire(paths, {
      onFileEnd: (summary) => summaries.push(summary),
      onSkippedFile: (source) => skipped.push(source),
    }),
  );
  return {
    items,
    records: items.filter((item): item is AnnuaireRecord => item.kind !== "rejection"),
    rejections: items.filter((item): item is AnnuaireRowRejection => item.kind === "rejection"),
    summaries,
    skipped,
  };
}

/** Parses bytes held in memory, cut into chunks of `chunkSize`. */
function parseBytes(bytes: Uint8Array, source: string, chunkSize = 64 * 1024): AsyncGenerator<AnnuaireItem> {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.byteLength; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  return parseAnnuaireStream(Readable.from(chunks), { source });
}

/** Records without their source, to compare the same rows read from differently shaped files. */
function bare(items: readonly AnnuaireItem[]): unknown[] {
  return items.map(({ source: _source, ...rest }) => rest);
}

function practiceRecords(items: readonly AnnuaireItem[]): PracticeSituationRecord[] {
  return items.filter((item): item is PracticeSituationRecord => item.kind === "practice_situation");
}

const expectedFirstOldRecord: PracticeSituationRecord = {
  kind: "practice_situation",
  source: OLD_PERSONNE_ACTIVITE,
  line: 2,
  nationalId: "810434640974",
  idType: "RPPS",
  identifier: "10434640974",
  practiceCivility: { code: "M", label: "Monsieur" },
  civility: { code: "M", label: "Monsieur" },
  lastName: "ROBERT",
  firstName: "Léa",
  profession: { code: "50", label: "Sage-femme" },
  category: { code: "C", label: "Civil" },
  specialty: null,
  practiceMode: { code: "L", label: "Libéral" },
  structure: {
    siret: null,
    siren: null,
    finessSite: null,
    finessLegalEntity: null,
    technicalId: "R10544854973",
    legalName: "CABINET ROBERT",
    tradeName: null,
    address: {
      recipientComplement: null,
      locationComplement: null,
      streetNumber: "28",
      repetitionIndex: null,
      streetType: { code: null, label: "rue" },
      streetName: "de la République",
      distributionMention: null,
      cedexOffice: null,
      postalCode: "21000",
      commune: { code: "21231", label: "DIJON" },
      country: { code: "99100", label: "France" },
    },
    phone: "0311535642",
    phone2: null,
    fax: null,
    email: null,
    departement: { code: "21", label: "Côte-d'Or" },
    formerId: null,
    registrationAuthority: "RPPS",
  },
  sector: { code: "SA07", label: "Cabinet individuel" },
  pharmacistSection: null,
  role: null,
  activityGenre: null,
};

describe("the older layout (specialties in the rows, UTF-8, CRLF)", () => {
  test("gives one record per practice situation, none rejected", async () => {
    const { records, rejections, summaries } = await readAll(OLD_PERSONNE_ACTIVITE);
    assert.equal(records.length, 60);
    assert.deepEqual(rejections, []);
    assert.deepEqual(summaries, [
      {
        source: OLD_PERSONNE_ACTIVITE,
        kind: "personne_activite",
        encoding: "utf-8",
        hasBom: false,
        lines: 61,
        records: 60,
        rejections: 0,
        invalidUtf8Blocks: 0,
      },
    ]);
    assert.deepEqual(records[0], expectedFirstOldRecord);
    assert.deepEqual(
      records.map((r) => r.line),
      Array.from({ length: 60 }, (_, i) => i + 2),
    );
  });

  test("reads the specialty, the Corsican structure and both practices of one person", async () => {
    const records = practiceRecords((await readAll(OLD_PERSONNE_ACTIVITE)).records);
    const bonnet = records.find((r) => r.nationalId === "810582029384");
    assert.deepEqual(bonnet?.specialty, {
      typeCode: "S",
      typeLabel: "Spécialité ordinale",
      code: "SM54",
      label: "Médecine générale",
    });
    assert.deepEqual(bonnet?.practiceCivility, { code: "DR", label: "Docteur" });

    const thomas = records.find((r) => r.nationalId === "810760130327");
    assert.equal(thomas?.structure.finessSite, "2A4132641");
    assert.deepEqual(thomas?.structure.address.commune, { code: "2A004", label: "AJACCIO" });
    assert.deepEqual(thomas?.structure.departement, { code: "2A", label: "Corse-du-Sud" });

    const leroy = records.filter((r) => r.nationalId === "810785900399");
    assert.deepEqual(
      leroy.map((r) => [r.line, r.specialty?.code, r.structure.technicalId]),
      [
        [4, "SM54", "R10331229838"],
        [5, "SM04", "R10104615284"],
      ],
    );
  });
});

describe("the newer layout (other spellings, appended columns, LF, SavoirFaire file)", () => {
  test("Personne_activite rows carry no specialty; renamed columns are still read", async () => {
    const { records, rejections, summaries } = await readAll(SPLIT_PERSONNE_ACTIVITE);
    const practices = practiceRecords(records);
    assert.equal(practices.length, 40);
    assert.deepEqual(rejections, []);
    assert.equal(summaries[0]?.kind, "personne_activite");
    for (const r of practices) {
      assert.equal(r.specialty, null);
      assert.notEqual(r.practiceCivility?.label, null, "from 'Libellé civilité exercice'");
      assert.notEqual(r.structure.departement?.code, null, "from 'Code département (coord. structure)'");
    }
    assert.deepEqual(practices[0]?.structure.departement, { code: "89", label: "Yonne" });
    assert.deepEqual(practices[0]?.practiceCivility, { code: "M", label: "Monsieur" });
  });

  test("SavoirFaire rows give the specialties, joined on the national id", async () => {
    const { records, rejections, summaries } = await readAll(SPLIT_SAVOIR_FAIRE);
    assert.deepEqual(rejections, []);
    assert.equal(summaries[0]?.kind, "savoir_faire");
    assert.equal(records.length, 12);
    assert.deepEqual(records[0], {
      kind: "savoir_faire",
      source: SPLIT_SAVOIR_FAIRE,
      line: 2,
      nationalId: "810373343929",
      idType: "RPPS",
      identifier: "10373343929",
      savoirFaire: {
        typeCode: "S",
        typeLabel: "Spécialité ordinale",
        code: "SM04",
        label: "Cardiologie et maladies vasculaires",
      },
    } satisfies SavoirFaireRecord);
    const practiceIds = new Set(
      practiceRecords((await readAll(SPLIT_PERSONNE_ACTIVITE)).records).map((r) => r.nationalId),
    );
    for (const r of records) assert.ok(practiceIds.has(r.nationalId), r.nationalId);
  });
});

/** Header spellings a release could use for the same column. */
const headerVariant = fc.constantFrom(
  (h: string) => h,
  (h: string) => h.toUpperCase(),
  (h: string) => h.normalize("NFD").replace(/[\u0300-\u036f]/g, ""),
  (h: string) => h.replaceAll("d'", "").replaceAll("  ", " "),
  (h: string) => h.replaceAll("'", "’"),
  (h: string) => h.replace("(coord. structure)", "(structure)").replace("(structure)", "(coord. Structure)"),
  (h: string) => h.replaceAll(" ", "  ").replaceAll("-", " "),
);

describe("column drift", () => {
  test("any column order, header spelling and unknown extra columns give the same records", async () => {
    const expected = bare(await collect(parseBytes(Buffer.from(oldText), OLD_NAME)));
    const table = splitLines(oldText).map((line) => line.split("|"));
    const width = (table[0]?.length ?? 1) - 1; // the trailing empty field stays last
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(
          Array.from({ length: width }, (_, i) => i),
          { minLength: width },
        ),
        fc.array(headerVariant, { minLength: width, maxLength: width }),
        fc.array(fc.integer({ min: 0, max: width }), { maxLength: 3 }),
        async (order, variants, extraAt) => {
          const rows = table.map((fields, rowIndex) => {
            const out = order.map((i) => {
              const value = fields[i] ?? "";
              return rowIndex === 0 ? (variants[i] ?? String)(value) : value;
            });
            for (const at of extraAt) out.splice(at, 0, rowIndex === 0 ? `Colonne ajoutée ${at}` : `x${at}`);
            return [...out, ""];
          });
          const text = `${rows.map((fields) => fields.join("|")).join("\r\n")}\r\n`;
          const items = await collect(parseBytes(Buffer.from(text), OLD_NAME));
          assert.deepEqual(bare(items), expected);
        },
      ),
      { numRuns: 25 },
    );
  });

  test("the variant spellings used above do normalise alike", () => {
    for (const header of splitLines(oldText)[0]?.split("|") ?? []) {
      for (const variant of fc.sample(headerVariant, 20)) {
        assert.equal(
          normalizeHeader(variant(header)),
          normalizeHeader(header),
          `${header} / ${variant(header)}`,
        );
      }
    }
  });

  test("a missing required column fails the whole file with a message naming it", async () => {
    const without = mapTable(
      oldText,
      (rows) => rows.map((fields) => fields.filter((_, i) => i !== 1)),
      "\r\n",
    );
    assert.match(splitLines(oldText)[0] ?? "", /^Type d'identifiant PP\|Identifiant PP\|/);
    const file = await tempFile(OLD_NAME, without);
    const seen: AnnuaireItem[] = [];
    await assert.rejects(
      async () => {
        for await (const item of readAnnuaire(file)) seen.push(item);
      },
      (error: unknown) => {
        assert.ok(error instanceof AnnuaireImportError);
        assert.equal(error.code, AnnuaireErrorCode.MISSING_COLUMN);
        assert.ok(
          error.message.startsWith(`importAnnuaire: missing column "Identifiant PP" in ${file}`),
          error.message,
        );
        return true;
      },
    );
    assert.deepEqual(seen, []);
  });

  test("a missing optional column reads as null, the rest unchanged", async () => {
    const faxIndex = splitLines(oldText)[0]?.split("|").indexOf("Télécopie (coord. structure)") ?? -1;
    assert.notEqual(faxIndex, -1);
    const without = mapTable(oldText, (rows) =>
      rows.map((fields) => fields.filter((_, i) => i !== faxIndex)),
    );
    const items = await collect(parseBytes(Buffer.from(without), OLD_NAME));
    assert.deepEqual(bare(items), bare(await collect(parseBytes(Buffer.from(oldText), OLD_NAME))));
  });
});

describe("encodings and line ends", () => {
  const reference = () => collect(parseBytes(Buffer.from(oldText), OLD_NAME));

  test("Latin-1 (windows-1252) gives the same records as UTF-8", async () => {
    const file = await tempFile(OLD_NAME, encodeWindows1252(oldText));
    const { items, summaries } = await readAll(file);
    assert.deepEqual(bare(items), bare(await reference()));
    assert.equal(summaries[0]?.encoding, "windows-1252");
    assert.ok(practiceRecords(items).some((r) => r.firstName === "Clémence"));
  });

  test("Latin-1 read in tiny chunks gives the same records", async () => {
    const items = await collect(parseBytes(encodeWindows1252(oldText), OLD_NAME, 7));
    assert.deepEqual(bare(items), bare(await reference()));
  });

  test("UTF-8 cut inside multi-byte characters and CRLF pairs gives the same records", async () => {
    for (const chunkSize of [1, 2, 3, 5, 1000]) {
      const items = await collect(parseBytes(Buffer.from(oldText), OLD_NAME, chunkSize));
      assert.deepEqual(bare(items), bare(await reference()), `chunks of ${chunkSize}`);
    }
  });

  test("a BOM and LF line ends give the same records", async () => {
    const lf = oldText.replaceAll("\r\n", "\n");
    assert.notEqual(lf, oldText);
    const file = await tempFile(OLD_NAME, `\uFEFF${lf}`);
    const { items, summaries } = await readAll(file);
    assert.deepEqual(bare(items), bare(await reference()));
    assert.equal(summaries[0]?.hasBom, true);
    assert.equal(summaries[0]?.encoding, "utf-8");
  });

  test("CRLF and no final line end give the same records as the LF original", async () => {
    const crlf = splitText.replaceAll("\n", "\r\n").replace(/\r\n$/, "");
    const items = await collect(parseBytes(Buffer.from(crlf), SPLIT_NAME, 100));
    assert.deepEqual(bare(items), bare(await collect(parseBytes(Buffer.from(splitText), SPLIT_NAME))));
    assert.equal(items.length, 40);
  });
});

describe("zip archives", () => {
  test("a published-style zip: SavoirFaire first, then Personne_activite; other entries skipped", async () => {
    const folder = "PS_LibreAcces_202611150000";
    const zip = path.join(tmp.dir, "PS_LibreAcces_202611150000.zip");
    await writeZip(zip, [
      { name: `${folder}/${SPLIT_NAME}`, data: Buffer.from(splitText) },
      {
        name: `${folder}/PS_LibreAcces_Dipl_AutExerc_202611150000.txt`,
        data: Buffer.from("Type|Diplôme|\n"),
      },
      { name: `${folder}/${SAVOIR_FAIRE_NAME}`, data: Buffer.from(savoirFaireText) },
      { name: `${folder}/LISEZMOI.txt`, data: Buffer.from("hello\n") },
    ]);
    const { items, rejections, summaries, skipped } = await readAll(zip);
    assert.deepEqual(rejections, []);
    assert.deepEqual(
      items.map((item) => item.kind),
      [...Array(12).fill("savoir_faire"), ...Array(40).fill("practice_situation")],
    );
    assert.deepEqual(
      summaries.map((s) => [s.source, s.kind, s.records]),
      [
        [`${zip}/${folder}/${SAVOIR_FAIRE_NAME}`, "savoir_faire", 12],
        [`${zip}/${folder}/${SPLIT_NAME}`, "personne_activite", 40],
      ],
    );
    assert.deepEqual(skipped, [
      `${zip}/${folder}/PS_LibreAcces_Dipl_AutExerc_202611150000.txt`,
      `${zip}/${folder}/LISEZMOI.txt`,
    ]);
    const direct = await collect(readAnnuaire([SPLIT_SAVOIR_FAIRE, SPLIT_PERSONNE_ACTIVITE]));
    assert.deepEqual(bare(items), bare(direct));
  });

  test("a deflated zip of a Latin-1 file, whatever its name, gives the same records", async () => {
    const zip = path.join(tmp.dir, "download.bin");
    await writeZip(zip, [{ name: OLD_NAME, data: encodeWindows1252(oldText) }], "deflate");
    const { items, summaries } = await readAll(zip);
    assert.deepEqual(bare(items), bare(await collect(parseBytes(Buffer.from(oldText), OLD_NAME))));
    assert.equal(summaries[0]?.encoding, "windows-1252");
  });

  test("a zip without an extraction file fails clearly", async () => {
    const zip = path.join(tmp.dir, "empty-extraction.zip");
    await writeZip(zip, [{ name: "notes.txt", data: Buffer.from("nothing\n") }]);
    await assert.rejects(collect(readAnnuaire(zip)), {
      name: "AnnuaireImportError",
      code: AnnuaireErrorCode.NOTHING_TO_READ,
      message: `importAnnuaire: ${zip} holds no PS_LibreAcces Personne_activite or SavoirFaire file`,
    });
  });

  test("in batches: what `visit` made of the same records, and the same rejections, line numbers and summaries", async () => {
    const [header, ...rows] = splitLines(oldText);
    // A row cut short, a blank line and a row whose national id fails its key, between good rows.
    rows[3] = rows[3]!.split("|").slice(0, 10).join("|");
    rows.splice(7, 0, "");
    rows[12] = rows[12]!.replace(
      /\|(8\d{11})\|/,
      (_, id: string) => `|${id.slice(0, -1)}${(Number(id.at(-1)) + 1) % 10}|`,
    );
    const zip = path.join(tmp.dir, "batches.zip");
    await writeZip(
      zip,
      [
        { name: OLD_NAME, data: encodeWindows1252(`${[header, ...rows].join("\r\n")}\r\n`) },
        { name: SAVOIR_FAIRE_NAME, data: Buffer.from(savoirFaireText) },
      ],
      "deflate",
    );
    const oneByOne = await readAll(zip);
    assert.equal(oneByOne.rejections.length, 2);
    const visit = (record: AnnuaireRecord) => `${record.line}:${record.nationalId}:${record.kind}`;
    const expected = oneByOne.items.map((item) => (item.kind === "rejection" ? item : visit(item)));

    const summaries: AnnuaireFileSummary[] = [];
    const batched = (
      await collect(readAnnuaireBatches(zip, { onFileEnd: (s) => summaries.push(s) }, visit))
    ).flat();
    assert.deepEqual(batched, expected);
    assert.deepEqual(summaries, oneByOne.summaries);

    const rejected: AnnuaireRowRejection[] = [];
    const visited = (
      await collect(readAnnuaireBatches(zip, { onRejection: (r) => rejected.push(r) }, visit))
    ).flat();
    assert.deepEqual(
      visited,
      expected.filter((item) => typeof item === "string"),
    );
    assert.deepEqual(rejected, oneByOne.rejections);
  });

  test("leaving the loop early closes the archive and the file can be read again", async () => {
    const zip = path.join(tmp.dir, "early-exit.zip");
    await writeZip(zip, [{ name: OLD_NAME, data: Buffer.from(oldText) }], "deflate");
    let count = 0;
    for await (const _ of readAnnuaire(zip)) {
      if (++count === 3) break;
    }
    assert.equal(count, 3);
    assert.equal((await collect(readAnnuaire(zip))).length, 60);
  });
});

describe("rows that cannot be read", () => {
  /** The old fixture with broken rows at known lines, a blank line and an extra `|`. */
  function brokenFile(): { text: string; expected: { line: number; code: string }[] } {
    const lines = splitLines(oldText);
    const edit = (lineNumber: number, change: (fields: string[]) => string[]) => {
      lines[lineNumber - 1] = change((lines[lineNumber - 1] ?? "").split("|")).join("|");
    };
    const flipKey = (id: string) => id.slice(0, -1) + String((Number(id.slice(-1)) + 1) % 10);
    edit(3, (f) => f.slice(0, -2).concat("")); // one field short
    edit(5, (f) => [f[0] ?? "", flipKey(f[1] ?? ""), flipKey(f[2] ?? ""), ...f.slice(3)]); // RPPS key
    edit(7, (f) => [f[0] ?? "", "", ...f.slice(2)]); // no Identifiant PP
    edit(9, (f) => [f[0] ?? "", f[1] ?? "", `3${(f[2] ?? "").slice(1)}`, ...f.slice(3)]); // prefix 3
    edit(11, (f) => [f[0] ?? "", "10434640974", ...f.slice(2)]); // someone else's RPPS
    edit(13, (f) => ["0", ...f.slice(1)]); // says ADELI, is RPPS
    edit(15, (f) => [...f.slice(0, 8), "DU|PONT", ...f.slice(9)]); // a "|" inside a value
    edit(17, (f) => [f[0] ?? "", f[1] ?? "", "", ...f.slice(3)]); // no national id
    lines.splice(20, 0, ""); // a blank line: line 21, skipped; later rows keep their physical numbers
    return {
      text: `${lines.join("\r\n")}\r\n`,
      expected: [
        { line: 3, code: "ANNUAIRE_ROW_FIELD_COUNT" },
        { line: 5, code: "NATIONAL_ID_INVALID_KEY" },
        { line: 7, code: "ANNUAIRE_ROW_MISSING_IDENTIFIER" },
        { line: 9, code: "NATIONAL_ID_INVALID_PREFIX" },
        { line: 11, code: "ANNUAIRE_ROW_IDENTIFIER_MISMATCH" },
        { line: 13, code: "ANNUAIRE_ROW_IDENTIFIER_MISMATCH" },
        { line: 15, code: "ANNUAIRE_ROW_FIELD_COUNT" },
        { line: 17, code: "ANNUAIRE_ROW_MISSING_IDENTIFIER" },
      ],
    };
  }

  test("are reported with their line number through the iterator, and the good rows still come", async () => {
    const { text, expected } = brokenFile();
    const file = await tempFile(OLD_NAME, text);
    const { records, rejections, summaries } = await readAll(file);
    assert.deepEqual(
      rejections.map(({ line, code }) => ({ line, code })),
      expected,
    );
    for (const r of rejections) {
      assert.equal(r.source, file);
      assert.ok(r.reason.startsWith(`importAnnuaire: line ${r.line} of ${file}: `), r.reason);
    }
    assert.equal(records.length, 60 - expected.length);
    assert.equal(records.at(-1)?.line, 62, "the blank line counts as a line");
    assert.ok(records.every((r) => !expected.some((e) => e.line === r.line)));
    assert.deepEqual(
      summaries.map((s) => [s.lines, s.records, s.rejections]),
      [[62, 52, 8]],
    );
    assert.match(rejections[0]?.reason ?? "", /52 fields where the header has 53/);
    assert.match(
      rejections[1]?.reason ?? "",
      /checkNationalId: the RPPS number inside has a wrong check digit/,
    );
  });

  test("go to onRejection instead when it is given", async () => {
    const { text, expected } = brokenFile();
    const rejected: AnnuaireRowRejection[] = [];
    const items = await collect(
      parseAnnuaireStream(Readable.from([Buffer.from(text)]), {
        source: OLD_NAME,
        onRejection: (r) => rejected.push(r),
      }),
    );
    assert.ok(items.every((item) => item.kind === "practice_situation"));
    assert.equal(items.length, 52);
    assert.deepEqual(
      rejected.map((r) => r.line),
      expected.map((e) => e.line),
    );
  });

  test("a SavoirFaire row without a savoir-faire code is rejected", async () => {
    const text = mapTable(savoirFaireText, (rows) =>
      rows.map((fields, i) => (i === 2 ? fields.map((v, j) => (j === 11 ? "" : v)) : fields)),
    );
    const items = await collect(parseBytes(Buffer.from(text), SAVOIR_FAIRE_NAME));
    const rejections = items.filter((item) => item.kind === "rejection");
    assert.deepEqual(
      rejections.map((r) => [r.line, r.code]),
      [[3, "ANNUAIRE_ROW_MISSING_SAVOIR_FAIRE"]],
    );
    assert.equal(items.length, 12);
  });
});

describe("which file is which", () => {
  test("a file with another name is recognised by its header", async () => {
    const file = await tempFile("export-1.txt", savoirFaireText);
    const { records, summaries } = await readAll(file);
    assert.equal(records.length, 12);
    assert.equal(summaries[0]?.kind, "savoir_faire");
  });

  test("a file neither its name nor its header identifies fails clearly", async () => {
    const file = await tempFile("export-2.txt", "Nom|Prénom|\nDUPONT|Jean|\n");
    await assert.rejects(collect(readAnnuaire(file)), {
      code: AnnuaireErrorCode.UNKNOWN_FILE,
      message: `importAnnuaire: cannot tell which extraction file ${file} is: expected a PS_LibreAcces Personne_activite or SavoirFaire file (by its name or its header row)`,
    });
  });

  test("the diplomas file is skipped, an empty file fails", async () => {
    const dipl = await tempFile("PS_LibreAcces_Dipl_AutExerc_202611150000.txt", "a|b|\n");
    const { items, skipped } = await readAll(dipl);
    assert.deepEqual([items, skipped], [[], [dipl]]);
    const empty = await tempFile(SAVOIR_FAIRE_NAME, "\uFEFF\r\n");
    await assert.rejects(collect(readAnnuaire(empty)), { code: AnnuaireErrorCode.EMPTY_FILE });
  });
});

describe("size", () => {
  test("a 300,000-row file streams through without being held in memory", async () => {
    const [header, ...rows] = splitLines(oldText);
    const block = `${rows.join("\n")}\n`;
    const copies = 5000; // 60 rows each
    const file = path.join(tmp.dir, OLD_NAME);
    await writeFile(file, `${header}\n${block.repeat(copies)}`);
    const fileBytes = Buffer.byteLength(block) * copies;
    // Measure what stays reachable (heap after a full GC), not what the GC has yet to collect.
    v8.setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    let retained = 0;
    let count = 0;
    const started = performance.now();
    for await (const item of readAnnuaire(file)) {
      assert.notEqual(item.kind, "rejection");
      if (++count % 100_000 === 0) {
        gc();
        retained = Math.max(retained, process.memoryUsage().heapUsed - heapBefore);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    assert.equal(count, 60 * copies);
    assert.ok(
      retained < 16 * 1024 * 1024,
      `${retained} bytes stayed reachable while reading ${fileBytes} bytes`,
    );
    assert.ok(seconds < 30, `took ${seconds.toFixed(1)} s`);
  });
});
