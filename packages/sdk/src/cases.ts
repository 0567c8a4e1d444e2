import {
  type CaseConsentContent,
  type CaseOpenContent,
  type CaseParticipant,
  ConfrereError,
  type ConsentRecord,
  type ConsentStatus,
  checkIns,
  ErrorCode,
  type PatientIdentity,
} from "@confrere/protocol";
import { urgentEnvelope } from "./availability.ts";
import type { ConfrereClient, StoredMessage } from "./client.ts";

/** A patient case as this device knows it (from the decrypted `case-open` and `case-consent`). */
export interface CaseSummary {
  caseId: string;
  conversationId: string;
  patient: PatientIdentity;
  title?: string;
  openedBy: string;
  openedAt: number;
  consents: ConsentRecord[];
}

/** One télé-expertise tied to a case: the request, its states and the conclusion. */
export interface CaseExpertise {
  expertiseId: string;
  requestedBy: string;
  requestedAt: number;
  question: string;
  clinicalContext?: string;
  urgency: "routine" | "urgent";
  states: { state: "accepted" | "declined" | "closed"; by: string; at: number; reason?: string }[];
  conclusion?: { text: string; by: string; at: number };
}

/** Everything an export needs, gathered on the device. */
export interface CaseDossier {
  summary: CaseSummary;
  participants: CaseParticipant[];
  messages: {
    id: string;
    senderUserId: string;
    sentAt: number;
    text: string;
    attachments: { fileName: string; mimeType: string; size: number }[];
  }[];
  expertises: CaseExpertise[];
  /** Consent confirmations given for people outside the care team. */
  consentEvents: { consent: ConsentRecord; forUserIds: string[] }[];
  generatedAt: number;
}

/** "Élodie" and "elodie" match; so do spaces and dashes in an INS. */
export function normaliseForSearch(s: string): string {
  return s
    .normalize("NFD")
    .replace(/\p{Diacritic}/gu, "")
    .toLowerCase()
    .replace(/[\s-]+/g, " ")
    .trim();
}

/** The words a case is found by on the device: patient names, INS, label, title. */
function searchableText(summary: CaseSummary): string {
  const p = summary.patient;
  const parts = p.kind === "ins" ? [p.birthName, p.firstNames, p.ins, p.birthDate] : [p.label];
  if (summary.title) parts.push(summary.title);
  return normaliseForSearch(parts.join(" "));
}

function newCaseId(): string {
  return `case_${globalThis.crypto.randomUUID().replaceAll("-", "")}`;
}

/** Checks a patient identity before it is sent: the INS key, the traits' shape. */
export function checkPatient(patient: PatientIdentity): void {
  // `details.field` names the trait at fault, for a form to put the message beside it.
  const fail = (field: PatientTrait, message: string) =>
    new ConfrereError(ErrorCode.VALIDATION_FAILED, 400, `openCase: ${message}`, { field });
  const text = (v: unknown, max: number) => typeof v === "string" && v.trim() !== "" && v.length <= max;
  if (!patient || typeof patient !== "object") throw fail("kind", "give the patient's identity");
  if (patient.kind === "label") {
    if (!text(patient.label, 200))
      throw fail("label", "give the patient a local label (200 characters at most)");
    return;
  }
  if (patient.kind !== "ins")
    throw fail("kind", 'the patient is either qualified ("ins") or a local "label"');
  if (typeof patient.ins !== "string") throw fail("ins", "give the patient's INS");
  if (!text(patient.birthName, 100)) throw fail("birthName", "give the birth name (100 characters at most)");
  if (!text(patient.firstNames, 200))
    throw fail("firstNames", "give the first names (200 characters at most)");
  if (!["M", "F", "I"].includes(patient.sex)) throw fail("sex", "the sex is M, F or I");
  const ins = checkIns(patient.ins);
  if (!ins.ok) throw new ConfrereError(ins.code, 400, ins.message, { field: "ins" });
  if (!/^\d{4}-\d{2}-\d{2}$/.test(patient.birthDate) || Number.isNaN(Date.parse(patient.birthDate))) {
    throw fail("birthDate", "the birth date must read YYYY-MM-DD");
  }
  if (!/^(\d{5}|2A\d{3}|2B\d{3})$/.test(patient.birthplaceCode)) {
    throw fail(
      "birthplaceCode",
      "the birthplace is an INSEE code of 5 characters (99xxx for a birth abroad)",
    );
  }
}

/** The part of a patient identity a `checkPatient` error is about (its `details.field`). */
export type PatientTrait =
  | "kind"
  | "label"
  | "ins"
  | "birthName"
  | "firstNames"
  | "sex"
  | "birthDate"
  | "birthplaceCode";

/**
 * Patient cases on this device. The patient and the consent travel end-to-end encrypted in a
 * `case-open` message; the server registers only the opaque case id.
 *
 * @example
 * const book = new CaseBook(client);
 * const summary = await book.openCase(conversationId, patient, "consented");
 * await book.sendInCase(summary.caseId, "Bilan reçu");
 */
export class CaseBook {
  constructor(private readonly client: ConfrereClient) {}

  async openCase(
    conversationId: string,
    patient: PatientIdentity,
    consent: ConsentStatus,
    options: { title?: string; caseId?: string } = {},
  ): Promise<CaseSummary> {
    checkPatient(patient);
    const normalised: PatientIdentity =
      patient.kind === "ins" ? { ...patient, ins: patient.ins.replace(/\s+/g, "").toUpperCase() } : patient;
    const caseId = options.caseId ?? newCaseId();
    await this.client.api.registerCase(conversationId, caseId);
    const content: CaseOpenContent = {
      v: 1,
      type: "case-open",
      caseId,
      patient: normalised,
      consent: { status: consent, recordedBy: this.client.userId, recordedAt: Date.now() },
      ...(options.title ? { title: options.title } : {}),
    };
    const sent = await this.client.send(conversationId, content);
    return {
      caseId,
      conversationId,
      patient: normalised,
      ...(options.title ? { title: options.title } : {}),
      openedBy: sent.senderUserId,
      openedAt: sent.sentAt,
      consents: [{ ...content.consent, recordedAt: sent.sentAt }],
    };
  }

  /** All cases this device can read, oldest first. */
  async list(): Promise<CaseSummary[]> {
    const result: CaseSummary[] = [];
    for (const conversation of await this.client.conversations()) {
      result.push(...(await this.casesIn(conversation.id)));
    }
    return result.sort((a, b) => a.openedAt - b.openedAt);
  }

  /** Cases whose patient (names, INS, label) or title contains `text`, ignoring accents and case. */
  async search(text: string): Promise<CaseSummary[]> {
    const needle = normaliseForSearch(text);
    return (await this.list()).filter((c) => searchableText(c).includes(needle));
  }

  async get(caseId: string): Promise<CaseSummary> {
    const found = (await this.list()).find((c) => c.caseId === caseId);
    if (!found) {
      throw new ConfrereError(
        ErrorCode.CASE_NOT_FOUND,
        404,
        "CaseBook: no such case on this device; sync, or check the case id",
      );
    }
    return found;
  }

  /** The cases opened in one conversation (from its decrypted messages). */
  async casesIn(conversationId: string): Promise<CaseSummary[]> {
    const messages = await this.client.messages(conversationId);
    const cases = new Map<string, CaseSummary>();
    for (const m of messages) {
      if (m.content.type === "case-open") {
        const c = m.content as CaseOpenContent;
        if (cases.has(c.caseId)) continue;
        cases.set(c.caseId, {
          caseId: c.caseId,
          conversationId,
          patient: c.patient,
          ...(c.title ? { title: c.title } : {}),
          openedBy: m.senderUserId,
          openedAt: m.sentAt,
          consents: [{ ...c.consent, recordedBy: m.senderUserId }],
        });
      } else if (m.content.type === "case-consent") {
        const c = m.content as CaseConsentContent;
        cases.get(c.caseId)?.consents.push({ ...c.consent, recordedBy: m.senderUserId });
      }
    }
    return [...cases.values()];
  }

  /** The case of a message (for its header), or null. */
  async caseOf(message: StoredMessage): Promise<CaseSummary | null> {
    const content = message.content as { caseId?: string };
    if (!content.caseId) return null;
    return (await this.casesIn(message.conversationId)).find((c) => c.caseId === content.caseId) ?? null;
  }

  /** The messages of a case: its opening, consents, texts and files, and its télé-expertise exchanges. */
  async messages(caseId: string): Promise<StoredMessage[]> {
    const summary = await this.get(caseId);
    const all = await this.client.messages(summary.conversationId);
    const expertiseIds = new Set<string>();
    for (const m of all) {
      const c = m.content as { type: string; caseId?: string; expertiseId?: string };
      if (c.type === "expertise-request" && c.caseId === caseId && c.expertiseId)
        expertiseIds.add(c.expertiseId);
    }
    return all.filter((m) => {
      const c = m.content as { caseId?: string; expertiseId?: string };
      return c.caseId === caseId || (c.expertiseId !== undefined && expertiseIds.has(c.expertiseId));
    });
  }

  /** A message in the case's conversation, tagged with the case (urgent if asked: it alerts). */
  async sendInCase(
    caseId: string,
    text: string,
    options: { urgent?: boolean; renotifyAfterMinutes?: number } = {},
  ): Promise<StoredMessage> {
    const summary = await this.get(caseId);
    return this.client.send(
      summary.conversationId,
      { v: 1, type: "text", text, caseId, ...(options.urgent ? { urgent: true } : {}) },
      undefined,
      urgentEnvelope(options),
    );
  }

  /** The care team: the conversation's current members and everyone who already took part in the case. */
  async careTeam(caseId: string): Promise<Set<string>> {
    const summary = await this.get(caseId);
    const { conversation } = await this.client.api.conversation(summary.conversationId);
    const team = new Set(conversation.members.map((m) => m.userId));
    for (const m of await this.messages(caseId)) team.add(m.senderUserId);
    for (const m of await this.client.messages(summary.conversationId)) {
      const c = m.content as { type: string; caseId?: string; forUserIds?: string[] };
      if (c.type === "case-consent" && c.caseId === caseId) for (const id of c.forUserIds ?? []) team.add(id);
    }
    return team;
  }

  /**
   * Adds people to the case's conversation. Anyone outside the care team needs the patient's
   * consent confirmed first (CSP L1110-4): without `consent`, CASE_CONSENT_REQUIRED; with it, a
   * `case-consent` record is sent before they join.
   */
  async addToCase(
    caseId: string,
    userIds: string[],
    options: { consent?: ConsentStatus } = {},
  ): Promise<void> {
    const summary = await this.get(caseId);
    const team = await this.careTeam(caseId);
    const outsiders = userIds.filter((id) => !team.has(id));
    if (outsiders.length > 0) {
      if (!options.consent || options.consent === "refused") {
        throw new ConfrereError(
          ErrorCode.CASE_CONSENT_REQUIRED,
          409,
          "addToCase: someone outside the case's care team is being added; confirm the patient was informed and consented first",
        );
      }
      const content: CaseConsentContent = {
        v: 1,
        type: "case-consent",
        caseId,
        consent: { status: options.consent, recordedBy: this.client.userId, recordedAt: Date.now() },
        forUserIds: outsiders,
      };
      await this.client.send(summary.conversationId, content);
    }
    await this.client.addMembers(summary.conversationId, userIds);
  }

  /** Gathers what an export needs: the case, its participants with their national ids, messages, expertise. */
  async dossier(caseId: string): Promise<CaseDossier> {
    const summary = await this.get(caseId);
    const { participants } = await this.client.api.caseParticipants(summary.conversationId);
    const messages: CaseDossier["messages"] = [];
    const expertises = new Map<string, CaseExpertise>();
    const consentEvents: CaseDossier["consentEvents"] = [];
    for (const m of await this.messages(caseId)) {
      const c = m.content;
      if (c.type === "text") {
        messages.push({
          id: m.id,
          senderUserId: m.senderUserId,
          sentAt: m.sentAt,
          text: c.text,
          attachments: [],
        });
      } else if (c.type === "attachment") {
        messages.push({
          id: m.id,
          senderUserId: m.senderUserId,
          sentAt: m.sentAt,
          text: c.text ?? "",
          attachments: [
            { fileName: c.attachment.fileName, mimeType: c.attachment.mimeType, size: c.attachment.size },
          ],
        });
      } else if (c.type === "case-consent") {
        consentEvents.push({
          consent: { ...c.consent, recordedBy: m.senderUserId },
          forUserIds: c.forUserIds ?? [],
        });
      } else if (c.type === "expertise-request") {
        expertises.set(c.expertiseId, {
          expertiseId: c.expertiseId,
          requestedBy: m.senderUserId,
          requestedAt: m.sentAt,
          question: c.question,
          ...(c.clinicalContext ? { clinicalContext: c.clinicalContext } : {}),
          urgency: c.urgency,
          states: [],
        });
      } else if (c.type === "expertise-state") {
        expertises.get(c.expertiseId)?.states.push({
          state: c.state,
          by: m.senderUserId,
          at: m.sentAt,
          ...(c.reason ? { reason: c.reason } : {}),
        });
      } else if (c.type === "expertise-conclusion") {
        const e = expertises.get(c.expertiseId);
        if (e) e.conclusion = { text: c.conclusion, by: m.senderUserId, at: m.sentAt };
      }
    }
    return {
      summary,
      participants,
      messages,
      expertises: [...expertises.values()],
      consentEvents,
      generatedAt: Date.now(),
    };
  }
}
