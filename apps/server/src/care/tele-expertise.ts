import {
  ConfrereError,
  ErrorCode,
  type ExpertiseState,
  type ExpertisesQuery,
  type RequestExpertiseRequest,
  type TeleExpertise,
} from "@confrere/protocol";
import type { AuditAction } from "../audit/audit-log.ts";
import type { AppContext } from "../context.ts";
import type { TeleExpertisesTable } from "../db/schema-tele-expertise.ts";
import { requireMembership } from "../messaging/access.ts";
import { requireService } from "../organisations/services.ts";

/**
 * Télé-expertise: the state machine of a request from a *requérant* (the professional who asks)
 * to a *requis* (a person, or a service whose roster member accepts it and so becomes the requis).
 *
 *   sent ──accept──▶ accepted ──answer──▶ answered ──close──▶ closed
 *     │                 │                                      ▲
 *     └─────decline─────┴──▶ declined ─────────close───────────┘
 *
 * The server sees states, timestamps and opaque ids only: the question, the clinical context, the
 * decline reason and the conclusion travel in the end-to-end encrypted `expertise-*` contents,
 * which also reach the other side in real time and by the ordinary push ("Nouveau message de Dr X").
 * Every transition is audited with ids only.
 *
 * A transition repeated by the same person is a no-op (the SDK records the state, then sends the
 * encrypted content: a retry after a lost answer must not fail). Any other wrong transition is
 * EXPERTISE_BAD_TRANSITION (409).
 */

type Row = TeleExpertisesTable;

/**
 * The directory sites (establishment ids) a user practises at: through their verified national id
 * (`8` + RPPS or `0` + ADELI). Memoised per call: a list asks once per person, not per request.
 */
type SiteLookup = (userId: string | null) => Promise<Set<number>>;

function siteLookup(ctx: AppContext): SiteLookup {
  const memo = new Map<string, Promise<Set<number>>>();
  const load = async (userId: string): Promise<Set<number>> => {
    const rows = await ctx.db
      .selectFrom("users")
      .innerJoin("directory_professionals", "directory_professionals.national_id", "users.national_id")
      .innerJoin(
        "directory_practice_situations",
        "directory_practice_situations.professional_id",
        "directory_professionals.id",
      )
      .select("directory_practice_situations.establishment_id")
      .where("users.id", "=", userId)
      .where("users.identity_verified_at", "is not", null)
      .where("directory_practice_situations.establishment_id", "is not", null)
      .execute();
    return new Set(rows.map((r) => Number(r.establishment_id)));
  };
  return (userId) => {
    if (!userId) return Promise.resolve(new Set());
    let sites = memo.get(userId);
    if (!sites) {
      sites = load(userId);
      memo.set(userId, sites);
    }
    return sites;
  };
}

/**
 * Whether two professionals practise at one site of the directory (a FINESS site, else the
 * directory's structure): télé-expertise between professionals of the same MSP site is not
 * billable. Directory data only; no patient is involved. The directory does not say which sites
 * are MSPs, so any shared site counts.
 */
async function practiseAtSameSite(
  sitesOf: SiteLookup,
  userA: string | null,
  userB: string | null,
): Promise<boolean> {
  if (!userA || !userB) return false;
  const [sitesA, sitesB] = await Promise.all([sitesOf(userA), sitesOf(userB)]);
  for (const site of sitesA) if (sitesB.has(site)) return true;
  return false;
}

async function toTeleExpertise(
  ctx: AppContext,
  row: Row,
  sitesOf: SiteLookup = siteLookup(ctx),
): Promise<TeleExpertise> {
  const time = (value: number | null) => (value === null ? null : Number(value));
  return {
    id: row.id,
    conversationId: row.conversation_id,
    requerantId: row.requerant_id,
    requisUserId: row.requis_user_id,
    serviceId: row.service_id,
    caseId: row.case_id,
    urgency: row.urgency,
    state: row.state,
    sentAt: Number(row.sent_at),
    acceptedAt: time(row.accepted_at),
    declinedAt: time(row.declined_at),
    answeredAt: time(row.answered_at),
    closedAt: time(row.closed_at),
    sameSite: await practiseAtSameSite(sitesOf, row.requerant_id, row.requis_user_id),
  };
}

function requisInvalid(message: string): ConfrereError {
  return new ConfrereError(ErrorCode.EXPERTISE_REQUIS_INVALID, 400, `requestExpertise: ${message}`);
}

/**
 * The requérant registers a request made on the device: in a conversation they are in, to one of
 * its other members, or to a service whose conversation it is (see tieServiceConversation); with
 * an optional case of that conversation. Idempotent for the same id, requérant and conversation.
 */
export async function requestExpertise(
  ctx: AppContext,
  userId: string,
  request: RequestExpertiseRequest,
): Promise<{ expertise: TeleExpertise; created: boolean }> {
  const operation = "requestExpertise";
  await requireMembership(ctx.db, request.conversationId, userId, operation);
  const hasUser = request.requisUserId !== undefined;
  const hasService = request.serviceId !== undefined;
  if (hasUser === hasService) {
    throw new ConfrereError(
      ErrorCode.VALIDATION_FAILED,
      400,
      `${operation}: give either requisUserId (a colleague) or serviceId (a service), not both`,
    );
  }
  if (request.requisUserId !== undefined) {
    if (request.requisUserId === userId) throw requisInvalid("you cannot ask yourself; choose a colleague");
    const member = await ctx.db
      .selectFrom("conversation_members")
      .select("user_id")
      .where("conversation_id", "=", request.conversationId)
      .where("user_id", "=", request.requisUserId)
      .executeTakeFirst();
    if (!member) {
      throw requisInvalid(
        "the requis must be a member of the conversation; open one with them, or add them to the case's conversation first",
      );
    }
  }
  if (request.serviceId !== undefined) {
    await requireService(ctx, request.serviceId, operation);
    const tied = await ctx.db
      .selectFrom("service_conversations")
      .select("service_id")
      .where("conversation_id", "=", request.conversationId)
      .executeTakeFirst();
    if (tied?.service_id !== request.serviceId) {
      throw requisInvalid(
        "a request to a service goes in that service's conversation; open it with openServiceConversation",
      );
    }
  }
  if (request.caseId !== undefined) {
    const careCase = await ctx.db
      .selectFrom("care_cases")
      .select("conversation_id")
      .where("id", "=", request.caseId)
      .executeTakeFirst();
    if (careCase?.conversation_id !== request.conversationId) {
      throw new ConfrereError(
        ErrorCode.CASE_NOT_FOUND,
        404,
        `${operation}: no such case in this conversation; a request about a case goes in the case's conversation`,
      );
    }
  }
  const row: Row = {
    id: request.id,
    conversation_id: request.conversationId,
    requerant_id: userId,
    requis_user_id: request.requisUserId ?? null,
    service_id: request.serviceId ?? null,
    case_id: request.caseId ?? null,
    urgency: request.urgency,
    state: "sent",
    sent_at: ctx.clock.now(),
    accepted_at: null,
    declined_at: null,
    answered_at: null,
    closed_at: null,
  };
  const result = await ctx.db
    .insertInto("tele_expertises")
    .values(row)
    .onConflict((oc) => oc.column("id").doNothing())
    .executeTakeFirst();
  if (Number(result.numInsertedOrUpdatedRows ?? 0) === 1) {
    await audit(ctx, "expertise.requested", userId, row);
    return { expertise: await toTeleExpertise(ctx, row), created: true };
  }
  const existing = await ctx.db
    .selectFrom("tele_expertises")
    .selectAll()
    .where("id", "=", request.id)
    .executeTakeFirst();
  if (
    !existing ||
    existing.requerant_id !== userId ||
    existing.conversation_id !== request.conversationId ||
    existing.requis_user_id !== row.requis_user_id ||
    existing.service_id !== row.service_id
  ) {
    throw new ConfrereError(
      ErrorCode.EXPERTISE_ID_TAKEN,
      409,
      `${operation}: this id is already used by another request; make a new id on the device`,
    );
  }
  return { expertise: await toTeleExpertise(ctx, existing), created: false };
}

/** The ids of the services on whose roster the user is. */
function rosterServices(ctx: AppContext, userId: string) {
  return ctx.db.selectFrom("service_roster").select("service_id").where("user_id", "=", userId);
}

/** A request the caller may see (requérant, requis, or on the service's roster), or EXPERTISE_NOT_FOUND. */
async function requireVisible(ctx: AppContext, userId: string, id: string, operation: string): Promise<Row> {
  const row = await ctx.db
    .selectFrom("tele_expertises")
    .selectAll()
    .where("id", "=", id)
    .where((eb) =>
      eb.or([
        eb("requerant_id", "=", userId),
        eb("requis_user_id", "=", userId),
        eb("service_id", "in", rosterServices(ctx, userId)),
      ]),
    )
    .executeTakeFirst();
  if (!row) {
    throw new ConfrereError(
      ErrorCode.EXPERTISE_NOT_FOUND,
      404,
      `${operation}: no such télé-expertise among yours; list yours for their ids`,
    );
  }
  return row;
}

export async function getExpertise(ctx: AppContext, userId: string, id: string): Promise<TeleExpertise> {
  return toTeleExpertise(ctx, await requireVisible(ctx, userId, id, "getExpertise"));
}

/** The caller's requests, newest first: as requérant, as requis, or to a service they staff. */
export async function myExpertises(
  ctx: AppContext,
  userId: string,
  filter: ExpertisesQuery,
): Promise<TeleExpertise[]> {
  let query = ctx.db.selectFrom("tele_expertises").selectAll();
  if (filter.role === "requerant") query = query.where("requerant_id", "=", userId);
  else if (filter.role === "requis") {
    query = query.where((eb) =>
      eb.or([
        eb("requis_user_id", "=", userId),
        eb.and([eb("requis_user_id", "is", null), eb("service_id", "in", rosterServices(ctx, userId))]),
      ]),
    );
  } else {
    query = query.where((eb) =>
      eb.or([
        eb("requerant_id", "=", userId),
        eb("requis_user_id", "=", userId),
        eb("service_id", "in", rosterServices(ctx, userId)),
      ]),
    );
  }
  if (filter.state) query = query.where("state", "=", filter.state);
  const rows = await query.orderBy("sent_at", "desc").orderBy("id").limit(500).execute();
  const sitesOf = siteLookup(ctx);
  const out: TeleExpertise[] = [];
  for (const row of rows) out.push(await toTeleExpertise(ctx, row, sitesOf));
  return out;
}

type Transition = "accept" | "decline" | "answer" | "close";

/** Where each transition may start, and where it leads. */
const TRANSITIONS: Record<
  Transition,
  { from: readonly ExpertiseState[]; to: Exclude<ExpertiseState, "sent"> }
> = {
  accept: { from: ["sent"], to: "accepted" },
  decline: { from: ["sent", "accepted"], to: "declined" },
  answer: { from: ["accepted"], to: "answered" },
  close: { from: ["answered", "declined"], to: "closed" },
};

const AUDIT_ACTIONS: Record<Transition, AuditAction> = {
  accept: "expertise.accepted",
  decline: "expertise.declined",
  answer: "expertise.answered",
  close: "expertise.closed",
};

const STAMPS = {
  accepted: "accepted_at",
  declined: "declined_at",
  answered: "answered_at",
  closed: "closed_at",
} as const satisfies Record<Exclude<ExpertiseState, "sent">, keyof Row>;

/** Whether the caller is on the roster of the request's service (and so may take it on). */
async function isRosterMember(ctx: AppContext, row: Row, userId: string): Promise<boolean> {
  if (!row.service_id) return false;
  const entry = await ctx.db
    .selectFrom("service_roster")
    .select("user_id")
    .where("service_id", "=", row.service_id)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  if (!entry) return false;
  // Taking it on means reading it: only a member of the conversation's group can.
  const member = await ctx.db
    .selectFrom("conversation_members")
    .select("user_id")
    .where("conversation_id", "=", row.conversation_id)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return member !== undefined;
}

/** Checks who may make the transition; throws EXPERTISE_NOT_REQUIS otherwise. */
async function checkActor(
  ctx: AppContext,
  row: Row,
  userId: string,
  transition: Transition,
  operation: string,
): Promise<void> {
  const isRequis = row.requis_user_id === userId;
  if (transition === "close") {
    if (isRequis || row.requerant_id === userId) return;
  } else if (isRequis) {
    return;
  } else if (
    row.requis_user_id === null &&
    (transition === "accept" || transition === "decline") &&
    (await isRosterMember(ctx, row, userId))
  ) {
    return;
  }
  throw new ConfrereError(
    ErrorCode.EXPERTISE_NOT_REQUIS,
    403,
    transition === "close"
      ? `${operation}: only the requérant or the requis closes a request`
      : `${operation}: only the requis (or, for a request to a service, a member of its roster) may ${transition} it`,
  );
}

function badTransition(operation: string, state: ExpertiseState, transition: Transition): ConfrereError {
  const allowed = TRANSITIONS[transition].from.join(" or ");
  return new ConfrereError(
    ErrorCode.EXPERTISE_BAD_TRANSITION,
    409,
    `${operation}: the request is ${state}; it can be ${transition === "answer" ? "answered" : `${transition}d`} only when ${allowed}`,
    { state },
  );
}

/**
 * One transition of the state machine. The update is conditional on the state read (and, for a
 * service request, on nobody having taken it yet), so two roster members accepting at once see
 * one win and the other get EXPERTISE_BAD_TRANSITION.
 */
export async function transitionExpertise(
  ctx: AppContext,
  userId: string,
  id: string,
  transition: Transition,
): Promise<TeleExpertise> {
  const operation = `${transition}Expertise`;
  const row = await requireVisible(ctx, userId, id, operation);
  await checkActor(ctx, row, userId, transition, operation);
  const { from, to } = TRANSITIONS[transition];
  if (row.state === to) {
    const repeatedBySameActor = transition === "close" || row.requis_user_id === userId;
    if (repeatedBySameActor) return toTeleExpertise(ctx, row);
  }
  if (!from.includes(row.state)) throw badTransition(operation, row.state, transition);
  const now = ctx.clock.now();
  // Accepting or declining a service's request makes the roster member who does it the requis.
  const requisUserId = transition === "close" ? row.requis_user_id : (row.requis_user_id ?? userId);
  const changes = { state: to, requis_user_id: requisUserId, [STAMPS[to]]: now };
  const updated = await ctx.db
    .updateTable("tele_expertises")
    .set(changes)
    .where("id", "=", id)
    .where("state", "=", row.state)
    .where((eb) =>
      row.requis_user_id === null
        ? eb("requis_user_id", "is", null)
        : eb("requis_user_id", "=", row.requis_user_id),
    )
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) {
    // Someone else moved it in between: answer with what it is now.
    const current = await requireVisible(ctx, userId, id, operation);
    throw badTransition(operation, current.state, transition);
  }
  const next: Row = { ...row, ...changes };
  await audit(ctx, AUDIT_ACTIONS[transition], userId, next);
  return toTeleExpertise(ctx, next);
}

async function audit(ctx: AppContext, action: AuditAction, actorId: string, row: Row): Promise<void> {
  await ctx.audit.record({
    action,
    actorId,
    targetType: "tele_expertise",
    targetId: row.id,
    detail: {
      conversationId: row.conversation_id,
      ...(row.service_id ? { serviceId: row.service_id } : {}),
      ...(row.case_id ? { caseId: row.case_id } : {}),
    },
  });
}
