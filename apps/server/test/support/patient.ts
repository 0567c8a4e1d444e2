import type { PatientIdentity } from "@confrere/protocol";

/** A test patient; the INS key is right (97 − 2840578006084 mod 97 = 90). */
export const TEST_PATIENT: Extract<PatientIdentity, { kind: "ins" }> = {
  kind: "ins",
  ins: "284057800608490",
  birthName: "Quennevillé",
  firstNames: "Honorine Adélaïde",
  sex: "F",
  birthDate: "1984-05-17",
  birthplaceCode: "78006",
};
