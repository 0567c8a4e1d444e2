export { ApiClient, type ApiClientOptions } from "./api-client.ts";
// Availability, urgent messages and on-call
export {
  formatWorkingHours,
  parseWorkingHours,
  type UrgentEnvelope,
  urgentEnvelope,
} from "./availability.ts";
// Patient cases and export
export { caseToFhirBundle, FHIR_SYSTEMS } from "./case-export/case-fhir.ts";
export { caseToPdf } from "./case-export/case-pdf.ts";
export {
  CaseBook,
  type CaseDossier,
  type CaseExpertise,
  type CaseSummary,
  checkPatient,
  normaliseForSearch,
  type PatientTrait,
} from "./cases.ts";
export {
  type ClientEvents,
  ConfrereClient,
  type ConfrereClientOptions,
  type DeliveryState,
  type StoredMessage,
} from "./client.ts";
export { decodeContent, encodeContent } from "./content-codec.ts";
export { Emitter } from "./emitter.ts";
export { forwardHandovers } from "./handovers.ts";
export { type IdbFactory, IndexedDbStore, openBrowserStore } from "./indexeddb-store.ts";
export { isUnreachable, Outbox, type QueuedMessage } from "./outbox.ts";
export type { WebSocketConstructor, WebSocketLike } from "./realtime.ts";
export { deleteExpiredLocalCopies } from "./retention.ts";
export { EncryptedStore, getJson, type LocalStore, MemoryStore, putJson } from "./store.ts";
// Télé-expertise
export {
  type BillingAdvice,
  type BillingWarning,
  ExpertiseDesk,
  type ExpertiseRecipient,
  type ExpertiseRequestInput,
  type ExpertiseView,
} from "./tele-expertise.ts";
