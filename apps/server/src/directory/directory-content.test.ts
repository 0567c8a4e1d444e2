import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { describe, test } from "node:test";
import fc from "fast-check";
import type { PracticeSituationRecord } from "./annuaire-records.ts";
import { buildProfessional, stageRecord } from "./directory-content.ts";
import { parseAnnuaireStream } from "./read-annuaire.ts";
import {
  foldSearchText,
  MAX_WORD_LENGTH,
  queryWords,
  searchDocument,
  surnameCandidates,
} from "./search-text.ts";
import { collect, OLD_PERSONNE_ACTIVITE } from "./test-support.ts";

describe("search text folding", () => {
  test("accents, case and punctuation fold away", () => {
    assert.equal(foldSearchText("LEFÈVRE"), "lefevre");
    assert.equal(foldSearchText("Masseur-kinésithérapeute"), "masseur kinesitherapeute");
    assert.equal(foldSearchText("O'CONNOR"), "o connor");
    assert.equal(foldSearchText("  BEN SAÏD  "), "ben said");
    assert.equal(foldSearchText("Œdème cœur Ærø straße"), "oedeme coeur aero strasse");
    assert.equal(foldSearchText("Côte-d'Or 2A"), "cote d or 2a");
    assert.equal(foldSearchText('"*:()^-NEAR'), "near");
  });

  test("any text folds to [a-z0-9] words separated by one space, and folding is idempotent", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        const folded = foldSearchText(text);
        assert.match(folded, /^(?:[a-z0-9]+(?: [a-z0-9]+)*)?$/);
        assert.equal(foldSearchText(folded), folded);
      }),
    );
  });

  test("query words are unique, folded and bounded; surname candidates are the runs of words", () => {
    assert.deepEqual(queryWords("Cardio  AUXERRE cardio"), ["cardio", "auxerre"]);
    assert.deepEqual(queryWords(`a ${"x".repeat(MAX_WORD_LENGTH + 1)} b`), ["a", "b"]);
    assert.deepEqual(surnameCandidates(["le", "gall", "brest"]), [
      "le",
      "le gall",
      "le gall brest",
      "gall",
      "gall brest",
      "brest",
    ]);
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (q) => {
        const words = queryWords(q);
        assert.equal(new Set(words).size, words.length);
        for (const word of words) assert.match(word, /^[a-z0-9]{1,60}$/);
      }),
    );
  });

  test("a document leaves out over-long words", () => {
    assert.equal(searchDocument(["Lefèvre", null, "x".repeat(61), "JOIGNY", "Lefèvre"]), "lefevre joigny");
  });
});

describe("building a professional from staged rows", () => {
  const records = collect(
    parseAnnuaireStream(Readable.from([readFileSync(OLD_PERSONNE_ACTIVITE)]), {
      source: "PS_LibreAcces_Personne_activite_202611010000.txt",
    }),
  ).then((items) =>
    items.filter((item): item is PracticeSituationRecord => item.kind === "practice_situation"),
  );

  test("two practice rows make one professional with two situations and two specialties", async () => {
    const rows = (await records).filter((r) => r.nationalId === "810785900399");
    assert.equal(rows.length, 2);
    const content = buildProfessional("810785900399", rows.map(stageRecord));
    assert.ok(content);
    assert.equal(content.lastName, "LEROY");
    assert.equal(content.lastNameKey, "leroy");
    assert.equal(content.idType, "RPPS");
    assert.equal(content.professionLabel, "Médecin");
    assert.deepEqual(
      content.situations.map((s) => [s.key, s.establishment?.communeLabel, s.specialtyCode]),
      [
        ["SR10104615284|10|SM04", "SAINT-DENIS", "SM04"],
        ["SR10331229838|10|SM54", "LE CREUSOT", "SM54"],
      ],
    );
    assert.deepEqual(
      content.specialties.map((s) => s.code),
      ["SM04", "SM54"],
    );
    assert.match(content.document, /\bleroy lea\b/);
    assert.match(content.document, /\bcardiologie\b/);
    assert.match(content.document, /\bsaint denis\b/);
    assert.match(content.document, /\b97400\b/);
  });

  test("the hash and document do not depend on row order, and change with any kept field", async () => {
    const rows = (await records).filter((r) => r.nationalId === "810785900399").map(stageRecord);
    const a = buildProfessional("810785900399", rows)!;
    const b = buildProfessional("810785900399", [...rows].reverse())!;
    assert.equal(a.hash, b.hash);
    assert.equal(a.document, b.document);
    const phoneChanged = rows.map((row) => row.replace("0375748230", "0375748231"));
    assert.notDeepEqual(phoneChanged, rows);
    const changed = buildProfessional("810785900399", phoneChanged)!;
    assert.notEqual(changed.hash, a.hash);
    const withSpecialty = buildProfessional("810785900399", [...rows, "S\u001fSM19\u001fGériatrie\u001fS"])!;
    assert.notEqual(withSpecialty.hash, a.hash);
    assert.deepEqual(
      withSpecialty.specialties.map((s) => s.code),
      ["SM04", "SM19", "SM54"],
    );
    assert.equal(buildProfessional("810785900399", ["S\u001fSM19\u001fGériatrie\u001fS"]), null);
  });
});
