import {
  type AvailabilityStatus,
  type CaseOpenContent,
  ConfrereError,
  type ConsentStatus,
  type PatientIdentity,
} from "@confrere/protocol";
import type { StoredMessage } from "@confrere/sdk";

/** How a patient is named on screen: "DUPONT Marie Claire" when qualified, else the local label. */
export function patientName(patient: PatientIdentity): string {
  return patient.kind === "ins" ? `${patient.birthName.toUpperCase()} ${patient.firstNames}` : patient.label;
}

/** What a message header needs of a case: its patient and title, from the conversation's `case-open`. */
export interface CaseLabel {
  caseId: string;
  patient: PatientIdentity;
  title?: string;
}

/**
 * The cases opened in a conversation, read from messages already on screen (the first
 * `case-open` of an id wins, as in the SDK's CaseBook.casesIn), without reading the store again.
 */
export function casesFromMessages(messages: readonly StoredMessage[]): Map<string, CaseLabel> {
  const cases = new Map<string, CaseLabel>();
  for (const m of messages) {
    if (m.content.type !== "case-open") continue;
    const c = m.content as CaseOpenContent;
    if (cases.has(c.caseId)) continue;
    cases.set(c.caseId, { caseId: c.caseId, patient: c.patient, ...(c.title ? { title: c.title } : {}) });
  }
  return cases;
}

/** The case a message belongs to (`content.caseId`), if any. */
export function caseIdOf(message: StoredMessage): string | null {
  const content = message.content as { caseId?: unknown };
  return typeof content.caseId === "string" ? content.caseId : null;
}

/** Whether the message was sent as urgent (inside the encrypted content). */
export function isUrgent(message: StoredMessage): boolean {
  return (message.content as { urgent?: unknown }).urgent === true;
}

export type PatientField =
  | "ins"
  | "birthName"
  | "firstNames"
  | "sex"
  | "birthDate"
  | "birthplaceCode"
  | "label";

/**
 * The form field an error of the SDK's `checkPatient` is about (its `details.field`). null: not a
 * field's error (shown above the form).
 */
export function patientFieldOf(error: unknown): PatientField | null {
  if (!(error instanceof ConfrereError)) return null;
  const field = error.details?.field;
  return FIELDS.find((f) => f === field) ?? null;
}

const FIELDS: readonly PatientField[] = [
  "ins",
  "birthName",
  "firstNames",
  "sex",
  "birthDate",
  "birthplaceCode",
  "label",
];

export const CONSENT_STATUSES: readonly ConsentStatus[] = ["informed", "consented", "refused"];
export const AVAILABILITY_STATUSES: readonly AvailabilityStatus[] = [
  "available",
  "in_consultation",
  "away",
  "on_call",
];

/** A safe file name for an export: the patient's name and the day, no path characters. */
export function exportFileName(patient: PatientIdentity, day: Date, extension: "pdf" | "json"): string {
  const name = patientName(patient)
    .normalize("NFD")
    .replace(/\p{Diacritic}/gu, "")
    .replace(/[^A-Za-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
  const date = day.toISOString().slice(0, 10);
  return `dossier-${name || "patient"}-${date}.${extension}`;
}
