/**
 * Wire types: establishments (identified by FINESS) with their services and rosters, and
 * territories (communauté de communes, CPTS, département) with a perimeter and member
 * professionals. Administrators see aggregate counts only: nothing here carries a message or who
 * talks to whom.
 */
import { type Static, Type } from "@sinclair/typebox";
import { Id, StrictObject, Timestamp } from "./common.ts";
import { MessagingLimits } from "./messaging.ts";

const NO_CONTROL_CHARACTERS = "^[^\\u0000-\\u001f\\u007f]*$";

/** Limits of organisations; a request beyond one is a 400 `VALIDATION_FAILED`. */
export const OrganisationLimits = {
  /** A territory's communes (a département has up to ~900; a CPTS a few dozen). */
  maxCommunes: 1000,
  maxDepartements: 20,
  /** A message to a service goes to a group of the caller plus the roster. */
  maxRosterSize: MessagingLimits.maxGroupMembers - 1,
  maxServiceNameLength: 80,
  maxPageSize: 500,
} as const;

export const OrganisationKind = Type.Union([Type.Literal("establishment"), Type.Literal("territory")]);
export type OrganisationKind = Static<typeof OrganisationKind>;

/**
 * The three kinds of territory: a communauté de communes (intercommunality), a CPTS
 * (communauté professionnelle territoriale de santé, the care professionals of an area) and a
 * département.
 */
export const TerritoryType = Type.Union([
  Type.Literal("communaute_de_communes"),
  Type.Literal("cpts"),
  Type.Literal("departement"),
]);
export type TerritoryType = Static<typeof TerritoryType>;

export const OrganisationName = Type.String({ minLength: 1, maxLength: 200, pattern: NO_CONTROL_CHARACTERS });
export const ServiceName = Type.String({
  minLength: 1,
  maxLength: OrganisationLimits.maxServiceNameLength,
  pattern: NO_CONTROL_CHARACTERS,
  description: "Unique per establishment, ignoring case, accents and punctuation",
});

/**
 * Codes are checked by the server so that a wrong one gets its own error code
 * (`FINESS_INVALID_*`, `COMMUNE_CODE_INVALID`, `DEPARTEMENT_CODE_INVALID`), not a generic 400.
 */
const CodeInput = (description: string) =>
  Type.String({ minLength: 1, maxLength: 20, pattern: NO_CONTROL_CHARACTERS, description });
const CommuneCodes = Type.Array(CodeInput("INSEE commune code: 5 characters, 2A/2B for Corsica"), {
  maxItems: OrganisationLimits.maxCommunes,
});
const DepartementCodes = Type.Array(CodeInput("Département code: 01…95, 2A, 2B, 971…978"), {
  maxItems: OrganisationLimits.maxDepartements,
});

/** The communes and départements a territory covers. */
export const Perimeter = StrictObject({
  communes: Type.Array(Type.String()),
  departements: Type.Array(Type.String()),
});
export type Perimeter = Static<typeof Perimeter>;

export const Organisation = StrictObject({
  id: Id,
  kind: OrganisationKind,
  territoryType: Type.Union([TerritoryType, Type.Null()]),
  name: Type.String(),
  /** Establishments: the FINESS (site or legal entity) it was created from. */
  finess: Type.Union([Type.String(), Type.Null()]),
  /** Establishments: where it is, from the directory (null when the FINESS is not in it). */
  communeCode: Type.Union([Type.String(), Type.Null()]),
  communeLabel: Type.Union([Type.String(), Type.Null()]),
  departement: Type.Union([Type.String(), Type.Null()]),
  /** The organisation pays its members' subscriptions (used by billing). */
  sponsored: Type.Boolean(),
  /** Territories: what they cover; empty for an establishment. */
  perimeter: Perimeter,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Organisation = Static<typeof Organisation>;

/** How someone stands in an organisation: `operator` for a platform operator who is neither. */
export const OrganisationRole = Type.Union([Type.Literal("admin"), Type.Literal("member")]);
export type OrganisationRole = Static<typeof OrganisationRole>;

// Operators

/** `POST /api/v1/admin/organisations`, an establishment: the name defaults to the directory's. */
export const CreateEstablishmentRequest = StrictObject({
  kind: Type.Literal("establishment"),
  finess: CodeInput("FINESS number of the site (ET) or of the legal entity (EJ)"),
  name: Type.Optional(OrganisationName),
});
/** `POST /api/v1/admin/organisations`, a territory: at least one commune or département. */
export const CreateTerritoryRequest = StrictObject({
  kind: Type.Literal("territory"),
  territoryType: TerritoryType,
  name: OrganisationName,
  communes: Type.Optional(CommuneCodes),
  departements: Type.Optional(DepartementCodes),
  sponsored: Type.Optional(Type.Boolean()),
});
export const CreateOrganisationRequest = Type.Union([CreateEstablishmentRequest, CreateTerritoryRequest]);
export type CreateOrganisationRequest = Static<typeof CreateOrganisationRequest>;

/** `PATCH /api/v1/admin/organisations/:id`: a perimeter list given replaces the one stored. */
export const UpdateOrganisationRequest = Type.Object(
  {
    name: Type.Optional(OrganisationName),
    sponsored: Type.Optional(Type.Boolean()),
    communes: Type.Optional(CommuneCodes),
    departements: Type.Optional(DepartementCodes),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateOrganisationRequest = Static<typeof UpdateOrganisationRequest>;

export const OrganisationResponse = StrictObject({ organisation: Organisation });
export type OrganisationResponse = Static<typeof OrganisationResponse>;

export const AdminOrganisationListQuery = Type.Object(
  {
    kind: Type.Optional(OrganisationKind),
    q: Type.Optional(Type.String({ maxLength: 200, pattern: NO_CONTROL_CHARACTERS })),
    limit: Type.Optional(Type.String({ pattern: "^[0-9]{1,3}$", description: "1 to 200, default 50" })),
  },
  { additionalProperties: false },
);
export type AdminOrganisationListQuery = Static<typeof AdminOrganisationListQuery>;

export const OrganisationCounts = StrictObject({
  admins: Type.Integer({ minimum: 0 }),
  members: Type.Integer({ minimum: 0 }),
  services: Type.Integer({ minimum: 0 }),
});
export type OrganisationCounts = Static<typeof OrganisationCounts>;

export const AdminOrganisationListResponse = StrictObject({
  organisations: Type.Array(StrictObject({ organisation: Organisation, counts: OrganisationCounts })),
});
export type AdminOrganisationListResponse = Static<typeof AdminOrganisationListResponse>;

export const OrganisationAdminRequest = StrictObject({ userId: Id });
export const OrganisationIdParams = StrictObject({ id: Id });
export const OrganisationUserParams = StrictObject({ id: Id, userId: Id });
export const RemoveAdminQuery = Type.Object(
  {
    allowNoAdmin: Type.Optional(
      Type.Union([Type.Literal("true"), Type.Literal("false")], {
        description: "Operators: `true` to remove even the last administrator",
      }),
    ),
  },
  { additionalProperties: false },
);
export type RemoveAdminQuery = Static<typeof RemoveAdminQuery>;

// Administrators and members

export const MyOrganisationsResponse = StrictObject({
  organisations: Type.Array(StrictObject({ organisation: Organisation, role: OrganisationRole })),
});
export type MyOrganisationsResponse = Static<typeof MyOrganisationsResponse>;

export const OrganisationDetailResponse = StrictObject({
  organisation: Organisation,
  /** The caller's role; `operator` for a platform operator who is neither admin nor member. */
  myRole: Type.Union([OrganisationRole, Type.Literal("operator")]),
});
export type OrganisationDetailResponse = Static<typeof OrganisationDetailResponse>;

export const OrganisationMember = StrictObject({
  userId: Id,
  displayName: Type.String(),
  role: OrganisationRole,
  isVerified: Type.Boolean(),
  addedAt: Timestamp,
});
export type OrganisationMember = Static<typeof OrganisationMember>;

export const OrganisationMembersQuery = Type.Object(
  {
    after: Type.Optional(Id),
    limit: Type.Optional(
      Type.String({
        pattern: "^[0-9]{1,3}$",
        description: `1 to ${OrganisationLimits.maxPageSize}, default 200`,
      }),
    ),
  },
  { additionalProperties: false },
);
export type OrganisationMembersQuery = Static<typeof OrganisationMembersQuery>;

export const OrganisationMembersResponse = StrictObject({
  members: Type.Array(OrganisationMember),
  /** Pass as `after` for the next page; null on the last one. */
  nextAfter: Type.Union([Id, Type.Null()]),
});
export type OrganisationMembersResponse = Static<typeof OrganisationMembersResponse>;

export const AddOrganisationMemberRequest = StrictObject({
  userId: Id,
  /** Operators only: add a territory member whose directory practice is outside the perimeter. */
  overridePerimeter: Type.Optional(Type.Boolean()),
});
export type AddOrganisationMemberRequest = Static<typeof AddOrganisationMemberRequest>;

export const OrganisationMemberResponse = StrictObject({ member: OrganisationMember });
export type OrganisationMemberResponse = Static<typeof OrganisationMemberResponse>;

/**
 * `GET /api/v1/organisations/:id/stats`: aggregate counts only. Never a message, never who talks
 * to whom (the exact keys are asserted by the tests: add one only with care).
 */
export const OrganisationStatsResponse = StrictObject({
  members: Type.Integer({ minimum: 0 }),
  verifiedMembers: Type.Integer({ minimum: 0 }),
  admins: Type.Integer({ minimum: 0 }),
  /** Members by the profession of their directory record; `code: null` for accounts not linked. */
  byProfession: Type.Array(
    StrictObject({
      code: Type.Union([Type.String(), Type.Null()]),
      label: Type.Union([Type.String(), Type.Null()]),
      count: Type.Integer({ minimum: 0 }),
    }),
  ),
  services: Type.Integer({ minimum: 0 }),
  rosterSizes: Type.Array(
    StrictObject({ serviceId: Id, name: Type.String(), size: Type.Integer({ minimum: 0 }) }),
  ),
});
export type OrganisationStatsResponse = Static<typeof OrganisationStatsResponse>;

// Services and rosters

export const ServiceIdParams = StrictObject({ serviceId: Id });
export const ServiceUserParams = StrictObject({ serviceId: Id, userId: Id });

export const CreateServiceRequest = StrictObject({ name: ServiceName });
export const UpdateServiceRequest = StrictObject({ name: ServiceName });

export const Service = StrictObject({
  id: Id,
  organisationId: Id,
  name: Type.String(),
  /** Staff on the roster who can be reached (verified, not suspended). */
  rosterSize: Type.Integer({ minimum: 0 }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Service = Static<typeof Service>;

export const ServiceResponse = StrictObject({ service: Service });
export type ServiceResponse = Static<typeof ServiceResponse>;
export const OrganisationServicesResponse = StrictObject({ services: Type.Array(Service) });
export type OrganisationServicesResponse = Static<typeof OrganisationServicesResponse>;

export const SetRosterRequest = StrictObject({
  userIds: Type.Array(Id, { maxItems: OrganisationLimits.maxRosterSize }),
});
export const AddRosterMemberRequest = StrictObject({ userId: Id });

/** A service as a professional who wants to reach it sees it. */
export const ServiceSummary = StrictObject({
  id: Id,
  name: Type.String(),
  organisationId: Id,
  establishmentName: Type.String(),
  commune: Type.Union([Type.String(), Type.Null()]),
  departement: Type.Union([Type.String(), Type.Null()]),
  rosterSize: Type.Integer({ minimum: 0 }),
});
export type ServiceSummary = Static<typeof ServiceSummary>;

export const RosterEntry = StrictObject({ userId: Id, displayName: Type.String() });
export type RosterEntry = Static<typeof RosterEntry>;

export const ServiceRosterResponse = StrictObject({
  service: ServiceSummary,
  roster: Type.Array(RosterEntry),
});
export type ServiceRosterResponse = Static<typeof ServiceRosterResponse>;

export const SERVICE_SEARCH_DEFAULT_LIMIT = 20;
export const SERVICE_SEARCH_MAX_LIMIT = 100;

export const ServiceSearchQuery = Type.Object(
  {
    q: Type.String({
      minLength: 1,
      maxLength: 200,
      pattern: NO_CONTROL_CHARACTERS,
      description:
        "Words of the service name, the establishment's name, commune or département, e.g. `cardio auxerre`. " +
        "Accents and case are ignored; every word must start a word.",
    }),
    limit: Type.Optional(
      Type.String({
        pattern: "^[0-9]{1,3}$",
        description: `1 to ${SERVICE_SEARCH_MAX_LIMIT}, default ${SERVICE_SEARCH_DEFAULT_LIMIT}`,
      }),
    ),
  },
  { additionalProperties: false },
);
export type ServiceSearchQuery = Static<typeof ServiceSearchQuery>;

export const ServiceSearchResponse = StrictObject({ results: Type.Array(ServiceSummary) });
export type ServiceSearchResponse = Static<typeof ServiceSearchResponse>;

// Codes of places

/**
 * Département codes: `01`–`95` without `20` (split into `2A`/`2B` in 1976) and the overseas
 * `971`–`978`. 977/978 (Saint-Barthélemy, Saint-Martin) are collectivities with INSEE codes of
 * this shape; widen here if a real code is refused.
 */
const DEPARTEMENT_CODE = /^(?:0[1-9]|1[0-9]|2[1-9]|2[AB]|[3-8][0-9]|9[0-5]|97[1-8])$/;
/** INSEE commune codes: the département's two characters then three digits, or `97x` then two. */
const COMMUNE_CODE = /^(?:(?:0[1-9]|1[0-9]|2[1-9]|2[AB]|[3-8][0-9]|9[0-5])[0-9]{3}|97[1-8][0-9]{2})$/;

/**
 * Normalises an INSEE commune code (spaces trimmed, `2a` → `2A`), or null when it has not the
 * shape of one.
 *
 * @example
 * normaliseCommuneCode("89024"); // "89024" (Auxerre)
 * normaliseCommuneCode("2a004"); // "2A004" (Ajaccio)
 * normaliseCommuneCode("8902"); // null
 */
export function normaliseCommuneCode(input: string): string | null {
  const value = input.trim().toUpperCase();
  return COMMUNE_CODE.test(value) ? value : null;
}

/**
 * Normalises a département code (`2b` → `2B`, `1` is not `01`), or null when it is not one.
 *
 * @example
 * normaliseDepartementCode("89"); // "89"
 * normaliseDepartementCode("974"); // "974"
 * normaliseDepartementCode("20"); // null (Corsica is 2A and 2B)
 */
export function normaliseDepartementCode(input: string): string | null {
  const value = input.trim().toUpperCase();
  return DEPARTEMENT_CODE.test(value) ? value : null;
}
