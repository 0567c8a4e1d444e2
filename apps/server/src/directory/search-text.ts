/**
 * The one folding of text used by the directory search, on both stores: the importer folds every
 * searchable value into the index document, the search folds the query the same way. Because the
 * database only ever sees words made of `[a-z0-9]`, SQLite's FTS5 tokenizer and PostgreSQL's
 * `simple` text search configuration cut them identically and both stores return the same rows;
 * and no character of the query can reach FTS5's or tsquery's syntax.
 */

const COMBINING_MARKS = /[\u0300-\u036f]/g;
/** Letters that compatibility decomposition leaves whole. */
const SPECIAL_LETTERS = /[œæßøđłı]/g;
const SPECIAL_LETTER_FOLDS: Readonly<Record<string, string>> = {
  œ: "oe",
  æ: "ae",
  ß: "ss",
  ø: "o",
  đ: "d",
  ł: "l",
  ı: "i",
};
const NOT_WORD = /[^a-z0-9]+/g;
const ASCII_ONLY = /^[\u0000-\u007f]*$/;

/** Words longer than this are left out of documents and queries (no real name is; PostgreSQL drops words over 2 KiB). */
export const MAX_WORD_LENGTH = 60;

/**
 * Lower-cases, removes accents (NFKD, combining marks dropped, `œ` → `oe`, …) and turns every
 * run of other characters into one space.
 *
 * @example
 * foldSearchText("LEFÈVRE"); // "lefevre"
 * foldSearchText("Masseur-kinésithérapeute"); // "masseur kinesitherapeute"
 * foldSearchText("O'CONNOR"); // "o connor"
 */
export function foldSearchText(text: string): string {
  let folded = text.toLowerCase();
  if (!ASCII_ONLY.test(folded)) {
    folded = folded
      .normalize("NFKD")
      .replace(COMBINING_MARKS, "")
      .replace(SPECIAL_LETTERS, (c) => SPECIAL_LETTER_FOLDS[c] ?? c);
  }
  return folded.replace(NOT_WORD, " ").trim();
}

/** Whether `folded` holds a word longer than {@link MAX_WORD_LENGTH} (cheaper than a regex here). */
function hasOverlongWord(folded: string): boolean {
  if (folded.length <= MAX_WORD_LENGTH) return false;
  let run = 0;
  for (let i = 0; i < folded.length; i++) {
    run = folded.charCodeAt(i) === 32 ? 0 : run + 1;
    if (run > MAX_WORD_LENGTH) return true;
  }
  return false;
}

/**
 * The index document of a professional: the folded words of `values`, space-separated (each
 * distinct value once; a word may repeat, which changes nothing to a match).
 *
 * @example
 * searchDocument(["LEFÈVRE", "Gabriel", "Masseur-kinésithérapeute", "JOIGNY"]);
 * // "lefevre gabriel masseur kinesitherapeute joigny"
 */
export function searchDocument(values: Iterable<string | null>): string {
  const distinct = new Set<string>();
  for (const value of values) if (value) distinct.add(value);
  const document = foldSearchText([...distinct].join(" "));
  return hasOverlongWord(document)
    ? document
        .split(" ")
        .filter((word) => word.length <= MAX_WORD_LENGTH)
        .join(" ")
    : document;
}

/** At most this many words of a query are used: each is a prefix lookup in the index. */
export const MAX_QUERY_WORDS = 8;

/**
 * The words of a search query, folded, without duplicates, in their order; each must prefix a
 * word of a matching document.
 *
 * @example
 * queryWords("Cardio  AUXERRE cardio"); // ["cardio", "auxerre"]
 */
export function queryWords(q: string): string[] {
  const words: string[] = [];
  for (const word of foldSearchText(q).split(" ")) {
    if (word !== "" && word.length <= MAX_WORD_LENGTH && !words.includes(word)) words.push(word);
  }
  return words;
}

/**
 * The strings a surname must equal to count as an exact match of the query: every run of
 * consecutive query words ("le gall brest" → "le", "le gall", "le gall brest", "gall", …).
 */
export function surnameCandidates(words: readonly string[]): string[] {
  const candidates: string[] = [];
  for (let start = 0; start < words.length; start++) {
    for (let end = start + 1; end <= words.length; end++) candidates.push(words.slice(start, end).join(" "));
  }
  return candidates;
}
