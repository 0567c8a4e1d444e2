import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  type ColumnSpec,
  fileKindFromHeader,
  fileKindFromName,
  mapColumns,
  PERSONNE_ACTIVITE_COLUMNS,
  SAVOIR_FAIRE_COLUMNS,
} from "./annuaire-columns.ts";
import { AnnuaireErrorCode, AnnuaireImportError } from "./annuaire-errors.ts";
import { normalizeHeader } from "./header-normalization.ts";
import {
  OLD_PERSONNE_ACTIVITE,
  SPLIT_PERSONNE_ACTIVITE,
  SPLIT_SAVOIR_FAIRE,
  splitLines,
} from "./test-support.ts";

function headerOf(file: string): string[] {
  const first = splitLines(readFileSync(file, "utf8"))[0] ?? "";
  return first.split("|").filter((h) => h !== "");
}

const specs: readonly ColumnSpec[] = [
  ...Object.values(PERSONNE_ACTIVITE_COLUMNS),
  ...Object.values(SAVOIR_FAIRE_COLUMNS),
];

/** Words made of letters a header may hold, accented ones included. */
const frenchWord = fc.string({
  unit: fc.constantFrom(..."abcdeéèêfghiîjklmnoôpqrstuùvwxyzç0123456789"),
  minLength: 1,
});
const separator = fc.string({
  unit: fc.constantFrom(" ", "'", "’", "-", ".", "(", ")", "_", "/", "\t"),
  minLength: 1,
});

function stripAccents(s: string): string {
  return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "");
}

describe("normalizeHeader", () => {
  test("the drifts seen between releases meet", () => {
    const pairs = [
      ["Libellé civilité exercice", "Libellé civilité d'exercice"],
      ["Indice répétition voie (coord. Structure)", "Indice répétition voie (coord. structure)"],
      ["Code Département (structure)", "Code département (coord. structure)"],
      ["Libellé Département (structure)", "Libellé département (coord. structure)"],
      ["Adresse e-mail (coord. structure)", "ADRESSE E-MAIL  (COORD STRUCTURE)"],
      ["Code genre d'activité", "Code genre d’activité"],
    ] as const;
    for (const [a, b] of pairs) assert.equal(normalizeHeader(a), normalizeHeader(b), `${a} / ${b}`);
    assert.equal(normalizeHeader("Libellé civilité d'exercice"), "libelle civilite exercice");
    assert.equal(normalizeHeader("Code département (coord. structure)"), "code departement structure");
    assert.equal(normalizeHeader("Cœur"), "coeur");
    assert.equal(normalizeHeader(""), "");
    assert.equal(normalizeHeader(" ( ) "), "");
  });

  test("the result holds only a-z, 0-9 and single spaces between words, and is stable", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 60 }), (s) => {
        const n = normalizeHeader(s);
        assert.match(n, /^(?:[a-z0-9]+(?: [a-z0-9]+)*)?$/);
        assert.equal(normalizeHeader(n), n);
      }),
    );
  });

  test("case, accents, punctuation and spacing do not matter", () => {
    fc.assert(
      fc.property(
        fc.array(frenchWord, { minLength: 1, maxLength: 6 }),
        fc.array(separator, { minLength: 7, maxLength: 7 }),
        (words, seps) => {
          const plain = words.join(" ");
          const dressed = `${seps[0]}${words.map((w, i) => w + (seps[i + 1] ?? " ")).join("")}`;
          const expected = normalizeHeader(plain);
          assert.equal(normalizeHeader(dressed), expected);
          assert.equal(normalizeHeader(plain.toUpperCase()), expected);
          assert.equal(normalizeHeader(stripAccents(plain)), expected);
          assert.equal(normalizeHeader(plain.normalize("NFD")), expected);
        },
      ),
    );
  });

  test("elisions, articles and 'coord.' may come and go", () => {
    const filler = fc.constantFrom("d'", "de", "de la", "du", "des", "l'", "(coord.", "coord.", "d’");
    fc.assert(
      fc.property(
        fc.array(frenchWord, { minLength: 1, maxLength: 5 }),
        fc.array(fc.option(filler), { minLength: 6, maxLength: 6 }),
        (words, fillers) => {
          const withFillers = words.flatMap((w, i) => [fillers[i] ?? "", w]).join(" ");
          assert.equal(normalizeHeader(withFillers), normalizeHeader(words.join(" ")));
        },
      ),
    );
  });

  test("the known columns stay distinct once normalised", () => {
    for (const columns of [PERSONNE_ACTIVITE_COLUMNS, SAVOIR_FAIRE_COLUMNS]) {
      const names = Object.values(columns as Record<string, ColumnSpec>).map((spec) =>
        normalizeHeader(spec.header),
      );
      assert.equal(new Set(names).size, names.length, names.join(" / "));
    }
  });
});

describe("mapColumns", () => {
  test("every header of every fixture layout maps to a known column", () => {
    const known = new Set(
      specs.flatMap((spec) => [spec.header, ...(spec.aliases ?? [])]).map(normalizeHeader),
    );
    for (const file of [OLD_PERSONNE_ACTIVITE, SPLIT_PERSONNE_ACTIVITE, SPLIT_SAVOIR_FAIRE]) {
      for (const header of headerOf(file))
        assert.ok(known.has(normalizeHeader(header)), `${file}: ${header}`);
    }
  });

  test("finds each column by name whatever the order, and ignores unknown columns", () => {
    const headers = Object.values(PERSONNE_ACTIVITE_COLUMNS).map((spec) => spec.header);
    const unknown = fc.string({ unit: fc.constantFrom(..."XYZ "), minLength: 1 }).map((s) => `Colonne ${s}`);
    fc.assert(
      fc.property(
        fc.shuffledSubarray(headers, { minLength: headers.length }),
        fc.array(unknown),
        (shuffled, extra) => {
          const all = [...extra, ...shuffled, ""];
          const indexes = mapColumns(PERSONNE_ACTIVITE_COLUMNS, all, "test.txt");
          for (const [field, spec] of Object.entries(PERSONNE_ACTIVITE_COLUMNS)) {
            assert.equal(all[indexes[field as keyof typeof PERSONNE_ACTIVITE_COLUMNS]], spec.header, field);
          }
        },
      ),
    );
  });

  test("an absent optional column maps to -1", () => {
    const indexes = mapColumns(
      SAVOIR_FAIRE_COLUMNS,
      ["Identification nationale PP", "Code savoir-faire", ""],
      "sf.txt",
    );
    assert.deepEqual(indexes, {
      idType: -1,
      identifier: -1,
      nationalId: 0,
      typeCode: -1,
      typeLabel: -1,
      code: 1,
      label: -1,
    });
  });

  test("a missing required column fails with a message naming it", () => {
    const headers = headerOf(OLD_PERSONNE_ACTIVITE).filter((h) => h !== "Identifiant PP");
    assert.throws(
      () => mapColumns(PERSONNE_ACTIVITE_COLUMNS, headers, "PS_LibreAcces_Personne_activite_x.txt"),
      (error: unknown) => {
        assert.ok(error instanceof AnnuaireImportError);
        assert.equal(error.code, AnnuaireErrorCode.MISSING_COLUMN);
        assert.match(
          error.message,
          /^importAnnuaire: missing column "Identifiant PP" in PS_LibreAcces_Personne_activite_x\.txt: /,
        );
        return true;
      },
    );
    assert.throws(
      () => mapColumns(PERSONNE_ACTIVITE_COLUMNS, ["Nom d'exercice"], "x.txt"),
      /^AnnuaireImportError: importAnnuaire: missing columns "Type d'identifiant PP", "Identifiant PP", "Identification nationale PP", "Prénom d'exercice", "Code profession" in x\.txt/,
    );
  });
});

describe("file kind", () => {
  test("from the published file names", () => {
    assert.equal(fileKindFromName("PS_LibreAcces_Personne_activite_202611010000.txt"), "personne_activite");
    assert.equal(fileKindFromName("PS_LibreAcces_SavoirFaire_202611150000.txt"), "savoir_faire");
    assert.equal(fileKindFromName("PS_LibreAcces_Dipl_AutExerc_202611150000.txt"), "ignored");
    assert.equal(fileKindFromName("export.txt"), undefined);
  });

  test("from the header row", () => {
    assert.equal(fileKindFromHeader(headerOf(OLD_PERSONNE_ACTIVITE)), "personne_activite");
    assert.equal(fileKindFromHeader(headerOf(SPLIT_PERSONNE_ACTIVITE)), "personne_activite");
    assert.equal(fileKindFromHeader(headerOf(SPLIT_SAVOIR_FAIRE)), "savoir_faire");
    assert.equal(fileKindFromHeader(["a", "b"]), undefined);
  });
});
