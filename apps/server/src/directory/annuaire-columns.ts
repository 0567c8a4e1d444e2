/**
 * The columns of the Annuaire Santé extraction files this importer reads, by logical field, and
 * how a file's header row is mapped onto them (by normalised name, never by position).
 */
import { AnnuaireErrorCode, AnnuaireImportError } from "./annuaire-errors.ts";
import { normalizeHeader } from "./header-normalization.ts";

/** The extraction files this importer reads. (`Dipl_AutExerc`, diplomas, is not read.) */
export type AnnuaireFileKind = "personne_activite" | "savoir_faire";

/** One logical column: its header in the reference release, other known spellings, and whether a file without it is refused. */
export interface ColumnSpec {
  /** The header as the reference release (DOMAIN.md) spells it; used in error messages. */
  readonly header: string;
  /** Other spellings that normalisation does not already bring together. */
  readonly aliases?: readonly string[];
  /** A file without this column is refused as a whole. */
  readonly isRequired?: boolean;
}

/**
 * Columns of `PS_LibreAcces_Personne_activite_*.txt`, one row per practice situation.
 * Required: what a record cannot do without (who the person is and their profession). Everything
 * else may be absent in some release and then reads as `null`; the savoir-faire columns are absent
 * in newer releases, where specialties live in the SavoirFaire file.
 */
export const PERSONNE_ACTIVITE_COLUMNS = {
  idType: { header: "Type d'identifiant PP", isRequired: true },
  identifier: { header: "Identifiant PP", isRequired: true },
  nationalId: { header: "Identification nationale PP", isRequired: true },
  practiceCivilityCode: { header: "Code civilité d'exercice" },
  practiceCivilityLabel: { header: "Libellé civilité d'exercice" },
  civilityCode: { header: "Code civilité" },
  civilityLabel: { header: "Libellé civilité" },
  lastName: { header: "Nom d'exercice", isRequired: true },
  firstName: { header: "Prénom d'exercice", isRequired: true },
  professionCode: { header: "Code profession", isRequired: true },
  professionLabel: { header: "Libellé profession" },
  categoryCode: { header: "Code catégorie professionnelle" },
  categoryLabel: { header: "Libellé catégorie professionnelle" },
  savoirFaireTypeCode: { header: "Code type savoir-faire" },
  savoirFaireTypeLabel: { header: "Libellé type savoir-faire" },
  savoirFaireCode: { header: "Code savoir-faire" },
  savoirFaireLabel: { header: "Libellé savoir-faire" },
  practiceModeCode: { header: "Code mode exercice" },
  practiceModeLabel: { header: "Libellé mode exercice" },
  siret: { header: "Numéro SIRET site" },
  siren: { header: "Numéro SIREN site" },
  finessSite: { header: "Numéro FINESS site" },
  finessLegalEntity: { header: "Numéro FINESS établissement juridique" },
  technicalId: { header: "Identifiant technique de la structure" },
  legalName: { header: "Raison sociale site" },
  tradeName: { header: "Enseigne commerciale site" },
  recipientComplement: { header: "Complément destinataire (coord. structure)" },
  locationComplement: { header: "Complément point géographique (coord. structure)" },
  streetNumber: { header: "Numéro Voie (coord. structure)" },
  repetitionIndex: { header: "Indice répétition voie (coord. structure)" },
  streetTypeCode: { header: "Code type de voie (coord. structure)" },
  streetTypeLabel: { header: "Libellé type de voie (coord. structure)" },
  streetName: { header: "Libellé Voie (coord. structure)" },
  distributionMention: { header: "Mention distribution (coord. structure)" },
  cedexOffice: { header: "Bureau cedex (coord. structure)" },
  postalCode: { header: "Code postal (coord. structure)" },
  communeCode: { header: "Code commune (coord. structure)" },
  communeLabel: { header: "Libellé commune (coord. structure)" },
  countryCode: { header: "Code pays (coord. structure)" },
  countryLabel: { header: "Libellé pays (coord. structure)" },
  phone: { header: "Téléphone (coord. structure)" },
  phone2: { header: "Téléphone 2 (coord. structure)" },
  fax: { header: "Télécopie (coord. structure)" },
  email: { header: "Adresse e-mail (coord. structure)", aliases: ["Adresse email (coord. structure)"] },
  departementCode: { header: "Code Département (structure)" },
  departementLabel: { header: "Libellé Département (structure)" },
  formerStructureId: { header: "Ancien identifiant de la structure" },
  registrationAuthority: { header: "Autorité d'enregistrement" },
  sectorCode: { header: "Code secteur d'activité" },
  sectorLabel: { header: "Libellé secteur d'activité" },
  pharmacistSectionCode: { header: "Code section tableau pharmaciens" },
  pharmacistSectionLabel: { header: "Libellé section tableau pharmaciens" },
  // Appended in newer releases.
  roleCode: { header: "Code fonction" },
  roleLabel: { header: "Libellé fonction" },
  activityGenreCode: { header: "Code genre d'activité" },
  activityGenreLabel: { header: "Libellé genre d'activité" },
} as const satisfies Record<string, ColumnSpec>;

/**
 * Columns of `PS_LibreAcces_SavoirFaire_*.txt`, one row per savoir-faire of a person, joined on
 * the national id. Its exact column list is not verified against a real release (fixtures
 * README), so only the id and the savoir-faire columns are read.
 */
export const SAVOIR_FAIRE_COLUMNS = {
  idType: { header: "Type d'identifiant PP" },
  identifier: { header: "Identifiant PP" },
  nationalId: { header: "Identification nationale PP", isRequired: true },
  typeCode: { header: "Code type savoir-faire" },
  typeLabel: { header: "Libellé type savoir-faire" },
  code: { header: "Code savoir-faire", isRequired: true },
  label: { header: "Libellé savoir-faire" },
} as const satisfies Record<string, ColumnSpec>;

/** For each logical column, its index in the row, or -1 when the file does not have it. */
export type ColumnIndexes<Specs> = { readonly [K in keyof Specs]: number };

/**
 * Maps a header row onto logical columns by normalised name. Unknown columns are ignored; when
 * two columns normalise alike, the first one wins.
 *
 * @throws AnnuaireImportError (`ANNUAIRE_MISSING_COLUMN`) naming every required column absent.
 */
export function mapColumns<Specs extends Record<string, ColumnSpec>>(
  specs: Specs,
  headers: readonly string[],
  source: string,
): ColumnIndexes<Specs> {
  const indexByName = new Map<string, number>();
  headers.forEach((header, index) => {
    const name = normalizeHeader(header);
    if (name !== "" && !indexByName.has(name)) indexByName.set(name, index);
  });
  const indexes: Record<string, number> = {};
  const missing: string[] = [];
  for (const [field, spec] of Object.entries(specs)) {
    let index = -1;
    for (const spelling of [spec.header, ...(spec.aliases ?? [])]) {
      index = indexByName.get(normalizeHeader(spelling)) ?? -1;
      if (index !== -1) break;
    }
    if (index === -1 && spec.isRequired) missing.push(`"${spec.header}"`);
    indexes[field] = index;
  }
  if (missing.length > 0) {
    throw new AnnuaireImportError(
      AnnuaireErrorCode.MISSING_COLUMN,
      `importAnnuaire: missing column${missing.length > 1 ? "s" : ""} ${missing.join(", ")} in ${source}: ` +
        "columns are matched by name, ignoring case, accents and punctuation; check that this is a PS_LibreAcces extraction file",
    );
  }
  return indexes as ColumnIndexes<Specs>;
}

/**
 * Which extraction file a file name designates (`PS_LibreAcces_Personne_activite_<stamp>.txt`,
 * `PS_LibreAcces_SavoirFaire_<stamp>.txt`), `"ignored"` for known files this importer does not
 * read (`Dipl_AutExerc`), `undefined` when the name does not say.
 */
export function fileKindFromName(fileName: string): AnnuaireFileKind | "ignored" | undefined {
  const name = normalizeHeader(fileName).replaceAll(" ", "");
  if (name.includes("personneactivite")) return "personne_activite";
  if (name.includes("savoirfaire")) return "savoir_faire";
  if (name.includes("diplautexerc")) return "ignored";
  return undefined;
}

/** Which extraction file a header row belongs to, when the file name does not say. */
export function fileKindFromHeader(headers: readonly string[]): AnnuaireFileKind | undefined {
  const names = new Set(headers.map(normalizeHeader));
  const has = (header: string) => names.has(normalizeHeader(header));
  if (
    has(PERSONNE_ACTIVITE_COLUMNS.practiceModeCode.header) ||
    has(PERSONNE_ACTIVITE_COLUMNS.technicalId.header)
  ) {
    return "personne_activite";
  }
  if (has(SAVOIR_FAIRE_COLUMNS.code.header)) return "savoir_faire";
  return undefined;
}
