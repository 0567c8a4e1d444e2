/** Reading the Annuaire Santé extraction (PS_LibreAcces) into typed records. */
export {
  type AnnuaireFileKind,
  type ColumnSpec,
  fileKindFromHeader,
  fileKindFromName,
  PERSONNE_ACTIVITE_COLUMNS,
  SAVOIR_FAIRE_COLUMNS,
} from "./annuaire-columns.ts";
export { AnnuaireErrorCode, AnnuaireImportError } from "./annuaire-errors.ts";
export type {
  AnnuaireFileSummary,
  AnnuaireItem,
  AnnuaireRecord,
  AnnuaireRejectionCode,
  AnnuaireRowRejection,
  Coded,
  PracticeSituationRecord,
  PracticeStructure,
  SavoirFaire,
  SavoirFaireRecord,
} from "./annuaire-records.ts";
export { normalizeHeader } from "./header-normalization.ts";
export type { DetectedEncoding } from "./line-decoder.ts";
export {
  type AnnuaireReadHooks,
  type ParseAnnuaireStreamOptions,
  parseAnnuaireStream,
  type ReadAnnuaireOptions,
  readAnnuaire,
} from "./read-annuaire.ts";
