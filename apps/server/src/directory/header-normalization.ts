/**
 * Column names of the Annuaire Santé extraction drift between releases
 * (`Libellé civilité exercice` / `Libellé civilité d'exercice`, `(coord. Structure)` /
 * `(coord. structure)`, `Code Département (structure)` / `Code département (coord. structure)`).
 * Columns are therefore matched on a normalised form of their header, never on their position.
 */

/**
 * Words that carry no meaning in a column name and come and go between releases: French
 * articles and prepositions (`d'`, `de la`, …) and `coord`, so that "(coord. structure)" and
 * "(structure)" name the same thing. Keep this list short: every word added here makes two more
 * headers look alike (a test checks that the known headers stay distinct).
 */
const FILLER_WORDS: ReadonlySet<string> = new Set(["d", "de", "des", "du", "l", "la", "le", "les", "coord"]);

const COMBINING_MARKS = /[\u0300-\u036f]/g;
/** Latin ligatures that compatibility decomposition leaves alone. */
const LIGATURES = /[œæ]/g;
const LIGATURE_LETTERS: Readonly<Record<string, string>> = { œ: "oe", æ: "ae" };
const NOT_ALPHANUMERIC = /[^a-z0-9]+/;

/**
 * The normalised form of a column header:
 * 1. lower-cased, then Unicode NFKD with combining marks removed (`É` → `e`, `ç` → `c`) and the
 *    ligatures `œ`/`æ` spelled out;
 * 2. split into words on every run of characters other than `a-z` and `0-9` (spaces, `'`, `’`,
 *    `-`, `.`, `(`, `)`, …);
 * 3. filler words dropped (see FILLER_WORDS);
 * 4. the remaining words joined by one space.
 *
 * Runs once per header, not per row, so it may be regex-based.
 *
 * @example
 * normalizeHeader("Libellé civilité d'exercice"); // "libelle civilite exercice"
 * normalizeHeader("Code Département (structure)"); // "code departement structure"
 * normalizeHeader("Code département (coord. structure)"); // "code departement structure"
 */
export function normalizeHeader(header: string): string {
  const words = header
    .toLowerCase()
    .normalize("NFKD")
    .replace(COMBINING_MARKS, "")
    .replace(LIGATURES, (c) => LIGATURE_LETTERS[c] ?? c)
    .split(NOT_ALPHANUMERIC);
  const kept: string[] = [];
  for (const word of words) {
    if (word !== "" && !FILLER_WORDS.has(word)) kept.push(word);
  }
  return kept.join(" ");
}
