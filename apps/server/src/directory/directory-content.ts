/**
 * What the directory keeps of a professional, built from all the rows of the extraction about
 * them (practice situations and savoir-faire), with the hash that tells on re-import whether
 * anything changed. Pure functions: the importer stages rows with `stageRecord` and rebuilds each
 * person with `buildProfessional` once all their rows are known.
 */
import { hash } from "node:crypto";
import type { NationalIdType } from "@confrere/protocol";
import type { AnnuaireRecord, Coded } from "./annuaire-records.ts";
import { professionalDocument } from "./search-documents.ts";
import { foldSearchText } from "./search-text.ts";

/**
 * A staged row is its kept fields joined by the unit separator (U+001F), the first one telling
 * the kind (`P` practice situation, `S` savoir-faire); an empty field is an absent value. The
 * string itself is the row's canonical form: the content hash is computed over these strings.
 */
const SEPARATOR = "\u001f";

/** Positions in a staged practice row. */
const P = {
  lastName: 1,
  firstName: 2,
  practiceCivilityCode: 3,
  practiceCivilityLabel: 4,
  civilityCode: 5,
  professionCode: 6,
  professionLabel: 7,
  specialtyCode: 8,
  specialtyLabel: 9,
  specialtyTypeCode: 10,
  modeCode: 11,
  modeLabel: 12,
  sectorCode: 13,
  sectorLabel: 14,
  roleCode: 15,
  roleLabel: 16,
  finessSite: 17,
  finessLegalEntity: 18,
  siret: 19,
  technicalId: 20,
  legalName: 21,
  tradeName: 22,
  address: 23,
  postalCode: 24,
  communeCode: 25,
  communeLabel: 26,
  departementCode: 27,
  departementLabel: 28,
  phone: 29,
} as const;
const PRACTICE_FIELDS = 30;

/** Positions in a staged savoir-faire row. */
const S = { code: 1, label: 2, typeCode: 3 } as const;

/** Trimmed, without separators, and `""` for an absent value: the file pads some fields with spaces. */
function clean(value: string | null | undefined): string {
  if (value === null || value === undefined) return "";
  const trimmed = value.trim();
  return trimmed.includes(SEPARATOR) ? trimmed.replaceAll(SEPARATOR, " ") : trimmed;
}

function code(coded: Coded | null): string {
  return clean(coded?.code);
}

function label(coded: Coded | null): string {
  return clean(coded?.label);
}

/** The street line of an address: "28 B rue de la République". */
function streetLine(parts: readonly (string | null)[]): string {
  let line = "";
  for (const part of parts) {
    const kept = clean(part);
    if (kept !== "") line = line === "" ? kept : `${line} ${kept}`;
  }
  return line;
}

/** The staging payload of one record: the fields the directory keeps (see SEPARATOR). */
export function stageRecord(record: AnnuaireRecord): string {
  if (record.kind === "savoir_faire") {
    const { savoirFaire } = record;
    return ["S", clean(savoirFaire.code), clean(savoirFaire.label), clean(savoirFaire.typeCode)].join(
      SEPARATOR,
    );
  }
  const row: string[] = new Array(PRACTICE_FIELDS);
  const { structure } = record;
  const { address } = structure;
  row[0] = "P";
  row[P.lastName] = clean(record.lastName);
  row[P.firstName] = clean(record.firstName);
  row[P.practiceCivilityCode] = code(record.practiceCivility);
  row[P.practiceCivilityLabel] = label(record.practiceCivility);
  row[P.civilityCode] = code(record.civility);
  row[P.professionCode] = code(record.profession);
  row[P.professionLabel] = label(record.profession);
  row[P.specialtyCode] = clean(record.specialty?.code);
  row[P.specialtyLabel] = clean(record.specialty?.label);
  row[P.specialtyTypeCode] = clean(record.specialty?.typeCode);
  row[P.modeCode] = code(record.practiceMode);
  row[P.modeLabel] = label(record.practiceMode);
  row[P.sectorCode] = code(record.sector);
  row[P.sectorLabel] = label(record.sector);
  row[P.roleCode] = code(record.role);
  row[P.roleLabel] = label(record.role);
  row[P.finessSite] = clean(structure.finessSite);
  row[P.finessLegalEntity] = clean(structure.finessLegalEntity);
  row[P.siret] = clean(structure.siret);
  row[P.technicalId] = clean(structure.technicalId);
  row[P.legalName] = clean(structure.legalName);
  row[P.tradeName] = clean(structure.tradeName);
  row[P.address] = streetLine([
    address.streetNumber,
    address.repetitionIndex,
    label(address.streetType) || code(address.streetType),
    address.streetName,
  ]);
  row[P.postalCode] = clean(address.postalCode);
  row[P.communeCode] = code(address.commune);
  row[P.communeLabel] = label(address.commune);
  row[P.departementCode] = code(structure.departement);
  row[P.departementLabel] = label(structure.departement);
  row[P.phone] = clean(structure.phone);
  return row.join(SEPARATOR);
}

export interface EstablishmentContent {
  /** `F` + FINESS site, else `S` + technical structure id. */
  readonly key: string;
  readonly finessSite: string | null;
  readonly finessLegalEntity: string | null;
  readonly siret: string | null;
  readonly technicalId: string | null;
  readonly name: string | null;
  readonly tradeName: string | null;
  readonly address: string | null;
  readonly postalCode: string | null;
  readonly communeCode: string | null;
  readonly communeLabel: string | null;
  readonly departementCode: string | null;
  readonly departementLabel: string | null;
  readonly phone: string | null;
  readonly hash: string;
}

export interface SituationContent {
  /** Establishment key, profession and specialty: what tells two situations of one person apart. */
  readonly key: string;
  readonly establishment: EstablishmentContent | null;
  readonly professionCode: string | null;
  readonly professionLabel: string | null;
  readonly specialtyCode: string | null;
  readonly practiceModeCode: string | null;
  readonly practiceModeLabel: string | null;
  readonly sectorCode: string | null;
  readonly sectorLabel: string | null;
  readonly roleCode: string | null;
  readonly roleLabel: string | null;
}

export interface SpecialtyContent {
  readonly code: string;
  readonly label: string | null;
  readonly typeCode: string | null;
}

export interface ProfessionalContent {
  readonly nationalId: string;
  readonly idType: NationalIdType;
  readonly identifier: string;
  readonly civilityCode: string | null;
  readonly practiceCivilityCode: string | null;
  readonly practiceCivilityLabel: string | null;
  readonly lastName: string;
  readonly firstName: string;
  /** Names folded as the search folds text: for exact-surname ranking and sorting. */
  readonly lastNameKey: string;
  readonly firstNameKey: string;
  readonly professionCode: string | null;
  readonly professionLabel: string | null;
  /** Sorted by key, one per key. */
  readonly situations: readonly SituationContent[];
  /** Sorted by code, one per code. */
  readonly specialties: readonly SpecialtyContent[];
  /** Hash of all the above: equal hashes mean nothing to write. */
  readonly hash: string;
  /** The folded words the search index holds for this person. */
  readonly document: string;
}

function sha1(text: string): string {
  // The one-shot form: no Hash object per call (a few million calls per import).
  return hash("sha1", text, "base64");
}

/** A staged field, `null` when absent. */
function field(fields: readonly string[], index: number): string | null {
  const value = fields[index];
  return value === undefined || value === "" ? null : value;
}

function establishmentOf(fields: readonly string[]): EstablishmentContent | null {
  const finessSite = field(fields, P.finessSite);
  const technicalId = field(fields, P.technicalId);
  const key = finessSite ? `F${finessSite}` : technicalId ? `S${technicalId}` : null;
  if (key === null) return null;
  return {
    key,
    finessSite,
    finessLegalEntity: field(fields, P.finessLegalEntity),
    siret: field(fields, P.siret),
    technicalId,
    name: field(fields, P.legalName),
    tradeName: field(fields, P.tradeName),
    address: field(fields, P.address),
    postalCode: field(fields, P.postalCode),
    communeCode: field(fields, P.communeCode),
    communeLabel: field(fields, P.communeLabel),
    departementCode: field(fields, P.departementCode),
    departementLabel: field(fields, P.departementLabel),
    phone: field(fields, P.phone),
    hash: sha1(fields.slice(P.finessSite).join(SEPARATOR)),
  };
}

interface StagedSituation {
  readonly key: string;
  readonly fields: readonly string[];
  readonly payload: string;
}

/**
 * Rebuilds one professional from the staged payloads of all their rows (in file order), or
 * returns `null` when none is a practice situation (savoir-faire of a person the extraction
 * does not otherwise list). Rows that repeat a situation key: the later one wins.
 */
export function buildProfessional(
  nationalId: string,
  payloads: readonly string[],
): ProfessionalContent | null {
  const situations = new Map<string, StagedSituation>();
  const specialties = new Map<string, SpecialtyContent>();
  for (const payload of payloads) {
    const fields = payload.split(SEPARATOR);
    if (fields[0] === "S") {
      const specialtyCode = field(fields, S.code);
      if (specialtyCode) {
        specialties.set(specialtyCode, {
          code: specialtyCode,
          label: field(fields, S.label),
          typeCode: field(fields, S.typeCode),
        });
      }
      continue;
    }
    const finessSite = fields[P.finessSite];
    const technicalId = fields[P.technicalId];
    const establishmentKey = finessSite ? `F${finessSite}` : technicalId ? `S${technicalId}` : "-";
    const specialtyCode = field(fields, P.specialtyCode);
    const key = `${establishmentKey}|${fields[P.professionCode] ?? ""}|${specialtyCode ?? ""}`;
    situations.set(key, { key, fields, payload });
    if (specialtyCode) {
      specialties.set(specialtyCode, {
        code: specialtyCode,
        label: field(fields, P.specialtyLabel),
        typeCode: field(fields, P.specialtyTypeCode),
      });
    }
  }
  if (situations.size === 0) return null;

  const staged = [...situations.values()];
  if (staged.length > 1) staged.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const specialtyList = [...specialties.values()];
  if (specialtyList.length > 1) specialtyList.sort((a, b) => (a.code < b.code ? -1 : 1));
  const first = staged[0]!.fields;
  const lastName = first[P.lastName] ?? "";
  const firstName = first[P.firstName] ?? "";

  // Everything kept is in the staged rows: hash them, in situation order, with the specialties.
  let hashed = "";
  for (const situation of staged) hashed += `${situation.payload}\n`;
  for (const specialty of specialtyList) {
    hashed += `S${SEPARATOR}${specialty.code}${SEPARATOR}${specialty.label ?? ""}${SEPARATOR}${specialty.typeCode ?? ""}\n`;
  }

  const situationList: SituationContent[] = [];
  for (const { key, fields } of staged) {
    const establishment = establishmentOf(fields);
    const professionLabel = field(fields, P.professionLabel);
    situationList.push({
      key,
      establishment,
      professionCode: field(fields, P.professionCode),
      professionLabel,
      specialtyCode: field(fields, P.specialtyCode),
      practiceModeCode: field(fields, P.modeCode),
      practiceModeLabel: field(fields, P.modeLabel),
      sectorCode: field(fields, P.sectorCode),
      sectorLabel: field(fields, P.sectorLabel),
      roleCode: field(fields, P.roleCode),
      roleLabel: field(fields, P.roleLabel),
    });
  }

  return {
    nationalId,
    idType: nationalId.startsWith("8") ? "RPPS" : "ADELI",
    identifier: nationalId.slice(1),
    civilityCode: field(first, P.civilityCode),
    practiceCivilityCode: field(first, P.practiceCivilityCode),
    practiceCivilityLabel: field(first, P.practiceCivilityLabel),
    lastName,
    firstName,
    lastNameKey: foldSearchText(lastName),
    firstNameKey: foldSearchText(firstName),
    professionCode: situationList[0]!.professionCode,
    professionLabel: situationList[0]!.professionLabel,
    situations: situationList,
    specialties: specialtyList,
    hash: sha1(hashed),
    document: professionalDocument({
      lastName,
      firstName,
      situations: situationList,
      specialties: specialtyList,
    }),
  };
}
