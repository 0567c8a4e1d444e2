/** Milliseconds since the Unix epoch. */
type Millis = number;
/** 1 or 0: the same integer column on SQLite and PostgreSQL. */
type Flag = 0 | 1;

/** An establishment (FINESS) or a territory (communauté de communes, CPTS, département). */
export interface OrganisationsTable {
  id: string;
  kind: "establishment" | "territory";
  /** Territories only. */
  territory_type: "communaute_de_communes" | "cpts" | "departement" | null;
  name: string;
  /** Establishments: the FINESS (site or legal entity) it was created from; unique. */
  finess: string | null;
  siren: string | null;
  /** Establishments: INSEE commune code, commune name and département, from the directory. */
  commune_code: string | null;
  commune_label: string | null;
  departement_code: string | null;
  /** Folded words of the name, commune and département (see directory/search-text.ts). */
  search_key: string;
  /** The organisation pays its members' subscriptions (used by billing). */
  sponsored: Flag;
  created_by: string | null;
  created_at: Millis;
  updated_at: Millis;
}

/** The communes (INSEE code) and départements a territory covers. */
export interface OrganisationPerimeterTable {
  organisation_id: string;
  kind: "commune" | "departement";
  code: string;
}

/** People of an organisation: its administrators and its members (staff, member professionals). */
export interface OrganisationMembersTable {
  organisation_id: string;
  user_id: string;
  role: "admin" | "member";
  added_by: string | null;
  created_at: Millis;
}

/** A service of an establishment ("Cardiologie", "Urgences"), reached as a whole. */
export interface ServicesTable {
  id: string;
  organisation_id: string;
  name: string;
  /** The name folded (accents, case, spaces): unique per organisation, and searched. */
  name_key: string;
  created_at: Millis;
  updated_at: Millis;
}

/** The staff members a message to a service goes to. */
export interface ServiceRosterTable {
  service_id: string;
  user_id: string;
  added_by: string | null;
  created_at: Millis;
}

export interface OrganisationTables {
  organisations: OrganisationsTable;
  organisation_perimeter: OrganisationPerimeterTable;
  organisation_members: OrganisationMembersTable;
  services: ServicesTable;
  service_roster: ServiceRosterTable;
}
