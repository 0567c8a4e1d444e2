/**
 * Télé-expertise: a structured request from a *requérant* (the professional who asks) to a *requis*
 * (the professional, or the service, asked for an opinion). The server keeps only the request's
 * state, timestamps and opaque ids; the question, the clinical context, a decline reason and the
 * conclusion travel end-to-end encrypted (`expertise-*` contents in content.ts).
 */
import { type Static, Type } from "@sinclair/typebox";
import { Id, StrictObject } from "./common.ts";

/** An opaque télé-expertise id made on the device (same shape as `expertiseId` in content.ts). */
export const ExpertiseId = Type.String({
  minLength: 8,
  maxLength: 64,
  pattern: "^[A-Za-z0-9][A-Za-z0-9_-]*$",
});

/** sent → accepted | declined; accepted → answered | declined; answered | declined → closed. */
export const ExpertiseState = Type.Union([
  Type.Literal("sent"),
  Type.Literal("accepted"),
  Type.Literal("declined"),
  Type.Literal("answered"),
  Type.Literal("closed"),
]);
export type ExpertiseState = Static<typeof ExpertiseState>;

/**
 * The message id of a step of a request, the same on every device (a step sent twice is stored
 * once). The server recognises the request's own message by it, to title its notification.
 */
export function expertiseStepMessageId(
  expertiseId: string,
  step: "request" | ExpertiseState | "answer",
): string {
  return `${expertiseId}-${step}`;
}

/** Notification routing only (an urgent request to a service alerts whoever is on call first). */
export const ExpertiseUrgency = Type.Union([Type.Literal("routine"), Type.Literal("urgent")]);
export type ExpertiseUrgency = Static<typeof ExpertiseUrgency>;

/** The caller's side of a request. */
export const ExpertiseRole = Type.Union([Type.Literal("requerant"), Type.Literal("requis")]);
export type ExpertiseRole = Static<typeof ExpertiseRole>;

/** What the server knows of a request: no question, no patient, no answer. */
export const TeleExpertise = Type.Object({
  id: ExpertiseId,
  conversationId: Type.String(),
  requerantId: Type.Union([Type.String(), Type.Null()]),
  /** The person asked; for a request to a service, the roster member who accepted it (null before). */
  requisUserId: Type.Union([Type.String(), Type.Null()]),
  serviceId: Type.Union([Type.String(), Type.Null()]),
  caseId: Type.Union([Type.String(), Type.Null()]),
  urgency: ExpertiseUrgency,
  state: ExpertiseState,
  sentAt: Type.Number(),
  acceptedAt: Type.Union([Type.Number(), Type.Null()]),
  declinedAt: Type.Union([Type.Number(), Type.Null()]),
  answeredAt: Type.Union([Type.Number(), Type.Null()]),
  closedAt: Type.Union([Type.Number(), Type.Null()]),
  /**
   * Whether the requérant and the requis practise at the same site in the directory (a shared
   * FINESS site or structure): such a télé-expertise is not billable (avenant 9).
   */
  sameSite: Type.Boolean(),
});
export type TeleExpertise = Static<typeof TeleExpertise>;

/** The requérant registers a request: to one person (`requisUserId`) or to a service (`serviceId`). */
export const RequestExpertiseRequest = StrictObject({
  id: ExpertiseId,
  conversationId: Id,
  requisUserId: Type.Optional(Id),
  serviceId: Type.Optional(Id),
  caseId: Type.Optional(Type.String({ minLength: 8, maxLength: 64, pattern: "^[A-Za-z0-9][A-Za-z0-9_-]*$" })),
  urgency: ExpertiseUrgency,
});
export type RequestExpertiseRequest = Static<typeof RequestExpertiseRequest>;

export const ExpertiseParams = StrictObject({ id: ExpertiseId });
export const ExpertisesQuery = StrictObject({
  role: Type.Optional(ExpertiseRole),
  state: Type.Optional(ExpertiseState),
});
export type ExpertisesQuery = Static<typeof ExpertisesQuery>;

export const ExpertisesResponse = Type.Object({ expertises: Type.Array(TeleExpertise) });
export type ExpertisesResponse = Static<typeof ExpertisesResponse>;

// Billing: the acts of the Nomenclature générale / CCAM forfaits for télé-expertise.

/** One billable act, valid from `validFrom` (inclusive) until `validUntil` (exclusive, or open). */
export interface TeleExpertiseAct {
  readonly code: string;
  readonly role: ExpertiseRole;
  readonly euros: number;
  readonly label: string;
  /** ISO date (YYYY-MM-DD). */
  readonly validFrom: string;
  readonly validUntil: string | null;
}

/**
 * The acts, one table with their dates of validity (DOMAIN.md, "Télé-expertise").
 * From 1 Apr 2022 (avenant 9): the requis bills TE2 (€20), the requérant RQD (€10).
 * Before: TE1 €12 / TE2 €20 for the requis, by the request's level (avenant 6, 2019); the requérant
 * was paid by a yearly flat fee, not an act (*unverified*: change this table if wrong).
 */
export const TELE_EXPERTISE_ACTS: readonly TeleExpertiseAct[] = [
  {
    code: "TE1",
    role: "requis",
    euros: 12,
    label: "Télé-expertise de niveau 1",
    validFrom: "2019-02-10",
    validUntil: "2022-04-01",
  },
  {
    code: "TE2",
    role: "requis",
    euros: 20,
    label: "Télé-expertise de niveau 2",
    validFrom: "2019-02-10",
    validUntil: "2022-04-01",
  },
  {
    code: "TE2",
    role: "requis",
    euros: 20,
    label: "Télé-expertise (requis)",
    validFrom: "2022-04-01",
    validUntil: null,
  },
  {
    code: "RQD",
    role: "requerant",
    euros: 10,
    label: "Demande de télé-expertise (requérant)",
    validFrom: "2022-04-01",
    validUntil: null,
  },
];

/** At most this many billable télé-expertises per patient and requis over 12 rolling months (avenant 9). */
export const TELE_EXPERTISE_YEARLY_LIMIT = 4;

/** The ISO date (YYYY-MM-DD) of a time in Europe/Paris, where the acts are billed. */
function parisDate(at: number | Date): string {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone: "Europe/Paris",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(at);
}

/**
 * The acts a role may bill for a télé-expertise made at `at` (epoch ms, a Date, or "YYYY-MM-DD").
 *
 * @example
 * applicableActs("2023-06-01", "requis"); // [{ code: "TE2", euros: 20, ... }]
 * applicableActs("2021-06-01", "requerant"); // []
 */
export function applicableActs(at: number | Date | string, role: ExpertiseRole): TeleExpertiseAct[] {
  const day = typeof at === "string" ? at.slice(0, 10) : parisDate(at);
  return TELE_EXPERTISE_ACTS.filter(
    (act) => act.role === role && act.validFrom <= day && (act.validUntil === null || day < act.validUntil),
  );
}
