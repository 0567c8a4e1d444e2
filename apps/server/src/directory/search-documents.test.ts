import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { professionalDocument, withoutCivilities } from "./search-documents.ts";

describe("search documents", () => {
  test("a document holds names, professions, places and specialties, folded; no civility", () => {
    const document = professionalDocument({
      lastName: "LEFÈVRE",
      firstName: "Léa",
      situations: [
        {
          professionLabel: "Médecin",
          establishment: {
            name: "CENTRE HOSPITALIER",
            tradeName: null,
            communeLabel: "AUXERRE",
            postalCode: "89000",
            departementCode: "89",
            departementLabel: "Yonne",
          },
        },
        { professionLabel: "Médecin", establishment: null },
      ],
      specialties: [{ label: "Cardiologie et maladies vasculaires" }],
    });
    assert.equal(
      document,
      "lefevre lea medecin centre hospitalier auxerre 89000 89 yonne cardiologie et maladies vasculaires",
    );
  });

  test("civilities leave a query, unless they are all of it", () => {
    assert.deepEqual(withoutCivilities(["dr", "le", "gall"]), ["le", "gall"]);
    assert.deepEqual(withoutCivilities(["mme", "martin", "docteur"]), ["martin"]);
    assert.deepEqual(withoutCivilities(["madame", "monsieur", "mr", "mlle", "pr", "professeur", "x"]), ["x"]);
    // Starts of civilities may start names.
    assert.deepEqual(withoutCivilities(["mada", "ma", "doc", "m"]), ["mada", "ma", "doc", "m"]);
    assert.deepEqual(withoutCivilities(["dr"]), ["dr"]);
    assert.deepEqual(withoutCivilities([]), []);
  });
});
