/**
 * PostgreSQL: the first professional ids of every word prefix that neither of its reads answers
 * quickly, written by each directory import, so that a one-word search reads 2,001 ids instead.
 *
 * A prefix matching thousands to hundreds of thousands of documents is slow both ways: GIN
 * collects every match (one heap tuple each, ~3 µs) before the first ids are known, and reading in
 * id order costs 2,001 / share rows (bench/README.md, "Search"). Below a minimum the GIN
 * read is quick; above the maximum the id order finds the first ones quickly (HEAD_BOUNDS). A head is
 * exactly what the word's own query returns first, so results never depend on it; the search
 * uses one only while it belongs to the latest import and that import completed
 * (search-candidates.ts), since only imports change the search index.
 */
import type { DirectorySql } from "./directory-sql.ts";
import { RunnerPool } from "./runner-pool.ts";
import { HEAD_LENGTH, POSTGRES_GIN_MAX_DOCUMENTS, postgresWordStream } from "./search-candidates.ts";

export interface HeadBounds {
  /** Prefixes held by at least this many documents get a head (fewer: GIN reads them in ~6 ms). */
  minDocuments: number;
  /** … and at most this many (more: one match in 5 rows or better, the id order is quick). */
  maxDocuments: number;
  /**
   * Heads of prefixes with at most this many documents are all found in one pass over the
   * documents; the others each by their own query, in id order beyond the GIN reads' range.
   */
  onePassMaxDocuments: number;
}

/**
 * Measured on 2M rows (bench/README.md): without heads, prefixes of 2,000–4,000 documents took
 * 12 ms and of 60,000–85,000 (a match in 20 rows) 15–42 ms; beyond 300,000, 4–6 ms.
 */
export const HEAD_BOUNDS: HeadBounds = {
  minDocuments: 2_000,
  maxDocuments: 300_000,
  onePassMaxDocuments: POSTGRES_GIN_MAX_DOCUMENTS,
};

/**
 * Makes the heads current for `importId`: when the import changed nothing and the heads belong
 * to the import just before it (completed), they are taken over; otherwise written again.
 * Returns how many prefixes have a head.
 */
export async function refreshSearchHeads(
  sql: DirectorySql,
  importId: number,
  indexChanged: boolean,
  bounds: HeadBounds = HEAD_BOUNDS,
  helpers: readonly DirectorySql[] = [],
): Promise<number> {
  if (!indexChanged) {
    const taken = await sql.run(
      `update directory_search_heads set import_id = ?
       where import_id = (select max(id) from directory_imports where id < ?)
         and (select status from directory_imports where id = directory_search_heads.import_id) = 'completed'`,
      [importId, importId],
    );
    if (taken > 0) return taken;
  }
  return writeSearchHeads(sql, importId, bounds, helpers);
}

/** Prefixes that start exactly the same indexed words, so match the same documents. */
interface SameWords {
  prefixes: string[];
  /** Documents holding one of the words (an upper bound). */
  documents: number;
}

/**
 * Writes the heads of every prefix within `bounds`, for `importId`; returns how many.
 *
 * Prefixes starting the same words share one head, read once: along a word no other word
 * branches from ("louchar", "loucha", "louch"), each would otherwise read the same documents.
 * The heads the GIN index would read are then all found in one pass over the documents (one
 * statement), and the others, read in id order, one by one on the helpers meanwhile: each GIN
 * read visits one heap page per document (the id is not in the index), and together these
 * reads were most of this phase's time (bench/README.md, "heads in one pass").
 */
export async function writeSearchHeads(
  sql: DirectorySql,
  importId: number,
  bounds: HeadBounds = HEAD_BOUNDS,
  helpers: readonly DirectorySql[] = [],
): Promise<number> {
  await sql.run("delete from directory_search_heads");
  // One transaction: one connection, which keeps the temporary table of words.
  return sql.transaction(async (tx) => {
    await tx.run(
      `create temp table directory_head_words on commit drop as
       select word, ndoc from ts_stat('select document from directory_search')`,
    );
    // Every prefix of every indexed word, with its documents (an upper bound: a document holding
    // two words of the prefix counts twice). The words starting with a prefix are consecutive in
    // byte order, so their first word and their count name them.
    const prefixes = await tx.rows<{ prefix: string; documents: number | string; words: string }>(
      `select prefix, documents, words from (
         select left(word, n) as prefix, sum(ndoc) as documents,
                min(word collate "C") || ' ' || count(*) as words
         from directory_head_words, generate_series(1, length(word)) as n
         group by 1) p
       where documents between ? and ?`,
      [bounds.minDocuments, bounds.maxDocuments],
    );
    const groups = new Map<string, SameWords>();
    for (const { prefix, documents, words } of prefixes) {
      const group = groups.get(words);
      if (group) group.prefixes.push(prefix);
      else groups.set(words, { prefixes: [prefix], documents: Number(documents) });
    }
    const inOnePass: SameWords[] = [];
    const oneByOne: SameWords[] = [];
    for (const group of groups.values()) {
      (group.documents <= bounds.onePassMaxDocuments ? inOnePass : oneByOne).push(group);
    }
    // On the helpers while this connection makes its pass; without helpers, after it.
    const work = await Promise.allSettled([
      writeInOnePass(tx, importId, inOnePass).then(() =>
        helpers.length > 0 ? undefined : writeOneByOne([tx], importId, oneByOne),
      ),
      helpers.length > 0 ? writeOneByOne(helpers, importId, oneByOne) : undefined,
    ]);
    for (const outcome of work) if (outcome.status === "rejected") throw outcome.reason;
    return prefixes.length;
  });
}

/**
 * The heads of `groups` from one pass over every document's words: each word is matched to the
 * group whose prefixes it starts with, and each group keeps its first ids. Needs the table of
 * words `directory_head_words` (writeSearchHeads).
 */
async function writeInOnePass(
  tx: DirectorySql,
  importId: number,
  groups: readonly SameWords[],
): Promise<void> {
  if (groups.length === 0) return;
  // The 8 million (group, document) pairs of a 2M-row directory sort in about 60 MiB.
  await tx.run("set local work_mem = '64MB'");
  // Lexemes hold no space; a group is named by its number, and found by its longest prefix.
  const prefixes: string[] = [];
  const prefixGroups: number[] = [];
  const longest: string[] = [];
  groups.forEach((group, index) => {
    for (const prefix of group.prefixes) {
      prefixes.push(prefix);
      prefixGroups.push(index);
    }
    longest.push(group.prefixes.reduce((a, b) => (b.length > a.length ? b : a)));
  });
  // Each word with the group it belongs to, as a table the planner has statistics for: it then
  // hashes these few rows and streams the documents' words past them, where estimating the
  // join from the parameters' arrays it sorted all 19 million words on disk (3 times slower).
  await tx.run(
    `create temp table directory_head_word_groups on commit drop as
     select w.word, g.position - 1 as grp
     from unnest(string_to_array(?, ' ')) with ordinality as g(prefix, position),
          directory_head_words w, generate_series(1, length(w.word)) as n
     where g.prefix = left(w.word, n)`,
    [longest.join(" ")],
  );
  await tx.run("analyze directory_head_word_groups");
  await tx.run(
    `insert into directory_search_heads (prefix, import_id, ids)
     select p.prefix, ?, h.ids
     from unnest(string_to_array(?, ' '), string_to_array(?, ' ')::bigint[]) as p(prefix, grp)
     join (select d.grp, (array_agg(distinct d.id order by d.id))[1:?] as ids
           from (select s.professional_id as id, wg.grp
                 from directory_search s, unnest(tsvector_to_array(s.document)) as l(lexeme),
                      directory_head_word_groups wg
                 where wg.word = l.lexeme) d
           group by d.grp) h on h.grp = p.grp`,
    [importId, prefixes.join(" "), prefixGroups.join(" "), HEAD_LENGTH],
  );
}

/** The heads of `groups`, each from its own query in id order, spread over `runners`. */
async function writeOneByOne(
  runners: readonly DirectorySql[],
  importId: number,
  groups: readonly SameWords[],
): Promise<void> {
  const writers = new RunnerPool(runners);
  try {
    for (const group of groups) {
      await writers.start(async (writer) => {
        await writer.run(
          // The uncorrelated `array(…)` is read once for every prefix of the group.
          `insert into directory_search_heads (prefix, import_id, ids)
           select prefix, ?, array(select ${postgresWordStream(group.documents)} order by 1 limit ?)
           from unnest(string_to_array(?, ' ')) as prefix`,
          [importId, `${group.prefixes[0]}:*`, HEAD_LENGTH, group.prefixes.join(" ")],
        );
      });
    }
  } finally {
    await writers.drain();
  }
}
