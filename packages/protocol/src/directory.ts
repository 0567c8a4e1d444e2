import { type Static, Type } from "@sinclair/typebox";
import { StrictObject } from "./common.ts";

/** Search results per page by default, and at most. */
export const DIRECTORY_SEARCH_DEFAULT_LIMIT = 20;
export const DIRECTORY_SEARCH_MAX_LIMIT = 100;

/**
 * `GET /api/v1/directory/search`. Every field is a string: query strings are not coerced, so
 * numbers travel as digits checked by a pattern. At least `q` or one filter (profession, specialty,
 * département, territory) is needed.
 */
export const DirectorySearchQuery = Type.Object(
  {
    q: Type.Optional(
      Type.String({
        maxLength: 200,
        pattern: "^[^\\u0000-\\u001f\\u007f]*$",
        description:
          "Free text: names, profession, specialty, commune, postal code, département, establishment. " +
          "Accents and case are ignored; every word must match the start of a word.",
      }),
    ),
    profession: Type.Optional(
      Type.String({
        pattern: "^[0-9]{1,4}$",
        description: "Profession code (table TRE_G15), e.g. 10 = Médecin",
      }),
    ),
    specialty: Type.Optional(
      Type.String({
        pattern: "^[A-Za-z0-9]{1,12}$",
        description: "Savoir-faire code (table TRE_R38 for specialties), e.g. SM04 = Cardiologie",
      }),
    ),
    departement: Type.Optional(
      Type.String({
        pattern: "^(?:[0-9]{2,3}|2[ABab])$",
        description: "Département code of a practice place: 01…95, 2A, 2B, 971…976",
      }),
    ),
    territory: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        pattern: "^[A-Za-z0-9_-]+$",
        description:
          "Id of a territory (an organisation): only professionals with a practice place in its perimeter " +
          "(its communes, by INSEE code, and its départements)",
      }),
    ),
    limit: Type.Optional(
      Type.String({
        pattern: "^[0-9]{1,3}$",
        description: `1 to ${DIRECTORY_SEARCH_MAX_LIMIT}, default ${DIRECTORY_SEARCH_DEFAULT_LIMIT}`,
      }),
    ),
  },
  { additionalProperties: false },
);
export type DirectorySearchQuery = Static<typeof DirectorySearchQuery>;

/** A code of a national table (TRE_…) with its label from the directory. */
export const DirectoryCode = StrictObject({
  code: Type.String(),
  label: Type.Union([Type.String(), Type.Null()]),
});
export type DirectoryCode = Static<typeof DirectoryCode>;

/** Where a professional practises (one per practice situation, same establishment listed once). */
export const DirectoryPlace = StrictObject({
  establishmentName: Type.Union([Type.String(), Type.Null()]),
  commune: Type.Union([Type.String(), Type.Null()]),
  postalCode: Type.Union([Type.String(), Type.Null()]),
  departement: Type.Union([DirectoryCode, Type.Null()]),
});
export type DirectoryPlace = Static<typeof DirectoryPlace>;

/** A professional of the Annuaire Santé, as the search shows them. */
export const DirectoryProfessional = StrictObject({
  /** idNat_PS: `8` + RPPS or `0` + ADELI. */
  nationalId: Type.String({ pattern: "^[0-9]{10,12}$" }),
  idType: Type.Union([Type.Literal("RPPS"), Type.Literal("ADELI")]),
  /** Civilité d'exercice as the directory spells it ("Docteur", "Madame", …). */
  civility: Type.Union([Type.String(), Type.Null()]),
  lastName: Type.String(),
  firstName: Type.String(),
  profession: Type.Union([DirectoryCode, Type.Null()]),
  specialties: Type.Array(DirectoryCode),
  /** False once the professional is missing from a complete extraction (retired, struck off, …). */
  active: Type.Boolean(),
  places: Type.Array(DirectoryPlace),
  /** Whether this professional has a verified, not suspended Confrère account linked to them. */
  onConfrere: Type.Boolean(),
  /** That account's id, to start a conversation with them; null when not on Confrère. */
  userId: Type.Union([Type.String(), Type.Null()]),
});
export type DirectoryProfessional = Static<typeof DirectoryProfessional>;

export const DirectorySearchResponse = StrictObject({
  results: Type.Array(DirectoryProfessional),
  /**
   * True when more professionals matched than the server ranks (2,000): the results then come
   * from the first of them only. Ask for another word or a filter.
   */
  isPartial: Type.Boolean(),
});
export type DirectorySearchResponse = Static<typeof DirectorySearchResponse>;
