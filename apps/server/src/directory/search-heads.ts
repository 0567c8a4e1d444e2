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
import { HEAD_LENGTH, postgresWordStream } from "./search-candidates.ts";

export interface HeadBounds {
  /** Prefixes held by at least this many documents get a head (fewer: GIN reads them in ~6 ms). */
  minDocuments: number;
  /** … and at most this many (more: one match in 5 rows or better, the id order is quick). */
  maxDocuments: number;
}

/**
 * Measured on 2M rows (bench/README.md): without heads, prefixes of 2,000–4,000 documents took
 * 12 ms and of 60,000–85,000 (a match in 20 rows) 15–42 ms; beyond 300,000, 4–6 ms.
 */
export const HEAD_BOUNDS: HeadBounds = { minDocuments: 2_000, maxDocuments: 300_000 };

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

/**
 * Writes the heads of every prefix within `bounds`, for `importId`; returns how many. The heads
 * are written on `sql` and `helpers` at once (each a query of its own, CPU-bound in the database).
 */
export async function writeSearchHeads(
  sql: DirectorySql,
  importId: number,
  bounds: HeadBounds = HEAD_BOUNDS,
  helpers: readonly DirectorySql[] = [],
): Promise<number> {
  await sql.run("delete from directory_search_heads");
  // Every prefix of every indexed word, with its documents (an upper bound: a document holding
  // two words of the prefix counts twice). ts_stat reads each document once, in the database.
  const prefixes = await sql.rows<{ prefix: string; documents: number | string }>(
    `select prefix, documents from (
       select left(word, n) as prefix, sum(ndoc) as documents
       from ts_stat('select document from directory_search'), generate_series(1, length(word)) as n
       group by 1) p
     where documents between ? and ?`,
    [bounds.minDocuments, bounds.maxDocuments],
  );
  const writers = new RunnerPool([sql, ...helpers]);
  try {
    for (const { prefix, documents } of prefixes) {
      await writers.start(async (writer) => {
        await writer.run(
          `insert into directory_search_heads (prefix, import_id, ids)
           select ?, ?, array(select ${postgresWordStream(Number(documents))} order by 1 limit ?)`,
          [prefix, importId, `${prefix}:*`, HEAD_LENGTH],
        );
      });
    }
  } finally {
    await writers.drain();
  }
  return prefixes.length;
}
