/**
 * The search document of a professional, and its rewriting when the format changes.
 *
 * A document holds the folded words of the person's names, professions, specialties and places
 * (search-text.ts). Format 2 leaves the practice civility out: "Madame" was on a third of the
 * directory and "Docteur" on every doctor, so "ma", "mada" or "do" typed on the way to a name
 * matched them all (and `mada` + profession 10 took 571 ms on PostgreSQL's 2M rows, bench/README.md).
 * The search drops civility words from queries instead (`withoutCivilities`).
 *
 * The content hash covers what the extraction says, not the document, so an import cannot tell
 * an old document from its hash: each import records the format it wrote
 * (`directory_imports.search_format`), and one that follows an older format rebuilds every
 * document from the stored rows (`rewriteSearchDocuments`), including those of professionals it
 * does not list.
 */
import type { DirectorySql, SqlValue } from "./directory-sql.ts";
import { RunnerPool } from "./runner-pool.ts";
import { searchDocument } from "./search-text.ts";

/** The format of the documents this code writes. */
export const SEARCH_FORMAT = 2;

/** Professionals whose documents are rebuilt per transaction. */
const REWRITE_PAGE = 5000;

/** What a document is made of; situations in situation-key order. */
export interface DocumentSource {
  readonly lastName: string;
  readonly firstName: string;
  readonly situations: readonly {
    readonly professionLabel: string | null;
    readonly establishment: {
      readonly name: string | null;
      readonly tradeName: string | null;
      readonly communeLabel: string | null;
      readonly postalCode: string | null;
      readonly departementCode: string | null;
      readonly departementLabel: string | null;
    } | null;
  }[];
  readonly specialties: readonly { readonly label: string | null }[];
}

/** The folded document of one professional (format {@link SEARCH_FORMAT}). */
export function professionalDocument(source: DocumentSource): string {
  const words: (string | null)[] = [source.lastName, source.firstName];
  for (const situation of source.situations) {
    words.push(situation.professionLabel);
    const establishment = situation.establishment;
    if (establishment) {
      words.push(
        establishment.name,
        establishment.tradeName,
        establishment.communeLabel,
        establishment.postalCode,
        establishment.departementCode,
        establishment.departementLabel,
      );
    }
  }
  for (const specialty of source.specialties) words.push(specialty.label);
  return searchDocument(words);
}

/**
 * Folded civilities a query may start a name with ("Dr Martin", "Mme Leroy"). Whole words only:
 * "ma" or "pr" may be the start of a name.
 */
const CIVILITY_WORDS = new Set([
  "dr",
  "docteur",
  "pr",
  "professeur",
  "mme",
  "madame",
  "mlle",
  "mademoiselle",
  "mr",
  "monsieur",
]);

/**
 * The query words without civilities, which documents no longer hold; all of them when the query
 * is nothing else ("Dr" alone still finds "Drouet").
 *
 * @example
 * withoutCivilities(["dr", "le", "gall"]); // ["le", "gall"]
 * withoutCivilities(["dr"]); // ["dr"]
 */
export function withoutCivilities(words: readonly string[]): string[] {
  const kept = words.filter((word) => !CIVILITY_WORDS.has(word));
  return kept.length > 0 ? kept : [...words];
}

/**
 * Whether the stored documents may be of an older format: the latest import completed before
 * `importId` wrote one, or none completed. (Only matters when the directory holds anyone.)
 */
export async function storedFormatIsOlder(sql: DirectorySql, importId: number): Promise<boolean> {
  const [latest] = await sql.rows<{ search_format: number | string }>(
    "select search_format from directory_imports where status = 'completed' and id < ? order by id desc limit 1",
    [importId],
  );
  return latest === undefined || Number(latest.search_format) < SEARCH_FORMAT;
}

interface StoredSituation {
  professional_id: number | string;
  profession_label: string | null;
  name: string | null;
  trade_name: string | null;
  commune_label: string | null;
  postal_code: string | null;
  departement_code: string | null;
  departement_label: string | null;
}

/**
 * Rebuilds the document of every stored professional from their stored rows, in id order, and
 * returns how many. Reads on `sql`; writes on `writers` (or `sql`), a page each at a time.
 */
export async function rewriteSearchDocuments(
  sql: DirectorySql,
  writers: readonly DirectorySql[] = [],
  onPage: (done: number) => void = () => {},
): Promise<number> {
  const pool = new RunnerPool(writers.length > 0 ? writers : [sql]);
  let done = 0;
  let afterId = 0;
  try {
    for (;;) {
      const people = await sql.rows<{ id: number | string; last_name: string; first_name: string }>(
        "select id, last_name, first_name from directory_professionals where id > ? order by id limit ?",
        [afterId, REWRITE_PAGE],
      );
      if (people.length === 0) break;
      const ids = people.map((person) => Number(person.id));
      afterId = ids[ids.length - 1]!;
      const situations = await sql.rowsForIds<StoredSituation>(
        `select s.professional_id, s.profession_label, e.name, e.trade_name, e.commune_label,
                e.postal_code, e.departement_code, e.departement_label
         from directory_practice_situations s
         left join directory_establishments e on e.id = s.establishment_id
         where s.professional_id in $IDS order by s.professional_id, s.situation_key`,
        ids,
      );
      const specialties = await sql.rowsForIds<{ professional_id: number | string; label: string | null }>(
        "select professional_id, label from directory_specialties where professional_id in $IDS order by professional_id, code",
        ids,
      );
      const sources = new Map<
        number,
        { situations: StoredSituation[]; specialties: { label: string | null }[] }
      >(ids.map((id) => [id, { situations: [], specialties: [] }]));
      for (const row of situations) sources.get(Number(row.professional_id))?.situations.push(row);
      for (const row of specialties) sources.get(Number(row.professional_id))?.specialties.push(row);
      const documents: [number, string][] = people.map((person) => {
        const source = sources.get(Number(person.id))!;
        return [
          Number(person.id),
          professionalDocument({
            lastName: person.last_name,
            firstName: person.first_name,
            situations: source.situations.map((s) => ({
              professionLabel: s.profession_label,
              establishment: {
                name: s.name,
                tradeName: s.trade_name,
                communeLabel: s.commune_label,
                postalCode: s.postal_code,
                departementCode: s.departement_code,
                departementLabel: s.departement_label,
              },
            })),
            specialties: source.specialties,
          }),
        ];
      });
      await pool.start(async (writer) => {
        await writer.transaction((tx) => writeDocuments(tx, documents));
        done += documents.length;
        onPage(done);
      });
    }
  } finally {
    await pool.drain();
  }
  return done;
}

/** Replaces the documents of `documents`' professionals (id, folded document). */
async function writeDocuments(sql: DirectorySql, documents: readonly [number, string][]): Promise<void> {
  const rows: SqlValue[][] = documents.map(([id, document]) => [id, document]);
  if (sql.kind === "sqlite") {
    // FTS5 has no upsert: the row goes and comes back.
    await sql.forIds(
      "delete from directory_search where rowid in $IDS",
      documents.map(([id]) => id),
    );
    await sql.insert("directory_search", ["rowid", "document"], rows);
    return;
  }
  // Only the document: the filters' codes on the row (migration 0021) stay as they are.
  await sql.insert(
    "directory_search",
    ["professional_id", "document"],
    rows,
    "on conflict (professional_id) do update set document = excluded.document",
    { document: "to_tsvector('simple', ?)" },
  );
}
