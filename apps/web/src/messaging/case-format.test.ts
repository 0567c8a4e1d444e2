import assert from "node:assert/strict";
import { test } from "node:test";
import { computeInsKey, type MessageContent, type PatientIdentity } from "@confrere/protocol";
import { checkPatient, type StoredMessage } from "@confrere/sdk";
import { casesFromMessages, exportFileName, isUrgent, patientFieldOf, patientName } from "./case-format.ts";

const NIR = "2841275056012";
const PATIENT: PatientIdentity = {
  kind: "ins",
  ins: `${NIR}${computeInsKey(NIR)}`,
  birthName: "Lefèvre",
  firstNames: "Élodie Marie",
  sex: "F",
  birthDate: "1984-12-03",
  birthplaceCode: "75056",
};

function message(id: string, content: MessageContent): StoredMessage {
  return { id, content, senderUserId: "u-1", sentAt: 1, seq: 1, conversationId: "c-1" } as StoredMessage;
}

/** The field the form shows checkPatient's error next to, for a patient with one trait changed. */
function fieldFor(change: Partial<PatientIdentity>) {
  try {
    checkPatient({ ...PATIENT, ...change } as PatientIdentity);
  } catch (error) {
    return patientFieldOf(error);
  }
  return "no error";
}

test("patientFieldOf puts each of checkPatient's errors next to its field", () => {
  assert.equal(fieldFor({}), "no error");
  assert.equal(fieldFor({ ins: `${NIR}00` }), "ins");
  assert.equal(fieldFor({ ins: "123" }), "ins");
  assert.equal(fieldFor({ birthName: " " }), "birthName");
  assert.equal(fieldFor({ firstNames: "" }), "firstNames");
  assert.equal(fieldFor({ sex: "" } as unknown as Partial<PatientIdentity>), "sex");
  assert.equal(fieldFor({ birthDate: "03/12/1984" }), "birthDate");
  assert.equal(fieldFor({ birthplaceCode: "750" }), "birthplaceCode");
  assert.equal(fieldFor({ kind: "label", label: "" } as Partial<PatientIdentity>), "label");
  assert.equal(patientFieldOf(new Error("network")), null);
});

test("patientName shows the birth name in capitals, or the local label", () => {
  assert.equal(patientName(PATIENT), "LEFÈVRE Élodie Marie");
  assert.equal(patientName({ kind: "label", label: "M. D., chambre 12" }), "M. D., chambre 12");
});

test("casesFromMessages keeps the first case-open of each case; isUrgent reads the content", () => {
  const consent = { status: "consented" as const, recordedBy: "u-1", recordedAt: 1 };
  const cases = casesFromMessages([
    message("m1", { v: 1, type: "case-open", caseId: "case_0001", patient: PATIENT, consent, title: "Avis" }),
    message("m2", { v: 1, type: "text", text: "Bilan", caseId: "case_0001", urgent: true }),
    message("m3", {
      v: 1,
      type: "case-open",
      caseId: "case_0001",
      patient: { kind: "label", label: "autre" },
      consent,
    }),
  ]);
  assert.deepEqual([...cases.keys()], ["case_0001"]);
  assert.equal(cases.get("case_0001")?.title, "Avis");
  assert.equal(patientName(cases.get("case_0001")!.patient), "LEFÈVRE Élodie Marie");
  assert.equal(isUrgent(message("m4", { v: 1, type: "text", text: "x", urgent: true })), true);
  assert.equal(isUrgent(message("m5", { v: 1, type: "text", text: "x" })), false);
});

test("exportFileName is the patient and the day, without accents or path characters", () => {
  const day = new Date("2026-11-26T10:00:00Z");
  assert.equal(exportFileName(PATIENT, day, "pdf"), "dossier-LEFEVRE-Elodie-Marie-2026-11-26.pdf");
  assert.equal(exportFileName({ kind: "label", label: "../../x" }, day, "json"), "dossier-x-2026-11-26.json");
  assert.equal(
    exportFileName({ kind: "label", label: "///" }, day, "json"),
    "dossier-patient-2026-11-26.json",
  );
});
