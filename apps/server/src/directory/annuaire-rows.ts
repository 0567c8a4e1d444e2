/**
 * Turns one `|`-separated line of an extraction file into a record or a rejection. Called about
 * two million times per import: one `split("|")` and index look-ups, no per-row regex.
 */

import { checkNationalId, type NationalIdType } from "@confrere/protocol";
import {
  type AnnuaireFileKind,
  type ColumnIndexes,
  mapColumns,
  PERSONNE_ACTIVITE_COLUMNS,
  SAVOIR_FAIRE_COLUMNS,
} from "./annuaire-columns.ts";
import type {
  AnnuaireItem,
  AnnuaireRejectionCode,
  AnnuaireRowRejection,
  Coded,
  PracticeSituationRecord,
  SavoirFaire,
  SavoirFaireRecord,
} from "./annuaire-records.ts";

/** Reads the rows of one file whose header has been seen. */
export interface RowReader {
  readonly kind: AnnuaireFileKind;
  /** Fields per row, the empty one after the trailing `|` included. */
  readonly fieldCount: number;
  read(line: string, lineNumber: number): AnnuaireItem;
}

/** The field at `index`, `null` when empty or when the file has no such column (`index` -1). */
function at(fields: readonly string[], index: number): string | null {
  const value = fields[index];
  return value === undefined || value === "" ? null : value;
}

function coded(fields: readonly string[], codeIndex: number, labelIndex: number): Coded | null {
  const code = at(fields, codeIndex);
  const label = at(fields, labelIndex);
  return code === null && label === null ? null : { code, label };
}

interface Identity {
  readonly nationalId: string;
  readonly idType: NationalIdType;
  readonly identifier: string;
}

const ID_TYPE_CODES: Readonly<Record<NationalIdType, string>> = { RPPS: "8", ADELI: "0" };

/**
 * Creates the reader for a file from its header line.
 *
 * @throws AnnuaireImportError (`ANNUAIRE_MISSING_COLUMN`) when a required column is absent.
 */
export function createRowReader(kind: AnnuaireFileKind, headerLine: string, source: string): RowReader {
  const headers = headerLine.split("|");
  const fieldCount = headers.length;

  function reject(line: number, code: AnnuaireRejectionCode, reason: string): AnnuaireRowRejection {
    return {
      kind: "rejection",
      source,
      line,
      code,
      reason: `importAnnuaire: line ${line} of ${source}: ${reason}`,
    };
  }

  function splitRow(line: string, lineNumber: number): string[] | AnnuaireRowRejection {
    const fields = line.split("|");
    if (fields.length !== fieldCount) {
      return reject(
        lineNumber,
        "ANNUAIRE_ROW_FIELD_COUNT",
        `${fields.length} fields where the header has ${fieldCount}: a value may hold a "|" or a line break, or the line was cut`,
      );
    }
    return fields;
  }

  /** Checks who the row is about: the national id, and that the other id columns agree with it. */
  function readIdentity(
    fields: readonly string[],
    ix: { readonly idType: number; readonly identifier: number; readonly nationalId: number },
    isIdentifierRequired: boolean,
    line: number,
  ): Identity | AnnuaireRowRejection {
    const identifier = at(fields, ix.identifier);
    if (identifier === null && isIdentifierRequired) {
      return reject(line, "ANNUAIRE_ROW_MISSING_IDENTIFIER", `"Identifiant PP" is empty`);
    }
    const nationalId = at(fields, ix.nationalId);
    if (nationalId === null) {
      return reject(line, "ANNUAIRE_ROW_MISSING_IDENTIFIER", `"Identification nationale PP" is empty`);
    }
    const checked = checkNationalId(nationalId);
    if (!checked.ok) {
      return reject(line, checked.code, `national id "${nationalId}" refused: ${checked.message}`);
    }
    if (identifier !== null && identifier.trim() !== checked.identifier) {
      return reject(
        line,
        "ANNUAIRE_ROW_IDENTIFIER_MISMATCH",
        `"Identifiant PP" ${identifier} is not the national id ${checked.value} without its first digit`,
      );
    }
    const idTypeCode = at(fields, ix.idType);
    if (idTypeCode !== null && idTypeCode.trim() !== ID_TYPE_CODES[checked.type]) {
      return reject(
        line,
        "ANNUAIRE_ROW_IDENTIFIER_MISMATCH",
        `"Type d'identifiant PP" is ${idTypeCode} but the national id ${checked.value} is ${checked.type} (type ${ID_TYPE_CODES[checked.type]})`,
      );
    }
    return { nationalId: checked.value, idType: checked.type, identifier: checked.identifier };
  }

  if (kind === "savoir_faire") {
    const ix = mapColumns(SAVOIR_FAIRE_COLUMNS, headers, source);
    return {
      kind,
      fieldCount,
      read(line, lineNumber): SavoirFaireRecord | AnnuaireRowRejection {
        const fields = splitRow(line, lineNumber);
        if (!Array.isArray(fields)) return fields;
        const identity = readIdentity(fields, ix, false, lineNumber);
        if ("kind" in identity) return identity;
        const code = at(fields, ix.code);
        if (code === null) {
          return reject(lineNumber, "ANNUAIRE_ROW_MISSING_SAVOIR_FAIRE", `"Code savoir-faire" is empty`);
        }
        return {
          kind: "savoir_faire",
          source,
          line: lineNumber,
          ...identity,
          savoirFaire: {
            typeCode: at(fields, ix.typeCode),
            typeLabel: at(fields, ix.typeLabel),
            code,
            label: at(fields, ix.label),
          },
        };
      },
    };
  }

  const ix = mapColumns(PERSONNE_ACTIVITE_COLUMNS, headers, source);
  return {
    kind,
    fieldCount,
    read(line, lineNumber): PracticeSituationRecord | AnnuaireRowRejection {
      const fields = splitRow(line, lineNumber);
      if (!Array.isArray(fields)) return fields;
      const identity = readIdentity(fields, ix, true, lineNumber);
      if ("kind" in identity) return identity;
      return {
        kind: "practice_situation",
        source,
        line: lineNumber,
        ...identity,
        practiceCivility: coded(fields, ix.practiceCivilityCode, ix.practiceCivilityLabel),
        civility: coded(fields, ix.civilityCode, ix.civilityLabel),
        lastName: at(fields, ix.lastName),
        firstName: at(fields, ix.firstName),
        profession: coded(fields, ix.professionCode, ix.professionLabel),
        category: coded(fields, ix.categoryCode, ix.categoryLabel),
        specialty: readSpecialty(fields, ix),
        practiceMode: coded(fields, ix.practiceModeCode, ix.practiceModeLabel),
        structure: {
          siret: at(fields, ix.siret),
          siren: at(fields, ix.siren),
          finessSite: at(fields, ix.finessSite),
          finessLegalEntity: at(fields, ix.finessLegalEntity),
          technicalId: at(fields, ix.technicalId),
          legalName: at(fields, ix.legalName),
          tradeName: at(fields, ix.tradeName),
          address: {
            recipientComplement: at(fields, ix.recipientComplement),
            locationComplement: at(fields, ix.locationComplement),
            streetNumber: at(fields, ix.streetNumber),
            repetitionIndex: at(fields, ix.repetitionIndex),
            streetType: coded(fields, ix.streetTypeCode, ix.streetTypeLabel),
            streetName: at(fields, ix.streetName),
            distributionMention: at(fields, ix.distributionMention),
            cedexOffice: at(fields, ix.cedexOffice),
            postalCode: at(fields, ix.postalCode),
            commune: coded(fields, ix.communeCode, ix.communeLabel),
            country: coded(fields, ix.countryCode, ix.countryLabel),
          },
          phone: at(fields, ix.phone),
          phone2: at(fields, ix.phone2),
          fax: at(fields, ix.fax),
          email: at(fields, ix.email),
          departement: coded(fields, ix.departementCode, ix.departementLabel),
          formerId: at(fields, ix.formerStructureId),
          registrationAuthority: at(fields, ix.registrationAuthority),
        },
        sector: coded(fields, ix.sectorCode, ix.sectorLabel),
        pharmacistSection: coded(fields, ix.pharmacistSectionCode, ix.pharmacistSectionLabel),
        role: coded(fields, ix.roleCode, ix.roleLabel),
        activityGenre: coded(fields, ix.activityGenreCode, ix.activityGenreLabel),
      };
    },
  };
}

/** The specialty carried by a Personne_activite row of an older release, if any. */
function readSpecialty(
  fields: readonly string[],
  ix: ColumnIndexes<typeof PERSONNE_ACTIVITE_COLUMNS>,
): SavoirFaire | null {
  const code = at(fields, ix.savoirFaireCode);
  if (code === null) return null;
  return {
    typeCode: at(fields, ix.savoirFaireTypeCode),
    typeLabel: at(fields, ix.savoirFaireTypeLabel),
    code,
    label: at(fields, ix.savoirFaireLabel),
  };
}
