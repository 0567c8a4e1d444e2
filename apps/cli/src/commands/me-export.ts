import fs from "node:fs/promises";
import { flags, required } from "../args.ts";
import { printJson } from "../output.ts";
import { withSession } from "../session.ts";

const command = "me export";

/**
 * Downloads everything the server holds about the account (RGPD art. 15 and 20) as one JSON file.
 * Messages are not in it: the server never had them in clear (see `confrere messages`).
 */
export async function runMeExport(args: string[]): Promise<number> {
  const values = flags(command, args, { out: { type: "string" }, json: { type: "boolean" } });
  const out = required(command, values.out, "--out");
  return withSession(
    command,
    values.home,
    async ({ client }) => {
      const archive = await client.api.exportPersonalData();
      const text = `${JSON.stringify(archive, null, 2)}\n`;
      if (out === "-") process.stdout.write(text);
      else await fs.writeFile(out, text, { mode: 0o600 });
      const summary = {
        file: out,
        devices: archive.devices.length,
        sessions: archive.sessions.length,
        conversations: archive.conversations.length,
        auditEvents: archive.auditEvents.length,
      };
      if (out === "-") return 0;
      if (values.json) printJson(summary);
      else
        console.log(
          `Wrote your personal data to ${out}: ${summary.devices} devices, ${summary.sessions} sessions, ` +
            `${summary.conversations} conversations, ${summary.auditEvents} audit events.`,
        );
      return 0;
    },
    { sync: false, device: false },
  );
}
