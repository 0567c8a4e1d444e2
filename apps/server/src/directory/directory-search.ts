/**
 * Searching the directory, the same way on both stores:
 * - the query is folded into `[a-z0-9]` words (search-text.ts), each used as a prefix that must
 *   match a word of the person's index document (FTS5 `"word"*` terms on SQLite, `word:*` in a
 *   `simple` tsquery on PostgreSQL), all words required;
 * - filters (profession, specialty, département) are plain indexed conditions;
 * - the order is portable SQL, not a store's own relevance score, so both stores return the same
 *   rows in the same order: exact surname matches first, then active professionals, then by name;
 * - a query matching more than MAX_RANKED_MATCHES people ranks only the first of them (by id, the
 *   same on both stores) and answers `isPartial`: the user narrows it with another word or a filter.
 */
import type { DirectoryPlace, DirectoryProfessional } from "@confrere/protocol";
import type { DatabaseKind } from "../db/migrations/index.ts";
import { type DirectorySql, placeholders, type SqlValue } from "./directory-sql.ts";
import { queryWords, surnameCandidates } from "./search-text.ts";

export interface DirectorySearchParams {
  /** Free text; its words are folded, so any character is safe here. */
  readonly q?: string | undefined;
  /** Profession code (TRE_G15). */
  readonly profession?: string | undefined;
  /** Savoir-faire code (TRE_R38 for specialties); compared upper-cased. */
  readonly specialty?: string | undefined;
  /** Département code; compared upper-cased (`2a` → `2A`). */
  readonly departement?: string | undefined;
  readonly limit: number;
}

export class DirectorySearchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DirectorySearchError";
  }
}

/** Searches of more words than this are refused: each word is a prefix look-up in the index. */
export const MAX_SEARCH_WORDS = 8;
/**
 * At most this many matches are ranked; beyond, the search ranks the first ones (by id) and says
 * the results are partial. Ranking all of a 3-letter prefix's 300,000 matches took 200 ms on 2M rows.
 */
export const MAX_RANKED_MATCHES = 2000;

interface ProfessionalRow {
  id: number;
  national_id: string;
  id_type: "RPPS" | "ADELI";
  practice_civility_label: string | null;
  last_name: string;
  first_name: string;
  profession_code: string | null;
  profession_label: string | null;
  is_active: number;
}

interface PlaceRow {
  professional_id: number;
  establishment_id: number | null;
  name: string | null;
  trade_name: string | null;
  commune_label: string | null;
  postal_code: string | null;
  departement_code: string | null;
  departement_label: string | null;
}

interface SpecialtyRow {
  professional_id: number;
  code: string;
  label: string | null;
}

/**
 * Finds professionals matching every word of `q` (as word prefixes, accents and case ignored) and
 * every filter given.
 *
 * @throws DirectorySearchError when neither a word nor a filter is given, or `q` has too many words.
 */
export async function searchDirectory(
  sql: DirectorySql,
  params: DirectorySearchParams,
): Promise<{ results: DirectoryProfessional[]; isPartial: boolean }> {
  const words = queryWords(params.q ?? "");
  if (words.length > MAX_SEARCH_WORDS) {
    throw new DirectorySearchError(
      `searchDirectory: q has ${words.length} words; use at most ${MAX_SEARCH_WORDS}`,
    );
  }
  const hasFilter = Boolean(params.profession || params.specialty || params.departement);
  if (words.length === 0 && !hasFilter) {
    throw new DirectorySearchError(
      "searchDirectory: give q (a name, a profession, a commune…) or a filter (profession, specialty, departement)",
    );
  }

  // Filters: indexed (table, column) pairs keyed by professional id.
  const filters: { table: string; column: string; value: string }[] = [];
  if (params.specialty) {
    filters.push({ table: "directory_specialties", column: "code", value: params.specialty.toUpperCase() });
  }
  if (params.departement) {
    filters.push({
      table: "directory_practice_situations",
      column: "departement_code",
      value: params.departement.toUpperCase(),
    });
  }
  if (params.profession) {
    filters.push({
      table: "directory_practice_situations",
      column: "profession_code",
      value: params.profession,
    });
  }

  // 1. Candidates: the matching professionals with the smallest ids, at most MAX_RANKED_MATCHES
  // (+1 to tell whether there were more). Both stores walk their index in id order and stop
  // early, so a broad query ("mar") costs no more than a narrow one, and both pick the same rows.
  let source: { from: string; id: string; where: string[]; parameters: SqlValue[] };
  const rest = [...filters];
  if (words.length > 0) {
    source =
      sql.kind === "sqlite"
        ? {
            from: "directory_search",
            id: "directory_search.rowid",
            where: ["directory_search match ?"],
            parameters: [textQuery(sql.kind, words)],
          }
        : {
            from: "directory_search s",
            id: "s.professional_id",
            where: ["s.document @@ to_tsquery('simple', ?)"],
            parameters: [textQuery(sql.kind, words)],
          };
  } else {
    const first = rest.shift()!;
    source = {
      from: `${first.table} c`,
      id: "c.professional_id",
      where: [`c.${first.column} = ?`],
      parameters: [first.value],
    };
  }
  for (const filter of rest) {
    source.where.push(
      `exists (select 1 from ${filter.table} f where f.professional_id = ${source.id} and f.${filter.column} = ?)`,
    );
    source.parameters.push(filter.value);
  }
  const candidates = await sql.rows<{ id: number }>(
    `select distinct ${source.id} as id from ${source.from} where ${source.where.join(" and ")}
     order by ${source.id} limit ?`,
    [...source.parameters, MAX_RANKED_MATCHES + 1],
  );
  const isPartial = candidates.length > MAX_RANKED_MATCHES;
  if (candidates.length === 0) return { results: [], isPartial };

  // 2. Rank the candidates: exact surname first, then active, then by name.
  const surnames = surnameCandidates(words);
  const exactSurnameFirst = surnames.length
    ? `(p.last_name_key in (${placeholders(surnames.length)})) desc, `
    : "";
  const ids = candidates.slice(0, MAX_RANKED_MATCHES).map((row) => Number(row.id));
  const rows = await sql.rows<ProfessionalRow>(
    `select p.id, p.national_id, p.id_type, p.practice_civility_label, p.last_name, p.first_name,
            p.profession_code, p.profession_label, p.is_active
     from directory_professionals p
     where p.id in (${placeholders(ids.length)})
     order by ${exactSurnameFirst}p.is_active desc, p.last_name_key, p.first_name_key, p.national_id
     limit ?`,
    // Parameters in the order of their `?`: WHERE, then ORDER BY, then LIMIT.
    [...ids, ...surnames, params.limit],
  );
  return { results: await withDetails(sql, rows), isPartial };
}

/** The full-text query: only `[a-z0-9]` words reach it, so no character can change its syntax. */
function textQuery(kind: DatabaseKind, words: readonly string[]): string {
  return kind === "sqlite"
    ? words.map((word) => `"${word}"*`).join(" ")
    : words.map((word) => `${word}:*`).join(" & ");
}

async function withDetails(
  sql: DirectorySql,
  rows: readonly ProfessionalRow[],
): Promise<DirectoryProfessional[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => Number(row.id));
  const places = await sql.rowsForIds<PlaceRow>(
    `select ps.professional_id, e.id as establishment_id, e.name, e.trade_name, e.commune_label,
            e.postal_code, e.departement_code, e.departement_label
     from directory_practice_situations ps
     left join directory_establishments e on e.id = ps.establishment_id
     where ps.professional_id in $IDS
     order by ps.professional_id, ps.situation_key`,
    ids,
  );
  const specialties = await sql.rowsForIds<SpecialtyRow>(
    `select professional_id, code, label from directory_specialties
     where professional_id in $IDS order by professional_id, code`,
    ids,
  );
  const placesOf = new Map<number, { seen: Set<number>; list: DirectoryPlace[] }>();
  for (const place of places) {
    if (place.establishment_id === null) continue;
    const id = Number(place.professional_id);
    let entry = placesOf.get(id);
    if (!entry) {
      entry = { seen: new Set(), list: [] };
      placesOf.set(id, entry);
    }
    const establishmentId = Number(place.establishment_id);
    if (entry.seen.has(establishmentId)) continue;
    entry.seen.add(establishmentId);
    entry.list.push({
      // The enseigne is the name on the door; the raison sociale otherwise.
      establishmentName: place.trade_name ?? place.name,
      commune: place.commune_label,
      postalCode: place.postal_code,
      departement: place.departement_code
        ? { code: place.departement_code, label: place.departement_label }
        : null,
    });
  }
  const specialtiesOf = new Map<number, { code: string; label: string | null }[]>();
  for (const specialty of specialties) {
    const id = Number(specialty.professional_id);
    const list = specialtiesOf.get(id) ?? [];
    list.push({ code: specialty.code, label: specialty.label });
    specialtiesOf.set(id, list);
  }
  return rows.map((row) => {
    const id = Number(row.id);
    return {
      nationalId: row.national_id,
      idType: row.id_type,
      civility: row.practice_civility_label,
      lastName: row.last_name,
      firstName: row.first_name,
      profession: row.profession_code ? { code: row.profession_code, label: row.profession_label } : null,
      specialties: specialtiesOf.get(id) ?? [],
      active: Number(row.is_active) === 1,
      places: placesOf.get(id)?.list ?? [],
      // @TODO(search helper): set from users.national_id (verified, not suspended accounts).
      onConfrere: false,
      userId: null,
    };
  });
}
