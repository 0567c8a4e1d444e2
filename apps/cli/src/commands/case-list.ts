import { CaseBook, type CaseSummary } from "@confrere/sdk";
import { flags } from "../args.ts";
import { printJson } from "../output.ts";
import { withSession } from "../session.ts";

const command = "case list";

function patientLine(summary: CaseSummary): string {
  const p = summary.patient;
  return p.kind === "ins" ? `${p.birthName} ${p.firstNames} (${p.birthDate}, INS ${p.ins})` : p.label;
}

export async function runCaseList(args: string[]): Promise<number> {
  const values = flags(command, args, { search: { type: "string" }, json: { type: "boolean" } });
  return withSession(command, values.home, async ({ client }) => {
    const book = new CaseBook(client);
    const cases = values.search ? await book.search(values.search) : await book.list();
    if (values.json) {
      printJson({ cases });
      return 0;
    }
    if (cases.length === 0) console.log("No patient case on this device.");
    for (const c of cases) {
      console.log(`${c.caseId}  ${patientLine(c)}${c.title ? ` - ${c.title}` : ""}  [${c.conversationId}]`);
    }
    return 0;
  });
}
