import type { CaseDossier } from "../cases.ts";

/** OIDs of the ANS guides: INS (NIR, NIA) and the RPPS / national id of professionals. */
export const FHIR_SYSTEMS = {
  insNir: "urn:oid:1.2.250.1.213.1.4.8",
  insNia: "urn:oid:1.2.250.1.213.1.4.10",
  rpps: "urn:oid:1.2.250.1.71.4.2.1",
} as const;

type FhirResource = { resourceType: string; id: string; [key: string]: unknown };

const iso = (ms: number) => new Date(ms).toISOString();
const ref = (resource: FhirResource) => ({ reference: `urn:uuid:${resource.id}` });

/** A stable-looking uuid per local key (resource ids inside the Bundle). */
function uuidFor(key: string, salt: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  const input = `${salt}:${key}`;
  const out: number[] = [];
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < input.length; i++) {
      h1 = Math.imul(h1 ^ input.charCodeAt(i), 16777619) >>> 0;
      h2 = Math.imul(h2 ^ (input.charCodeAt(i) + round), 2246822507) >>> 0;
    }
    out.push(h1 ^ h2);
  }
  const hex = out.map((n) => (n >>> 0).toString(16).padStart(8, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The case as a FHIR R4 Bundle of type "collection": Patient (INS), Practitioner (RPPS / national
 * id), Consent, one Communication per message and one ServiceRequest per télé-expertise.
 */
export function caseToFhirBundle(dossier: CaseDossier): FhirResource {
  const salt = dossier.summary.caseId;
  const p = dossier.summary.patient;
  const patient: FhirResource =
    p.kind === "ins"
      ? {
          resourceType: "Patient",
          id: uuidFor("patient", salt),
          identifier: [
            {
              use: "official",
              system: p.insOid === "1.2.250.1.213.1.4.10" ? FHIR_SYSTEMS.insNia : FHIR_SYSTEMS.insNir,
              value: p.ins,
            },
          ],
          name: [{ use: "official", family: p.birthName, given: p.firstNames.split(/\s+/).filter(Boolean) }],
          gender: p.sex === "M" ? "male" : p.sex === "F" ? "female" : "unknown",
          birthDate: p.birthDate,
          extension: [
            {
              url: "http://hl7.org/fhir/StructureDefinition/patient-birthPlace",
              valueAddress: { district: p.birthplaceCode },
            },
          ],
        }
      : { resourceType: "Patient", id: uuidFor("patient", salt), name: [{ text: p.label }] };

  const practitioners = new Map<string, FhirResource>();
  for (const participant of dossier.participants) {
    const practitioner: FhirResource = {
      resourceType: "Practitioner",
      id: uuidFor(`practitioner:${participant.userId}`, salt),
      name: [{ text: participant.displayName }],
    };
    if (participant.nationalId) {
      // The ANS guides identify professionals by their national id (`8` + RPPS, `0` + ADELI).
      practitioner.identifier = [{ system: FHIR_SYSTEMS.rpps, value: participant.nationalId }];
    }
    practitioners.set(participant.userId, practitioner);
  }
  const practitionerRef = (userId: string) => {
    const found = practitioners.get(userId);
    return found ? ref(found) : { display: userId };
  };

  const consents: FhirResource[] = [
    ...dossier.summary.consents.map((c) => ({ consent: c, forUserIds: [] as string[] })),
    ...dossier.consentEvents.filter(
      (e) => !dossier.summary.consents.some((c) => c.recordedAt === e.consent.recordedAt),
    ),
  ].map((event, index) => ({
    resourceType: "Consent",
    id: uuidFor(`consent:${index}`, salt),
    status: event.consent.status === "refused" ? "rejected" : "active",
    scope: {
      coding: [{ system: "http://terminology.hl7.org/CodeSystem/consentscope", code: "patient-privacy" }],
    },
    category: [
      {
        coding: [{ system: "http://loinc.org", code: "59284-0" }],
        text: `CSP L1110-4: ${event.consent.status}`,
      },
    ],
    patient: ref(patient),
    dateTime: iso(event.consent.recordedAt),
    performer: [practitionerRef(event.consent.recordedBy)],
    policyRule: { text: "Code de la santé publique, article L1110-4" },
    provision: {
      type: event.consent.status === "refused" ? "deny" : "permit",
      ...(event.forUserIds.length
        ? {
            actor: event.forUserIds.map((id) => ({
              role: { text: "recipient" },
              reference: practitionerRef(id),
            })),
          }
        : {}),
    },
  }));

  const communications: FhirResource[] = dossier.messages.map((m) => ({
    resourceType: "Communication",
    id: uuidFor(`message:${m.id}`, salt),
    identifier: [{ system: "urn:confrere:message", value: m.id }],
    status: "completed",
    subject: ref(patient),
    sent: iso(m.sentAt),
    sender: practitionerRef(m.senderUserId),
    payload: [
      ...(m.text ? [{ contentString: m.text }] : []),
      ...m.attachments.map((a) => ({
        contentAttachment: { contentType: a.mimeType, title: a.fileName, size: a.size },
      })),
    ],
  }));

  const serviceRequests: FhirResource[] = dossier.expertises.map((e) => {
    const last = e.states.at(-1)?.state;
    return {
      resourceType: "ServiceRequest",
      id: uuidFor(`expertise:${e.expertiseId}`, salt),
      identifier: [{ system: "urn:confrere:expertise", value: e.expertiseId }],
      status: last === "closed" || e.conclusion ? "completed" : last === "declined" ? "revoked" : "active",
      intent: "order",
      priority: e.urgency === "urgent" ? "urgent" : "routine",
      code: { text: "Télé-expertise" },
      subject: ref(patient),
      authoredOn: iso(e.requestedAt),
      requester: practitionerRef(e.requestedBy),
      reasonCode: [{ text: e.question }],
      note: [
        ...(e.clinicalContext ? [{ text: e.clinicalContext }] : []),
        ...e.states.map((s) => ({ time: iso(s.at), text: `${s.state}${s.reason ? `: ${s.reason}` : ""}` })),
        ...(e.conclusion ? [{ time: iso(e.conclusion.at), text: `Conclusion: ${e.conclusion.text}` }] : []),
      ],
    };
  });

  const resources = [patient, ...practitioners.values(), ...consents, ...communications, ...serviceRequests];
  return {
    resourceType: "Bundle",
    id: uuidFor("bundle", salt),
    identifier: { system: "urn:confrere:case", value: dossier.summary.caseId },
    type: "collection",
    timestamp: iso(dossier.generatedAt),
    entry: resources.map((resource) => ({ fullUrl: `urn:uuid:${resource.id}`, resource })),
  };
}
