/**
 * Searching the directory, the same way on both stores:
 * - the query is folded into `[a-z0-9]` words (search-text.ts), each used as a prefix that must
 *   match a word of the person's index document (FTS5 on SQLite, a `simple` tsquery on
 *   PostgreSQL), all words required;
 * - filters (profession, specialty, département, territory) are plain indexed conditions;
 * - the candidates are the matching professionals with the smallest ids (search-candidates.ts),
 *   at most MAX_RANKED_MATCHES: a query matching more ranks only those and answers `isPartial`,
 *   and the user narrows it with another word or a filter;
 * - the order is portable SQL, not a store's own relevance score, so both stores return the same
 *   rows in the same order: exact surname matches first, then active professionals, then by name;
 * - candidates and ranking are one statement (no list of 2,000 ids sent back and forth), then
 *   the places, specialties and Confrère accounts of the page are read for its ids only.
 */
import type { DirectoryPlace, DirectoryProfessional } from "@confrere/protocol";
import type { DirectorySql } from "./directory-sql.ts";
import { placeholders } from "./directory-sql.ts";
import { candidatesQuery, type SearchFilter } from "./search-candidates.ts";
import { withoutCivilities } from "./search-documents.ts";
import type { SearchStatistics } from "./search-statistics.ts";
import { queryWords, surnameCandidates } from "./search-text.ts";
import type { TerritoryPerimeter } from "./territory-perimeter.ts";

export interface DirectorySearchParams {
  /** Free text; its words are folded, so any character is safe here. */
  readonly q?: string | undefined;
  /** Profession code (TRE_G15). */
  readonly profession?: string | undefined;
  /** Savoir-faire code (TRE_R38 for specialties); compared upper-cased. */
  readonly specialty?: string | undefined;
  /** Département code; compared upper-cased (`2a` → `2A`). */
  readonly departement?: string | undefined;
  /** The perimeter of a territory (territory-perimeter.ts): professionals practising in it. */
  readonly territory?: TerritoryPerimeter | undefined;
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
  /** How many candidates there were (at most MAX_RANKED_MATCHES + 1). */
  matches: number;
}

interface PlaceRow {
  professional_id: number;
  establishment_id: number | null;
  name: string | null;
  commune_label: string | null;
  postal_code: string | null;
  departement_code: string | null;
  departement_label: string | null;
}

/** A row of the page's details: a place (1), a specialty (2) or an account (3). */
interface DetailRow {
  part: number;
  professional_id: number | null;
  /** Situation key (1), specialty code (2), national id (3). */
  sort_key: string;
  establishment_id: number | null;
  /** Establishment name (1), specialty label (2), user id (3). */
  a: string | null;
  b: string | null;
  c: string | null;
  d: string | null;
  f: string | null;
}

interface AccountRow {
  national_id: string;
  id: string;
}

interface SpecialtyRow {
  professional_id: number;
  code: string;
  label: string | null;
}

/**
 * Finds professionals matching every word of `q` (as word prefixes, accents and case ignored) and
 * every filter given. `statistics` (SQLite) only changes how fast: see search-candidates.ts.
 *
 * @throws DirectorySearchError when neither a word nor a filter is given, or `q` has too many words.
 */
export async function searchDirectory(
  sql: DirectorySql,
  params: DirectorySearchParams,
  statistics: SearchStatistics | null = null,
): Promise<{ results: DirectoryProfessional[]; isPartial: boolean }> {
  // "Dr Le Gall" looks for "le gall": documents hold no civility (search-documents.ts).
  const words = withoutCivilities(queryWords(params.q ?? ""));
  if (words.length > MAX_SEARCH_WORDS) {
    throw new DirectorySearchError(
      `searchDirectory: q has ${words.length} words; use at most ${MAX_SEARCH_WORDS}`,
    );
  }
  const filters: SearchFilter[] = [];
  if (params.specialty) filters.push({ kind: "specialty", value: params.specialty.toUpperCase() });
  if (params.departement) filters.push({ kind: "departement", value: params.departement.toUpperCase() });
  if (params.profession) filters.push({ kind: "profession", value: params.profession });
  if (params.territory) filters.push({ kind: "territory", perimeter: params.territory });
  if (words.length === 0 && filters.length === 0) {
    throw new DirectorySearchError(
      "searchDirectory: give q (a name, a profession, a commune…) or a filter (profession, specialty, departement, territory)",
    );
  }
  // A territory without a perimeter yet holds no one.
  if (params.territory && params.territory.communes.length + params.territory.departements.length === 0) {
    return { results: [], isPartial: false };
  }

  const candidates = candidatesQuery(sql.kind, words, filters, statistics, MAX_RANKED_MATCHES + 1);
  // Rank the first MAX_RANKED_MATCHES candidates: exact surname first, then active, then by name.
  // The ranking reads only its own columns (an index-only probe per candidate on PostgreSQL,
  // migration 0011); the page's rows are read whole afterwards, and put in the same order again.
  const surnames = surnameCandidates(words);
  const exactSurname = surnames.length ? `r.last_name_key in (${placeholders(surnames.length)})` : "false";
  const rows = await sql.rows<ProfessionalRow>(
    `with candidates (id) as (${candidates.text}),
     pool (id) as (select id from candidates order by id limit ?),
     ranked (id, exact, is_active, last_name_key, first_name_key, national_id) as (
       select r.id, case when ${exactSurname} then 1 else 0 end, r.is_active, r.last_name_key,
              r.first_name_key, r.national_id
       from pool join directory_professionals r on r.id = pool.id
       order by 2 desc, 3 desc, 4, 5, 6
       limit ?)
     select p.id, p.national_id, p.id_type, p.practice_civility_label, p.last_name, p.first_name,
            p.profession_code, p.profession_label, p.is_active,
            (select count(*) from candidates) as matches
     from ranked join directory_professionals p on p.id = ranked.id
     order by ranked.exact desc, ranked.is_active desc, ranked.last_name_key, ranked.first_name_key,
              ranked.national_id`,
    // Parameters in the order of their `?`: candidates, pool, exact surnames, LIMIT.
    [...candidates.parameters, MAX_RANKED_MATCHES, ...surnames, params.limit],
  );
  const isPartial = rows.length > 0 && Number(rows[0]!.matches) > MAX_RANKED_MATCHES;
  return { results: await withDetails(sql, rows), isPartial };
}

async function withDetails(
  sql: DirectorySql,
  rows: readonly ProfessionalRow[],
): Promise<DirectoryProfessional[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => Number(row.id));
  const nationalIds = rows.map((row) => row.national_id);
  // One statement for the page's places, specialties and accounts (one round trip on PostgreSQL),
  // sorted here: byte order, as both stores sort their keys.
  const details = await sql.rows<DetailRow>(
    `select 1 as part, ps.professional_id, ps.situation_key as sort_key, e.id as establishment_id,
            coalesce(e.trade_name, e.name) as a, e.commune_label as b, e.postal_code as c,
            e.departement_code as d, e.departement_label as f
     from directory_practice_situations ps
     left join directory_establishments e on e.id = ps.establishment_id
     where ps.professional_id in (${placeholders(ids.length)})
     union all
     select 2, professional_id, code, null, label, null, null, null, null
     from directory_specialties where professional_id in (${placeholders(ids.length)})
     union all
     select 3, null, national_id, null, id, null, null, null, null
     from users
     where national_id in (${placeholders(nationalIds.length)})
       and identity_verified_at is not null and suspended_at is null`,
    [...ids, ...ids, ...nationalIds],
  );
  details.sort(
    (x, y) => Number(x.professional_id) - Number(y.professional_id) || byteOrder(x.sort_key, y.sort_key),
  );
  const places: PlaceRow[] = [];
  const specialties: SpecialtyRow[] = [];
  const accounts: AccountRow[] = [];
  for (const row of details) {
    const part = Number(row.part);
    if (part === 1) {
      places.push({
        professional_id: row.professional_id!,
        establishment_id: row.establishment_id,
        // The enseigne is the name on the door; the raison sociale otherwise.
        name: row.a,
        commune_label: row.b,
        postal_code: row.c,
        departement_code: row.d,
        departement_label: row.f,
      });
    } else if (part === 2) {
      specialties.push({ professional_id: row.professional_id!, code: row.sort_key, label: row.a });
    } else {
      accounts.push({ national_id: row.sort_key, id: row.a! });
    }
  }
  const accountOf = new Map(accounts.map((account) => [account.national_id, account.id]));
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
      establishmentName: place.name,
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
      onConfrere: accountOf.has(row.national_id),
      userId: accountOf.get(row.national_id) ?? null,
    };
  });
}

/** Byte order of the UTF-8 strings: how both stores compare their keys (C collation, BINARY). */
function byteOrder(a: string, b: string): number {
  return a === b ? 0 : Buffer.compare(Buffer.from(a), Buffer.from(b));
}
