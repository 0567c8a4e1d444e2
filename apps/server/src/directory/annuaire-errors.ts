/**
 * Codes of the errors that stop the reading of a whole file (a bad row never does: it becomes a
 * rejection, see `AnnuaireRowRejection`).
 */
export const AnnuaireErrorCode = {
  /** A column the records cannot do without is absent from the header. */
  MISSING_COLUMN: "ANNUAIRE_MISSING_COLUMN",
  /** Neither the file name nor its header says which extraction file this is. */
  UNKNOWN_FILE: "ANNUAIRE_UNKNOWN_FILE",
  /** The file has no header row. */
  EMPTY_FILE: "ANNUAIRE_EMPTY_FILE",
  /** A line is far longer than any real row: not a PS_LibreAcces text file (or CR-only line ends). */
  LINE_TOO_LONG: "ANNUAIRE_LINE_TOO_LONG",
  /** A zip archive holds no Personne_activite or SavoirFaire file. */
  NOTHING_TO_READ: "ANNUAIRE_NOTHING_TO_READ",
} as const;
export type AnnuaireErrorCode = (typeof AnnuaireErrorCode)[keyof typeof AnnuaireErrorCode];

/** A file of the extraction cannot be read at all. The message starts with `importAnnuaire:`. */
export class AnnuaireImportError extends Error {
  constructor(
    readonly code: AnnuaireErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "AnnuaireImportError";
  }
}
