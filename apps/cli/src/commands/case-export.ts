import fs from "node:fs/promises";
import { CaseBook, caseToFhirBundle, caseToPdf } from "@confrere/sdk";
import { flags, required } from "../args.ts";
import { CliError, UsageError } from "../errors.ts";
import { printJson } from "../output.ts";
import { withSession } from "../session.ts";
import { usageOf } from "../usage.ts";

const command = "case export";

export async function runCaseExport(args: string[]): Promise<number> {
  const values = flags(command, args, {
    case: { type: "string" },
    format: { type: "string" },
    out: { type: "string" },
    json: { type: "boolean" },
  });
  const caseId = required(command, values.case, "--case");
  const format = required(command, values.format, "--format");
  const out = required(command, values.out, "--out");
  if (format !== "pdf" && format !== "fhir")
    throw new UsageError(`${command}: --format is pdf or fhir`, usageOf(command));

  return withSession(command, values.home, async ({ client }) => {
    const dossier = await new CaseBook(client).dossier(caseId);
    const bytes =
      format === "pdf"
        ? await caseToPdf(dossier)
        : new TextEncoder().encode(`${JSON.stringify(caseToFhirBundle(dossier), null, 2)}\n`);
    try {
      // Owner-only: the file holds the patient's identity.
      await fs.writeFile(out, bytes, { mode: 0o600 });
    } catch (error) {
      throw new CliError(`${command}: cannot write ${out}: ${(error as Error).message}`);
    }
    const result = { caseId, format, out, bytes: bytes.length, messages: dossier.messages.length };
    if (values.json) printJson(result);
    else console.log(`Exported case ${caseId} as ${format.toUpperCase()} to ${out} (${bytes.length} bytes).`);
    return 0;
  });
}
