/** Patient cases: the server's view (opaque ids) and the encrypted payloads' schemas. */
import { type Static, Type } from "@sinclair/typebox";

/** Stable codes of an INS (NIR/NIA + key) check. */
export const InsErrorCode = {
  INS_INVALID_LENGTH: "INS_INVALID_LENGTH",
  INS_INVALID_CHARACTERS: "INS_INVALID_CHARACTERS",
  INS_INVALID_KEY: "INS_INVALID_KEY",
} as const;
export type InsErrorCode = (typeof InsErrorCode)[keyof typeof InsErrorCode];

export type InsCheck =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly code: InsErrorCode; readonly message: string };

/** The 13-character NIR as a number for the key: Corsica's 2A counts as 19, 2B as 18. */
function nirAsNumber(nir: string): bigint {
  return BigInt(nir.replace(/^(\d{5})2A/, "$119").replace(/^(\d{5})2B/, "$118"));
}

/** The two-digit key of a 13-character NIR: 97 − (number mod 97). */
export function computeInsKey(nir: string): string {
  const key = 97n - (nirAsNumber(nir) % 97n);
  return key.toString().padStart(2, "0");
}

/**
 * Checks an INS (a NIR or NIA of 13 characters, digits except 2A/2B for Corsica, then a 2-digit key).
 * Spaces are ignored.
 *
 * @example
 * checkIns("2 84 12 2A 004 012 89"); // { ok: true, value: "284122A00401289" } when the key matches
 */
export function checkIns(input: string): InsCheck {
  const value = input.replace(/\s+/g, "").toUpperCase();
  if (value.length !== 15) {
    return {
      ok: false,
      code: InsErrorCode.INS_INVALID_LENGTH,
      message: `checkIns: an INS has 15 characters (13 for the NIR, 2 for the key); got ${value.length}`,
    };
  }
  if (!/^\d{5}(\d{2}|2A|2B)\d{8}$/.test(value)) {
    return {
      ok: false,
      code: InsErrorCode.INS_INVALID_CHARACTERS,
      message: "checkIns: an INS holds digits only, except 2A or 2B for a birth in Corsica",
    };
  }
  if (computeInsKey(value.slice(0, 13)) !== value.slice(13)) {
    return {
      ok: false,
      code: InsErrorCode.INS_INVALID_KEY,
      message: "checkIns: the key (last 2 digits) does not match the number; check for a typing error",
    };
  }
  return { ok: true, value };
}

/** The patient, with a qualified INS and the five strict traits. Travels encrypted only. */
export const QualifiedPatient = Type.Object({
  kind: Type.Literal("ins"),
  /** 15 characters; the OID says whether it is a NIR or a NIA. */
  ins: Type.String({ pattern: "^\\d{5}(\\d{2}|2A|2B)\\d{8}$" }),
  insOid: Type.Optional(
    Type.Union([Type.Literal("1.2.250.1.213.1.4.8"), Type.Literal("1.2.250.1.213.1.4.10")]),
  ),
  birthName: Type.String({ minLength: 1, maxLength: 100 }),
  firstNames: Type.String({ minLength: 1, maxLength: 200 }),
  sex: Type.Union([Type.Literal("M"), Type.Literal("F"), Type.Literal("I")]),
  birthDate: Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}$" }),
  /** INSEE code of the birthplace: 5 characters (99xxx abroad). */
  birthplaceCode: Type.String({ pattern: "^(\\d{5}|2A\\d{3}|2B\\d{3})$" }),
});

/** A patient whose INS is not qualified: a local label only (never sent to the server). */
export const LabelledPatient = Type.Object({
  kind: Type.Literal("label"),
  label: Type.String({ minLength: 1, maxLength: 200 }),
});

export const PatientIdentity = Type.Union([QualifiedPatient, LabelledPatient]);
export type PatientIdentity = Static<typeof PatientIdentity>;

/** Whether the patient was informed of, and consented to, the exchange (CSP L1110-4). */
export const ConsentStatus = Type.Union([
  Type.Literal("informed"),
  Type.Literal("consented"),
  Type.Literal("refused"),
]);
export type ConsentStatus = Static<typeof ConsentStatus>;

export const ConsentRecord = Type.Object({
  status: ConsentStatus,
  recordedBy: Type.String({ minLength: 1 }),
  recordedAt: Type.Number(),
});
export type ConsentRecord = Static<typeof ConsentRecord>;

/** An opaque case id, made on the device (same shape as `caseId` in content.ts). */
export const CaseId = Type.String({ minLength: 8, maxLength: 64, pattern: "^[A-Za-z0-9][A-Za-z0-9_-]*$" });

// REST: the case registry (the server sees opaque ids only).
export const CareCase = Type.Object({
  id: CaseId,
  conversationId: Type.String(),
  openedBy: Type.Union([Type.String(), Type.Null()]),
  openedAt: Type.Number(),
});
export type CareCase = Static<typeof CareCase>;

export const RegisterCaseRequest = Type.Object({ id: CaseId }, { additionalProperties: false });
export type RegisterCaseRequest = Static<typeof RegisterCaseRequest>;

export const CareCasesResponse = Type.Object({ cases: Type.Array(CareCase) });
export type CareCasesResponse = Static<typeof CareCasesResponse>;

/** A fellow member of a conversation with the national id the platform verified (for exports). */
export const CaseParticipant = Type.Object({
  userId: Type.String(),
  displayName: Type.String(),
  /** `8` + RPPS or `0` + ADELI, once proven; null otherwise. */
  nationalId: Type.Union([Type.String(), Type.Null()]),
});
export type CaseParticipant = Static<typeof CaseParticipant>;
export const CaseParticipantsResponse = Type.Object({ participants: Type.Array(CaseParticipant) });
export type CaseParticipantsResponse = Static<typeof CaseParticipantsResponse>;
