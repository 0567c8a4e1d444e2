import type { Generated } from "kysely";

/** Milliseconds since the Unix epoch. */
type Millis = number;
/** 1 or 0: the same integer column on SQLite and PostgreSQL. */
type Flag = 0 | 1;

/** One run of `confrere-server directory import`. */
export interface DirectoryImportsTable {
  id: Generated<number>;
  started_at: Millis;
  finished_at: Millis | null;
  status: "running" | "completed" | "failed";
  /** JSON array of the file names read (base names, no directories). */
  sources: string;
  rows_read: number;
  rows_rejected: number;
  professionals_new: number;
  professionals_updated: number;
  professionals_unchanged: number;
  professionals_deactivated: number;
  /** Whether professionals missing from this import were deactivated. */
  deactivated_missing: Flag;
  /** Why a failed import stopped (an `importAnnuaire:` or `importDirectory:` message). */
  error: string | null;
  /** The format of the search documents it wrote (directory/search-documents.ts). */
  search_format: Generated<number>;
}

/** One person of the directory, keyed by their national id (idNat_PS). */
export interface DirectoryProfessionalsTable {
  id: Generated<number>;
  /** `8` + RPPS or `0` + ADELI. Accounts will link to professionals by this id. */
  national_id: string;
  id_type: "RPPS" | "ADELI";
  identifier: string;
  /** Civilité (`M`, `MME`). */
  civility_code: string | null;
  /** Civilité d'exercice (`DR` Docteur, …). */
  practice_civility_code: string | null;
  practice_civility_label: string | null;
  last_name: string;
  first_name: string;
  /** Names folded for search and sorting (see directory/search-text.ts). */
  last_name_key: string;
  first_name_key: string;
  /** The profession of the first practice situation (by situation key): what the person is shown as. */
  profession_code: string | null;
  profession_label: string | null;
  is_active: Flag;
  /** Hash of everything the directory says about the person: tells an unchanged row on re-import. */
  content_hash: string;
  first_seen_import: number;
  last_seen_import: number;
  /** When the content or the active flag last changed. */
  updated_at: Millis;
}

/** A place of practice: a FINESS site when the directory gives one, else its structure id. */
export interface DirectoryEstablishmentsTable {
  id: Generated<number>;
  /** `F` + FINESS site, or `S` + the directory's technical structure id. */
  establishment_key: string;
  finess_site: string | null;
  finess_legal_entity: string | null;
  siret: string | null;
  technical_id: string | null;
  /** Raison sociale. */
  name: string | null;
  /** Enseigne commerciale. */
  trade_name: string | null;
  /** Street line: number, repetition index, street type and name. */
  address: string | null;
  postal_code: string | null;
  commune_code: string | null;
  commune_label: string | null;
  departement_code: string | null;
  departement_label: string | null;
  phone: string | null;
  content_hash: string;
  updated_at: Millis;
}

/** One practice situation (one row of Personne_activite) of a professional. */
export interface DirectoryPracticeSituationsTable {
  id: Generated<number>;
  professional_id: number;
  establishment_id: number | null;
  /** Establishment key, profession code and specialty code: unique per professional. */
  situation_key: string;
  profession_code: string | null;
  profession_label: string | null;
  /** Specialty carried by the row itself (older releases only). */
  specialty_code: string | null;
  /** The establishment's département, copied here for the département filter. */
  departement_code: string | null;
  /** Mode d'exercice: `L` libéral, `S` salarié, `B` bénévole. */
  practice_mode_code: string | null;
  practice_mode_label: string | null;
  /** Secteur d'activité (`SA07` cabinet individuel, …). */
  sector_code: string | null;
  sector_label: string | null;
  /** Fonction (newer releases). */
  role_code: string | null;
  role_label: string | null;
}

/** Savoir-faire of a professional: from the rows in older releases, from SavoirFaire files in newer ones. */
export interface DirectorySpecialtiesTable {
  professional_id: number;
  code: string;
  label: string | null;
  /** `S` spécialité ordinale, `CAPA` capacité, … */
  type_code: string | null;
}

/**
 * Each specialty of a professional in each département they practise in (migration 0011): the
 * "specialty + département" search filter as one index range. Written by the import only.
 */
export interface DirectorySpecialtyDepartementsTable {
  code: string;
  departement_code: string;
  professional_id: number;
}

/**
 * Tables of the professional directory (see migrations/0003-directory.ts and 0011-directory-search.ts).
 *
 * The search index, `directory_search`, is not listed: it is an FTS5 virtual table on SQLite and a
 * tsvector table on PostgreSQL, written and read only by directory/directory-store.ts and
 * directory/directory-search.ts with dialect-specific SQL.
 */
export interface DirectoryTables {
  directory_imports: DirectoryImportsTable;
  directory_professionals: DirectoryProfessionalsTable;
  directory_establishments: DirectoryEstablishmentsTable;
  directory_practice_situations: DirectoryPracticeSituationsTable;
  directory_specialties: DirectorySpecialtiesTable;
  directory_specialty_departements: DirectorySpecialtyDepartementsTable;
}
