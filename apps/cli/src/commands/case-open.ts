import fs from "node:fs/promises";
import type { ConsentStatus, PatientIdentity } from "@confrere/protocol";
import { CaseBook, checkPatient } from "@confrere/sdk";
import { flags, required } from "../args.ts";
import { CliError, UsageError } from "../errors.ts";
import { printJson } from "../output.ts";
import { withSession } from "../session.ts";
import { usageOf } from "../usage.ts";

const command = "case open";

/** Reads PATIENT.json: `{ "ins", "birthName", "firstNames", "sex", "birthDate", "birthplaceCode" }` or `{ "label" }`. */
async function readPatient(file: string): Promise<PatientIdentity> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await fs.readFile(file, "utf8"));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(
      `${command}: cannot read ${file}: ${code === "ENOENT" ? "no such file" : "not valid JSON"}`,
    );
  }
  const candidate =
    parsed && typeof parsed === "object" && !("kind" in parsed)
      ? { kind: "label" in parsed ? "label" : "ins", ...parsed }
      : parsed;
  try {
    checkPatient(candidate as PatientIdentity);
  } catch (error) {
    throw new CliError(
      `${command}: ${file}: ${(error as Error).message}. It holds "ins" (15 characters), "birthName", "firstNames", ` +
        `"sex" (M, F or I), "birthDate" (YYYY-MM-DD) and "birthplaceCode" (INSEE, 99xxx abroad), ` +
        `or a "label" when the INS is not qualified`,
    );
  }
  return candidate as PatientIdentity;
}

export async function runCaseOpen(args: string[]): Promise<number> {
  const values = flags(command, args, {
    conversation: { type: "string" },
    "patient-file": { type: "string" },
    consent: { type: "string" },
    title: { type: "string" },
    json: { type: "boolean" },
  });
  const conversationId = required(command, values.conversation, "--conversation");
  const patient = await readPatient(required(command, values["patient-file"], "--patient-file"));
  const consent = (values.consent ?? "informed") as ConsentStatus;
  if (consent !== "informed" && consent !== "consented")
    throw new UsageError(`${command}: --consent is informed or consented`, usageOf(command));

  return withSession(command, values.home, async ({ client }) => {
    const opened = await new CaseBook(client).openCase(conversationId, patient, consent, {
      ...(values.title ? { title: values.title } : {}),
    });
    const result = { caseId: opened.caseId, conversationId, consent, openedAt: opened.openedAt };
    if (values.json) printJson(result);
    else console.log(`Opened case ${opened.caseId} in conversation ${conversationId} (consent: ${consent}).`);
    return 0;
  });
}
