/**
 * The candidates of a search: the matching professionals with the smallest ids, as one SQL query
 * (ordered by id, limited), on either store. Which professionals match never depends on the plan;
 * the plan only decides how fast they are found.
 *
 * Each condition (the words, each filter) is a set of professional ids that can be read in id
 * order. With the statistics of search-statistics.ts, the smallest set leads and the others are
 * checked against it: on SQLite, the sets not much larger are read side by side with it (an
 * `intersect`, which SQLite runs as a merge that stops at the limit) and the much larger ones are
 * checked id by id (`exists`, one index look-up each); on PostgreSQL the planner chooses how to
 * check them (it merges or hashes by itself), and the statistics only say how to read the words.
 * Without statistics (right after an import) the words, else the first filter, lead. A specialty
 * and a département given together are one set, read from their own index (migration 0011).
 * On PostgreSQL a one-word search without filters reads the word's head first, when the latest
 * import wrote one (search-heads.ts), and when the words lead, a profession or a département is
 * checked on the search rows they read, which carry a copy of those codes (migration 0021).
 */
import type { DatabaseKind } from "../db/migrations/index.ts";
import { placeholders, type SqlValue } from "./directory-sql.ts";
import type { SearchStatistics } from "./search-statistics.ts";
import type { TerritoryPerimeter } from "./territory-perimeter.ts";
import { departementOfCommune } from "./territory-perimeter.ts";

export type SearchFilter =
  | { readonly kind: "specialty" | "departement" | "profession"; readonly value: string }
  | { readonly kind: "territory"; readonly perimeter: TerritoryPerimeter };

/**
 * A specialty in a département: the two filters together, read from the one index of migration
 * 0011 (exactly the professionals with both, in id order) rather than by merging their two ranges.
 */
interface SpecialtyDepartementFilter {
  readonly kind: "specialtyDepartement";
  readonly specialty: string;
  readonly departement: string;
}

export interface SqlFragment {
  text: string;
  parameters: SqlValue[];
}

/** Without statistics, filters lead in this order: usually the smallest set first. */
const FILTER_ORDER: readonly (SearchFilter | SpecialtyDepartementFilter)["kind"][] = [
  "specialtyDepartement",
  "specialty",
  "departement",
  "territory",
  "profession",
];
/**
 * A set is read side by side with the smallest one when it is at most this many times larger;
 * beyond, checking the other set's ids one by one costs less (an index look-up costs about as
 * much as reading this many ids in order).
 */
const MERGE_RATIO = 6;
/** Two- and three-letter prefixes have an FTS5 index of their own (migration 0003: `prefix = '2 3'`). */
const INDEXED_PREFIX_LENGTHS: ReadonlySet<number> = new Set([2, 3]);
/**
 * A prefix is spelt out as the words it stands for when there are at most this many, and they hold
 * at least that many documents (below, reading them all at once is as quick: ~1 ms).
 */
const MAX_SPELT_OUT_WORDS = 32;
const MIN_SPELT_OUT_DOCUMENTS = 20_000;
/**
 * PostgreSQL reads every match from the GIN index (one heap tuple each) up to this many; beyond,
 * it reads in id order until enough match (2,001 / share of matching documents). Measured on 2M
 * rows (one word, best of three): 8,000 matches take 14 ms from the index and 100 ms in id order;
 * 15,000 take 25 and 59 ms; 20,000 take 77 and 39 ms (past ~16,000 the index's bitmap outgrows
 * `work_mem` and turns lossy); 50,000 take 166 and 16 ms.
 */
export const POSTGRES_GIN_MAX_DOCUMENTS = 16_000;
/** What may follow a letter in an indexed word (search-text.ts folds every word to `[a-z0-9]`). */
const WORD_CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789";

interface Source {
  /** Professional ids in this set, estimated; null when unknown. */
  estimate: number | null;
  /**
   * `<idColumn> as id from …` of the set (the text after `select`); `isOrdered` when an index
   * returns it in id order as is.
   */
  stream: SqlFragment & { idColumn: string; isOrdered: boolean; isUnique: boolean };
  /** A condition on the id expression `id`; null when the set cannot be checked id by id cheaply. */
  probe: ((id: string) => SqlFragment) | null;
  /**
   * PostgreSQL profession and département filters: the same set as a condition on a
   * `directory_search s` row, whose copy of the codes migration 0021 keeps.
   */
  rowCheck?: SqlFragment;
  /** PostgreSQL words: the stream with row checks (`rowCheck`) added on the rows it reads. */
  streamWith?: (rowChecks: readonly SqlFragment[]) => Source["stream"];
}

/**
 * The SQL of the candidates: at most `limit` professional ids matching every word and filter,
 * the smallest first, in a column named `id`.
 */
export function candidatesQuery(
  kind: DatabaseKind,
  words: readonly string[],
  filters: readonly SearchFilter[],
  statistics: SearchStatistics | null,
  limit: number,
): SqlFragment {
  const sources: Source[] = [];
  if (words.length > 0) sources.push(textSource(kind, words, statistics));
  const ordered = withFilterPairs(filters).sort(
    (a, b) => FILTER_ORDER.indexOf(a.kind) - FILTER_ORDER.indexOf(b.kind),
  );
  for (const filter of ordered) sources.push(filterSource(filter, statistics));

  // PostgreSQL chooses how to check the other sets (it merges or hashes them itself).
  const arms = !statistics
    ? [sources[0]!]
    : kind === "sqlite"
      ? armsByEstimate(sources)
      : [smallest(sources)];
  let probes = sources.filter((source) => !arms.includes(source));
  const streams = arms.map((arm) => arm.stream);
  // PostgreSQL, led by the words: their filters on codes are checked on the rows the words' read
  // fetches anyway, not by an index look-up per match (migration 0021; one-word communes with a
  // profession on 2M rows, p50 / p95: 3.6 / 14.2 ms instead of 8.3 / 29.9, bench/README.md).
  const rowChecked = arms.length === 1 && arms[0]!.streamWith ? probes.filter((p) => p.rowCheck) : [];
  if (rowChecked.length > 0) {
    streams[0] = arms[0]!.streamWith!(rowChecked.map((p) => p.rowCheck!));
    probes = probes.filter((p) => !rowChecked.includes(p));
  }

  const [first, ...others] = streams;
  const firstText = withProbes(first!, probes);
  if (others.length === 0) {
    const query = {
      text: `select ${first!.isUnique ? "" : "distinct "}${firstText.text} order by 1 limit ?`,
      parameters: [...firstText.parameters, limit],
    };
    return kind === "postgres" && words.length === 1 && filters.length === 0 && limit <= HEAD_LENGTH
      ? withSearchHead(words[0]!, query, limit)
      : query;
  }
  // `intersect` keeps each id once; SQLite merges the ordered inputs and stops at the limit.
  return {
    text: `select ${firstText.text} ${others.map((arm) => `intersect select ${arm.text}`).join(" ")} order by 1 limit ?`,
    parameters: [...firstText.parameters, ...others.flatMap((arm) => arm.parameters), limit],
  };
}

/** Ids kept in a word prefix's head (search-heads.ts): the candidates a search ranks, and one more. */
export const HEAD_LENGTH = 2001;

/**
 * The head of a word prefix is usable when the latest import wrote it and completed: the index
 * has not changed since (only imports write it).
 */
const CURRENT_HEAD = `h.import_id = (select max(id) from directory_imports)
  and (select status from directory_imports where id = h.import_id) = 'completed'`;

/**
 * PostgreSQL, one word and no filter: its first ids from the head the latest import wrote for it
 * (search-heads.ts), else from `query`. One statement: PostgreSQL checks the head's absence once
 * (a one-time filter) and does not run `query` when the head is there.
 */
function withSearchHead(prefix: string, query: SqlFragment, limit: number): SqlFragment {
  return {
    text: `select id from (
      select unnest(h.ids) as id from directory_search_heads h where h.prefix = ? and ${CURRENT_HEAD}
      union all
      select id from (${query.text}) q
      where not exists (select 1 from directory_search_heads h where h.prefix = ? and ${CURRENT_HEAD})
    ) c order by 1 limit ?`,
    parameters: [prefix, ...query.parameters, prefix, limit],
  };
}

/** The filters, a specialty and a département given together taken as one. */
function withFilterPairs(filters: readonly SearchFilter[]): (SearchFilter | SpecialtyDepartementFilter)[] {
  const filterOf = (kind: "specialty" | "departement") =>
    filters.find((filter): filter is SearchFilter & { value: string } => filter.kind === kind);
  const specialty = filterOf("specialty");
  const departement = filterOf("departement");
  if (!specialty || !departement) return [...filters];
  return [
    { kind: "specialtyDepartement", specialty: specialty.value, departement: departement.value },
    ...filters.filter((filter) => filter !== specialty && filter !== departement),
  ];
}

/**
 * The smallest set first (it carries the id-by-id checks), then the ordered sets not much larger,
 * and the words (never checked id by id on SQLite).
 */
function armsByEstimate(sources: readonly Source[]): Source[] {
  const lead = smallest(sources);
  const others = sources.filter(
    (source) =>
      source !== lead &&
      (source.probe === null ||
        (source.stream.isOrdered && estimate(source) <= estimate(lead) * MERGE_RATIO)),
  );
  return [lead, ...others.sort((a, b) => estimate(a) - estimate(b))];
}

function estimate(source: Source): number {
  return source.estimate ?? Number.POSITIVE_INFINITY;
}

/** The source with the smallest estimate; on a tie (or without estimates), the earlier one: the words, then FILTER_ORDER. */
function smallest(sources: readonly Source[]): Source {
  return sources.reduce((best, source) => (estimate(source) < estimate(best) ? source : best));
}

/** `<stream> and <probe> and …`, the probes on the stream's own id column. */
function withProbes(stream: Source["stream"], probes: readonly Source[]): SqlFragment {
  const fragments = probes.map((source) => {
    // Only FTS5 cannot be checked id by id, and the words are always read on SQLite.
    if (!source.probe) throw new Error("candidatesQuery: the words must be read, not checked id by id");
    return source.probe(stream.idColumn);
  });
  return {
    text: [stream.text, ...fragments.map((f) => f.text)].join(" and "),
    parameters: [...stream.parameters, ...fragments.flatMap((f) => f.parameters)],
  };
}

function textSource(
  kind: DatabaseKind,
  words: readonly string[],
  statistics: SearchStatistics | null,
): Source {
  const documents = statistics ? textEstimate(words, statistics) : null;
  if (kind === "sqlite") {
    return {
      estimate: documents,
      stream: {
        text: "directory_search.rowid as id from directory_search where directory_search match ?",
        parameters: [ftsQuery(words, statistics)],
        idColumn: "directory_search.rowid",
        isOrdered: true,
        isUnique: true,
      },
      // Checking one document against an FTS5 query sets the whole query up again (~0.1 ms).
      probe: null,
    };
  }
  const query = tsQuery(words, statistics);
  const streamWith = (rowChecks: readonly SqlFragment[]): Source["stream"] => ({
    text: postgresWordStream(
      documents,
      rowChecks.map((check) => check.text),
    ),
    parameters: [query, ...rowChecks.flatMap((check) => check.parameters)],
    idColumn: "s.professional_id",
    isOrdered: true,
    isUnique: true,
  });
  return {
    estimate: documents,
    stream: streamWith([]),
    streamWith,
    probe: (id) => ({
      text: `exists (select 1 from directory_search xs where xs.professional_id = ${id} and xs.document @@ to_tsquery('simple', ?))`,
      parameters: [query],
    }),
  };
}

/**
 * PostgreSQL: `s.professional_id as id from … where …` of the documents matching a tsquery (its
 * first `?`) and every row condition on `directory_search s` (their `?`s follow), read the way
 * that is quicker for about `documents` matches of the tsquery (null: the planner's choice).
 */
export function postgresWordStream(documents: number | null, rowConditions: readonly string[] = []): string {
  const condition = "s.document @@ to_tsquery('simple', ?)";
  const and = rowConditions.map((text) => ` and ${text}`).join("");
  if (documents === null) return `s.professional_id as id from directory_search s where ${condition}${and}`;
  return documents <= POSTGRES_GIN_MAX_DOCUMENTS
    ? // Every match from the GIN index (`offset 0` keeps the outer id order out of the subquery).
      `s.professional_id as id from (select professional_id from directory_search s where ${condition}${and} offset 0) s where true`
    : // In id order until enough match (`is true` is no condition the GIN index answers).
      `s.professional_id as id from directory_search s where (${condition}) is true${and}`;
}

/**
 * Documents holding every word, estimated: each word's documents (an upper bound), combined as
 * if the words were independent.
 */
function textEstimate(words: readonly string[], statistics: SearchStatistics): number {
  const total = Math.max(1, statistics.documents);
  return words.reduce(
    (estimate, word) => estimate * Math.min(1, statistics.documentsStartingWith(word) / total),
    total,
  );
}

/**
 * A query word as the indexed words it stands for, when the statistics name few enough of them
 * holding many documents: both stores read a prefix's documents all at once before answering
 * (FTS5 without a prefix index for its length, PostgreSQL's GIN index always), but named words
 * lazily, skipping to the documents the other words hold. Null: keep the prefix.
 */
function spelt(word: string, statistics: SearchStatistics | null): string[] | null {
  if (!statistics) return null;
  const found = statistics.wordsStartingWith(word, MAX_SPELT_OUT_WORDS);
  if (!found) return null;
  // No indexed word starts with it: spelt out as itself, a word that matches nothing.
  if (found.words.length === 0) return [word];
  return found.documents >= MIN_SPELT_OUT_DOCUMENTS ? found.words : null;
}

/**
 * The FTS5 query for `words`, all required, each as the start of an indexed word. Only `[a-z0-9]`
 * words reach it, so no character can change its syntax. One letter is the word itself or any of
 * its two-letter prefixes (which have an index); two or three letters use their prefix index;
 * a longer prefix is spelt out when it should be (see `spelt`).
 *
 * @example
 * ftsQuery(["m", "lef"], null); // `("m" OR "ma"* OR … OR "m9"*) AND "lef"*`
 */
export function ftsQuery(words: readonly string[], statistics: SearchStatistics | null): string {
  return words
    .map((word) => {
      if (word.length === 1) {
        return `("${word}" OR ${[...WORD_CHARACTERS].map((c) => `"${word}${c}"*`).join(" OR ")})`;
      }
      const named = INDEXED_PREFIX_LENGTHS.has(word.length) ? null : spelt(word, statistics);
      if (!named) return `"${word}"*`;
      return named.length === 1 ? `"${named[0]}"` : `(${named.map((w) => `"${w}"`).join(" OR ")})`;
    })
    .join(" AND ");
}

/**
 * The PostgreSQL `simple` tsquery for `words`, all required, each as a prefix (`word:*`) or spelt
 * out (see `spelt`). Only `[a-z0-9]` words reach it, so no character can change its syntax.
 *
 * @example
 * tsQuery(["cardio", "auxerre"], null); // "cardio:* & auxerre:*"
 */
export function tsQuery(words: readonly string[], statistics: SearchStatistics | null): string {
  return words
    .map((word) => {
      const named = spelt(word, statistics);
      if (!named) return `${word}:*`;
      return named.length === 1 ? named[0]! : `(${named.join(" | ")})`;
    })
    .join(" & ");
}

/**
 * Each filter's table and column, the alias its SQL uses (distinct, so that no name hides another),
 * and the column of `directory_search` holding a copy of its codes on PostgreSQL (migration 0021).
 */
const FILTER_COLUMNS = {
  specialty: { table: "directory_specialties", column: "code", alias: "sp", searchColumn: null },
  departement: {
    table: "directory_practice_situations",
    column: "departement_code",
    alias: "dp",
    searchColumn: "departements",
  },
  profession: {
    table: "directory_practice_situations",
    column: "profession_code",
    alias: "pr",
    searchColumn: "professions",
  },
} as const;

function filterSource(
  filter: SearchFilter | SpecialtyDepartementFilter,
  statistics: SearchStatistics | null,
): Source {
  if (filter.kind === "territory") return territorySource(filter.perimeter, statistics);
  if (filter.kind === "specialtyDepartement") return specialtyDepartementSource(filter, statistics);
  const { table, column, alias, searchColumn } = FILTER_COLUMNS[filter.kind];
  return {
    estimate: statistics ? statistics.count(filter.kind, filter.value) : null,
    // The (code, professional_id) indexes of migration 0003 give each set in id order.
    stream: {
      text: `${alias}.professional_id as id from ${table} ${alias} where ${alias}.${column} = ?`,
      parameters: [filter.value],
      idColumn: `${alias}.professional_id`,
      isOrdered: true,
      // A professional has each specialty once, but may practise twice in a département.
      isUnique: filter.kind === "specialty",
    },
    probe: (id) => ({
      text: `exists (select 1 from ${table} x${alias} where x${alias}.professional_id = ${id} and x${alias}.${column} = ?)`,
      parameters: [filter.value],
    }),
    ...(searchColumn ? { rowCheck: { text: `? = any(s.${searchColumn})`, parameters: [filter.value] } } : {}),
  };
}

function specialtyDepartementSource(
  filter: SpecialtyDepartementFilter,
  statistics: SearchStatistics | null,
): Source {
  const parameters = [filter.specialty, filter.departement];
  return {
    estimate: statistics
      ? statistics.count("specialtyDepartement", `${filter.specialty} ${filter.departement}`)
      : null,
    // Its primary key (code, departement_code, professional_id) gives the set in id order, once each.
    stream: {
      text: "sd.professional_id as id from directory_specialty_departements sd where sd.code = ? and sd.departement_code = ?",
      parameters,
      idColumn: "sd.professional_id",
      isOrdered: true,
      isUnique: true,
    },
    probe: (id) => ({
      text: `exists (select 1 from directory_specialty_departements xsd where xsd.code = ? and xsd.departement_code = ? and xsd.professional_id = ${id})`,
      parameters,
    }),
  };
}

/**
 * Professionals with a practice situation in the perimeter: in one of its départements, or at an
 * establishment of one of its communes (INSEE code; the directory gives the commune's
 * département with it, which keeps the search on the département index).
 */
function territorySource(perimeter: TerritoryPerimeter, statistics: SearchStatistics | null): Source {
  const communeDepartements = [...new Set(perimeter.communes.map(departementOfCommune))];
  const allDepartements = [...new Set([...perimeter.departements, ...communeDepartements])];
  const inPerimeter = (situation: string, establishment: string): SqlFragment => {
    const alternatives: SqlFragment[] = [];
    if (perimeter.departements.length > 0) {
      alternatives.push({
        text: `${situation}.departement_code in (${placeholders(perimeter.departements.length)})`,
        parameters: [...perimeter.departements],
      });
    }
    if (perimeter.communes.length > 0) {
      alternatives.push({
        text: `${establishment}.commune_code in (${placeholders(perimeter.communes.length)})`,
        parameters: [...perimeter.communes],
      });
    }
    return {
      text: `${situation}.departement_code in (${placeholders(allDepartements.length)}) and (${alternatives.map((a) => a.text).join(" or ")})`,
      parameters: [...allDepartements, ...alternatives.flatMap((a) => a.parameters)],
    };
  };
  const join = (situation: string, establishment: string) =>
    perimeter.communes.length > 0
      ? ` left join directory_establishments ${establishment} on ${establishment}.id = ${situation}.establishment_id`
      : "";
  const streamCondition = inPerimeter("tr", "tre");
  return {
    estimate: statistics
      ? allDepartements.reduce((sum, code) => sum + statistics.count("departement", code), 0)
      : null,
    stream: {
      text: `tr.professional_id as id from directory_practice_situations tr${join("tr", "tre")} where ${streamCondition.text}`,
      parameters: streamCondition.parameters,
      idColumn: "tr.professional_id",
      // Several départements: the index gives each one's ids in order, not all of them together.
      isOrdered: allDepartements.length === 1,
      isUnique: false,
    },
    probe: (id) => {
      const condition = inPerimeter("xtr", "xte");
      return {
        text: `exists (select 1 from directory_practice_situations xtr${join("xtr", "xte")} where xtr.professional_id = ${id} and ${condition.text})`,
        parameters: condition.parameters,
      };
    },
  };
}
