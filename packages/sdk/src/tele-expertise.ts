import {
  type AttachmentRef,
  applicableActs,
  ConfrereError,
  ErrorCode,
  type ExpertiseConclusionContent,
  type ExpertiseRequestContent,
  type ExpertiseRole,
  type ExpertiseStateContent,
  type ExpertisesQuery,
  type ExpertiseUrgency,
  expertiseStepMessageId,
  type PatientIdentity,
  TELE_EXPERTISE_YEARLY_LIMIT,
  type TeleExpertise,
  type TeleExpertiseAct,
} from "@confrere/protocol";
import { urgentEnvelope } from "./availability.ts";
import { CaseBook, type CaseSummary, normaliseForSearch } from "./cases.ts";
import type { ConfrereClient, StoredMessage } from "./client.ts";

/**
 * Télé-expertise on this device. A *requérant* (the professional who asks) sends a structured
 * request to a *requis* (a colleague, or a service whose roster member takes it on). The server
 * keeps the state (sent → accepted | declined → answered → closed) and opaque ids; the question,
 * the clinical context, a decline reason and the conclusion travel end-to-end encrypted in the
 * conversation (`expertise-request`, `expertise-state`, `expertise-conclusion`).
 */

/** Whom a request goes to: a colleague's user id, or a service. */
export type ExpertiseRecipient = string | { serviceId: string };

export interface ExpertiseRequestInput {
  to: ExpertiseRecipient;
  question: string;
  clinicalContext?: string;
  urgency?: ExpertiseUrgency;
  /** A case of the conversation the request goes in (for a colleague, one they are a member of). */
  caseId?: string;
  attachments?: AttachmentRef[];
}

/** A request as this device shows it: the server's state and the decrypted content. */
export interface ExpertiseView extends TeleExpertise {
  /** The caller's side: the requérant, the requis, or staff of the service asked (not yet taken). */
  role: ExpertiseRole | "service-staff";
  /** The encrypted request, once this device has it. */
  request: {
    question: string;
    clinicalContext?: string;
    attachments?: AttachmentRef[];
  } | null;
  declineReason?: string;
  conclusion?: { text: string; by: string; at: number; attachments?: AttachmentRef[] };
}

export type BillingWarning = "yearly-limit" | "same-site" | "declined" | "no-act";

/** What the caller may bill for a request, and why not when they may not. */
export interface BillingAdvice {
  expertiseId: string;
  role: ExpertiseRole;
  /** The acts of the caller's role at the request's date (TE2 for the requis, RQD for the requérant). */
  acts: TeleExpertiseAct[];
  /** Whether the request is about a case whose patient this device knows (needed for the count). */
  isPatientKnown: boolean;
  /**
   * Requests for the same patient to the same requis in the 12 months up to this one, this one
   * included, as visible on this device (declined ones are not counted: they are not billed).
   */
  requestsInLast12Months: number;
  yearlyLimit: number;
  /** The limit was already used by earlier requests: this one is not billable. */
  isYearlyLimitReached: boolean;
  /** Both practise at the same site of the directory: not billable between them. */
  isSameSite: boolean;
  isBillable: boolean;
  warnings: BillingWarning[];
}

/** How a patient is recognised across cases: the INS, else the folded local label. */
function patientKey(patient: PatientIdentity): string {
  return patient.kind === "ins" ? `ins:${patient.ins}` : `label:${normaliseForSearch(patient.label)}`;
}

function newExpertiseId(): string {
  return `exp_${globalThis.crypto.randomUUID().replaceAll("-", "")}`;
}

/** Twelve months before `at`, on the calendar. */
function twelveMonthsBefore(at: number): number {
  const date = new Date(at);
  date.setUTCFullYear(date.getUTCFullYear() - 1);
  return date.getTime();
}

/**
 * @example
 * const desk = new ExpertiseDesk(client);
 * const request = await desk.request({ to: cardiologistId, question: "ECG joint : avis ?", caseId });
 * // On the requis's device:
 * await desk.accept(request.id);
 * await desk.answer(request.id, "Pas d'argument pour une cause ischémique.");
 * const advice = await desk.billingAdvice(request.id); // { acts: [TE2 €20], isBillable: true, ... }
 */
export class ExpertiseDesk {
  private readonly cases: CaseBook;

  constructor(private readonly client: ConfrereClient) {
    this.cases = new CaseBook(client);
  }

  /**
   * Sends a request: registered with the server, then its clinical part sent encrypted in the
   * case's conversation, else the direct conversation with the colleague, else a new conversation
   * with the service's roster. An urgent request alerts at once (the on-call staff of a service).
   */
  async request(input: ExpertiseRequestInput): Promise<ExpertiseView> {
    const question = input.question?.trim() ?? "";
    if (question === "" || question.length > 5_000) {
      throw new ConfrereError(
        ErrorCode.VALIDATION_FAILED,
        400,
        "requestExpertise: give the question (5,000 characters at most)",
      );
    }
    const urgency = input.urgency ?? "routine";
    const toService = typeof input.to === "object" ? input.to.serviceId : null;
    let conversationId: string;
    if (input.caseId) conversationId = (await this.cases.get(input.caseId)).conversationId;
    else if (toService) conversationId = await this.client.openServiceConversation(toService);
    else conversationId = await this.client.openDirect(input.to as string);
    const id = newExpertiseId();
    const expertise = await this.client.api.requestExpertise({
      id,
      conversationId,
      ...(toService ? { serviceId: toService } : { requisUserId: input.to as string }),
      ...(input.caseId ? { caseId: input.caseId } : {}),
      urgency,
    });
    const content: ExpertiseRequestContent = {
      v: 1,
      type: "expertise-request",
      expertiseId: id,
      ...(input.caseId ? { caseId: input.caseId } : {}),
      question,
      ...(input.clinicalContext ? { clinicalContext: input.clinicalContext } : {}),
      urgency,
      ...(input.attachments?.length ? { attachments: input.attachments } : {}),
    };
    await this.client.send(
      conversationId,
      content,
      expertiseStepMessageId(id, "request"),
      urgentEnvelope({ urgent: urgency === "urgent" }),
    );
    return this.view(expertise);
  }

  /** The requis (or a member of the service's roster, who becomes the requis) takes the request on. */
  async accept(expertiseId: string): Promise<ExpertiseView> {
    return this.moveAndTell(expertiseId, "accept", { state: "accepted" });
  }

  /** Declines, with a reason that may be clinical: it travels encrypted only. */
  async decline(expertiseId: string, reason: string): Promise<ExpertiseView> {
    if (reason.length > 2_000) {
      throw new ConfrereError(
        ErrorCode.VALIDATION_FAILED,
        400,
        "declineExpertise: the reason has 2,000 characters at most",
      );
    }
    return this.moveAndTell(expertiseId, "decline", { state: "declined", reason });
  }

  /** The requis's written conclusion: what goes into the patient's record. */
  async answer(
    expertiseId: string,
    conclusion: string,
    attachments: AttachmentRef[] = [],
  ): Promise<ExpertiseView> {
    const text = conclusion.trim();
    if (text === "" || text.length > 20_000) {
      throw new ConfrereError(
        ErrorCode.VALIDATION_FAILED,
        400,
        "answerExpertise: give the conclusion (20,000 characters at most)",
      );
    }
    const moved = await this.client.api.moveExpertise(expertiseId, "answer");
    const content: ExpertiseConclusionContent = {
      v: 1,
      type: "expertise-conclusion",
      expertiseId,
      conclusion: text,
      ...(attachments.length ? { attachments } : {}),
    };
    await this.client.send(moved.conversationId, content, expertiseStepMessageId(expertiseId, "answer"));
    return this.view(moved);
  }

  /** The requérant or the requis closes an answered or declined request. */
  async close(expertiseId: string): Promise<ExpertiseView> {
    return this.moveAndTell(expertiseId, "close", { state: "closed" });
  }

  private async moveAndTell(
    expertiseId: string,
    transition: "accept" | "decline" | "close",
    state: { state: ExpertiseStateContent["state"]; reason?: string },
  ): Promise<ExpertiseView> {
    const moved = await this.client.api.moveExpertise(expertiseId, transition);
    const content: ExpertiseStateContent = {
      v: 1,
      type: "expertise-state",
      expertiseId,
      state: state.state,
      ...(state.reason ? { reason: state.reason } : {}),
    };
    await this.client.send(moved.conversationId, content, expertiseStepMessageId(expertiseId, state.state));
    return this.view(moved);
  }

  /** My requests (as requérant, requis, or staff of a service asked), newest first. */
  async list(filter: ExpertisesQuery = {}): Promise<ExpertiseView[]> {
    const { expertises } = await this.client.api.expertises(filter);
    const messages = new Map<string, StoredMessage[]>();
    const views: ExpertiseView[] = [];
    for (const expertise of expertises) {
      let inConversation = messages.get(expertise.conversationId);
      if (!inConversation) {
        inConversation = await this.client.messages(expertise.conversationId);
        messages.set(expertise.conversationId, inConversation);
      }
      views.push(this.merge(expertise, inConversation));
    }
    return views;
  }

  async get(expertiseId: string): Promise<ExpertiseView> {
    return this.view(await this.client.api.expertise(expertiseId));
  }

  private async view(expertise: TeleExpertise): Promise<ExpertiseView> {
    return this.merge(expertise, await this.client.messages(expertise.conversationId));
  }

  private merge(expertise: TeleExpertise, messages: StoredMessage[]): ExpertiseView {
    const me = this.client.userId;
    const view: ExpertiseView = {
      ...expertise,
      role:
        expertise.requerantId === me
          ? "requerant"
          : expertise.requisUserId === me
            ? "requis"
            : "service-staff",
      request: null,
    };
    for (const m of messages) {
      const c = m.content;
      if (!("expertiseId" in c) || c.expertiseId !== expertise.id) continue;
      if (c.type === "expertise-request" && m.senderUserId === expertise.requerantId && !view.request) {
        view.request = {
          question: c.question,
          ...(c.clinicalContext ? { clinicalContext: c.clinicalContext } : {}),
          ...(c.attachments ? { attachments: c.attachments } : {}),
        };
      } else if (c.type === "expertise-state" && c.state === "declined" && c.reason) {
        view.declineReason = c.reason;
      } else if (c.type === "expertise-conclusion" && m.senderUserId === expertise.requisUserId) {
        view.conclusion = {
          text: c.conclusion,
          by: m.senderUserId,
          at: m.sentAt,
          ...(c.attachments ? { attachments: c.attachments } : {}),
        };
      }
    }
    return view;
  }

  /**
   * What the caller may bill for a request: the acts of their role at the request's date, and the
   * reasons it may not be billable: the yearly limit of 4 per patient and requis over 12 months
   * (counted over the requests this device can see), the same site, a decline.
   *
   * @example
   * const advice = await desk.billingAdvice(expertiseId);
   * if (advice.warnings.includes("yearly-limit")) console.log("5e demande en 12 mois : non facturable");
   */
  async billingAdvice(expertiseId: string): Promise<BillingAdvice> {
    const target = await this.client.api.expertise(expertiseId);
    const role: ExpertiseRole = target.requerantId === this.client.userId ? "requerant" : "requis";
    const acts = applicableActs(target.sentAt, role);
    const casesByConversation = new Map<string, CaseSummary[]>();
    const patientOf = async (expertise: TeleExpertise): Promise<string | null> => {
      if (!expertise.caseId) return null;
      let cases = casesByConversation.get(expertise.conversationId);
      if (!cases) {
        cases = await this.cases.casesIn(expertise.conversationId);
        casesByConversation.set(expertise.conversationId, cases);
      }
      const found = cases.find((c) => c.caseId === expertise.caseId);
      return found ? patientKey(found.patient) : null;
    };
    const requisKey = (e: TeleExpertise) => e.requisUserId ?? `service:${e.serviceId}`;
    const patient = await patientOf(target);
    let requests = 1;
    let earlier = 0;
    if (patient !== null) {
      const since = twelveMonthsBefore(target.sentAt);
      const { expertises } = await this.client.api.expertises();
      for (const other of expertises) {
        if (other.id === target.id || other.state === "declined") continue;
        if (requisKey(other) !== requisKey(target)) continue;
        if (other.sentAt <= since || other.sentAt > target.sentAt) continue;
        if ((await patientOf(other)) !== patient) continue;
        requests++;
        // Same millisecond: the id decides, so that every device ranks them alike.
        if (other.sentAt < target.sentAt || other.id < target.id) earlier++;
      }
    }
    const isYearlyLimitReached = earlier >= TELE_EXPERTISE_YEARLY_LIMIT;
    const warnings: BillingWarning[] = [];
    if (acts.length === 0) warnings.push("no-act");
    if (isYearlyLimitReached) warnings.push("yearly-limit");
    if (target.sameSite) warnings.push("same-site");
    if (target.state === "declined") warnings.push("declined");
    return {
      expertiseId,
      role,
      acts,
      isPatientKnown: patient !== null,
      requestsInLast12Months: requests,
      yearlyLimit: TELE_EXPERTISE_YEARLY_LIMIT,
      isYearlyLimitReached,
      isSameSite: target.sameSite,
      isBillable: warnings.length === 0,
      warnings,
    };
  }
}
