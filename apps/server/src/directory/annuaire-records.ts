/**
 * What the Annuaire Santé reader produces. Values are the file's own strings, untrimmed and
 * unvalidated, except the person's identifiers (checked with the protocol's identifier rules);
 * an empty field reads as `null`.
 */

import type { NationalIdErrorCode, NationalIdType } from "@confrere/protocol";
import type { AnnuaireFileKind } from "./annuaire-columns.ts";
import type { DetectedEncoding } from "./line-decoder.ts";

/** A code of a national table (TRE_…) with its label as the file gives it. `null` fields were empty. */
export interface Coded {
  readonly code: string | null;
  readonly label: string | null;
}

/** A savoir-faire (specialty, competence, …): type `S` = spécialité ordinale (table TRE_R38). */
export interface SavoirFaire {
  readonly typeCode: string | null;
  readonly typeLabel: string | null;
  readonly code: string;
  readonly label: string | null;
}

/** The structure (site) of a practice situation, with its "coord. structure" address. */
export interface PracticeStructure {
  readonly siret: string | null;
  readonly siren: string | null;
  /** FINESS of the site (établissement, ET). */
  readonly finessSite: string | null;
  /** FINESS of the legal entity (établissement juridique, EJ). */
  readonly finessLegalEntity: string | null;
  /** The directory's own id of the structure (e.g. `R10544854973`). */
  readonly technicalId: string | null;
  /** Raison sociale. */
  readonly legalName: string | null;
  /** Enseigne commerciale. */
  readonly tradeName: string | null;
  readonly address: {
    readonly recipientComplement: string | null;
    readonly locationComplement: string | null;
    readonly streetNumber: string | null;
    /** Indice de répétition: `B` for bis, `T` for ter, … */
    readonly repetitionIndex: string | null;
    readonly streetType: Coded | null;
    readonly streetName: string | null;
    readonly distributionMention: string | null;
    readonly cedexOffice: string | null;
    readonly postalCode: string | null;
    /** INSEE commune code (`2A004` for Ajaccio). */
    readonly commune: Coded | null;
    readonly country: Coded | null;
  };
  readonly phone: string | null;
  readonly phone2: string | null;
  readonly fax: string | null;
  readonly email: string | null;
  readonly departement: Coded | null;
  readonly formerId: string | null;
  readonly registrationAuthority: string | null;
}

/** One row of `Personne_activite`: one practice situation of one person. */
export interface PracticeSituationRecord {
  readonly kind: "practice_situation";
  /** The file (or zip entry) the row comes from. */
  readonly source: string;
  /** 1-based line number in that file; the header is line 1. */
  readonly line: number;
  /** idNat_PS: `8` + RPPS or `0` + ADELI; checked. */
  readonly nationalId: string;
  readonly idType: NationalIdType;
  /** The RPPS or ADELI number; equal to `nationalId` without its first digit. */
  readonly identifier: string;
  /** Civilité d'exercice (`DR` Docteur, …). */
  readonly practiceCivility: Coded | null;
  /** Civilité (`M`, `MME`). */
  readonly civility: Coded | null;
  readonly lastName: string | null;
  readonly firstName: string | null;
  /** Table TRE_G15: `10` Médecin, `21` Pharmacien, `60` Infirmier, … */
  readonly profession: Coded | null;
  /** Catégorie professionnelle (`C` civil, …). */
  readonly category: Coded | null;
  /** Only in older releases; newer ones put specialties in the SavoirFaire file. */
  readonly specialty: SavoirFaire | null;
  /** Mode d'exercice: `L` libéral, `S` salarié, `B` bénévole. */
  readonly practiceMode: Coded | null;
  readonly structure: PracticeStructure;
  /** Secteur d'activité: `SA07` cabinet individuel, `SA08` cabinet de groupe, … */
  readonly sector: Coded | null;
  readonly pharmacistSection: Coded | null;
  /** Fonction (newer releases). */
  readonly role: Coded | null;
  /** Genre d'activité (newer releases). */
  readonly activityGenre: Coded | null;
}

/** One row of `SavoirFaire`: one savoir-faire of one person, joined on `nationalId`. */
export interface SavoirFaireRecord {
  readonly kind: "savoir_faire";
  readonly source: string;
  readonly line: number;
  readonly nationalId: string;
  readonly idType: NationalIdType;
  readonly identifier: string;
  readonly savoirFaire: SavoirFaire;
}

/** Why a row was set aside. Identifier rule codes come from the protocol package. */
export type AnnuaireRejectionCode =
  | "ANNUAIRE_ROW_FIELD_COUNT"
  | "ANNUAIRE_ROW_MISSING_IDENTIFIER"
  | "ANNUAIRE_ROW_IDENTIFIER_MISMATCH"
  | "ANNUAIRE_ROW_MISSING_SAVOIR_FAIRE"
  | NationalIdErrorCode;

/** A row that could not be read; reading goes on with the next one. */
export interface AnnuaireRowRejection {
  readonly kind: "rejection";
  readonly source: string;
  readonly line: number;
  readonly code: AnnuaireRejectionCode;
  /** For a person: starts with `importAnnuaire:` and names the line. */
  readonly reason: string;
}

export type AnnuaireRecord = PracticeSituationRecord | SavoirFaireRecord;
export type AnnuaireItem = AnnuaireRecord | AnnuaireRowRejection;

/** What one file gave, once read to its end. */
export interface AnnuaireFileSummary {
  readonly source: string;
  readonly kind: AnnuaireFileKind;
  readonly encoding: DetectedEncoding;
  readonly hasBom: boolean;
  /** Lines read, the header included. */
  readonly lines: number;
  readonly records: number;
  readonly rejections: number;
  /** Blocks of a UTF-8 file holding invalid bytes, read as U+FFFD (0 for a clean file). */
  readonly invalidUtf8Blocks: number;
}
