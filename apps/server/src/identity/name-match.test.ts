import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { nameKey, namesMatch } from "./name-match.ts";

describe("namesMatch", () => {
  const entry = (lastName: string, firstName: string) => ({ lastName, firstName });

  test("accents, case, hyphens, apostrophes and spaces do not matter", () => {
    assert.ok(namesMatch(entry("lefevre", "GABRIEL"), entry("LEFÈVRE", "Gabriel")));
    assert.ok(namesMatch(entry("Le-Gall", "lucas"), entry("LE GALL", "Lucas")));
    assert.ok(namesMatch(entry("Legall", "Lucas"), entry("LE GALL", "Lucas")));
    assert.ok(namesMatch(entry("O Connor", "Anais"), entry("O'CONNOR", "Anaïs")));
    assert.ok(namesMatch(entry("oconnor", "anaïs"), entry("O’CONNOR", "Anaïs")));
    assert.ok(namesMatch(entry("Ben Said", "Arthur"), entry("BEN SAÏD", "Arthur")));
    assert.ok(namesMatch(entry("Cœur", "Zoé"), entry("COEUR", "Zoe")));
  });

  test("the first name may be the whole first name or a run of its parts", () => {
    const directory = entry("MARTIN", "Jean-Pierre Marie");
    for (const firstName of ["Jean-Pierre Marie", "jean", "Pierre", "jean pierre", "Pierre-Marie", "marie"]) {
      assert.ok(namesMatch(entry("Martin", firstName), directory), firstName);
    }
    for (const firstName of ["Jean-Paul", "Jean Marie", "Pier", "JeanPierreMarieX", "P"]) {
      assert.ok(!namesMatch(entry("Martin", firstName), directory), firstName);
    }
  });

  test("a different last name, or one that only starts the same, does not match", () => {
    assert.ok(!namesMatch(entry("Martine", "Jean"), entry("MARTIN", "Jean")));
    assert.ok(!namesMatch(entry("Mart", "Jean"), entry("MARTIN", "Jean")));
    assert.ok(!namesMatch(entry("Gall", "Lucas"), entry("LE GALL", "Lucas")));
  });

  test("names without a letter never match", () => {
    assert.equal(nameKey("- ' -"), "");
    assert.ok(!namesMatch(entry("---", "Jean"), entry("---", "Jean")));
    assert.ok(!namesMatch(entry("Martin", "'"), entry("MARTIN", "'")));
  });

  test("property: any spelling of the directory's own names matches", () => {
    const letters = fc.constantFrom(..."abcdeéèëfghiïjklmnoôpqrstuüvwxyz");
    const word = fc.array(letters, { minLength: 1, maxLength: 8 }).map((l) => l.join(""));
    const name = fc.array(word, { minLength: 1, maxLength: 3 });
    const separator = fc.constantFrom(" ", "-", "'", "  ");
    fc.assert(
      fc.property(name, name, separator, fc.boolean(), (last, first, sep, upper) => {
        const directory = entry(last.join(" ").toUpperCase(), first.join("-"));
        const typedLast = last.join(sep);
        const typedFirst = first.join(sep);
        return namesMatch(
          entry(upper ? typedLast.toUpperCase() : typedLast, upper ? typedFirst : typedFirst.toUpperCase()),
          directory,
        );
      }),
    );
  });
});
