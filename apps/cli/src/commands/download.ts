import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { flags, required } from "../args.ts";
import { CliError } from "../errors.ts";
import { printJson } from "../output.ts";
import { withSession } from "../session.ts";

const command = "download";

export async function runDownload(args: string[]): Promise<number> {
  const values = flags(command, args, {
    conversation: { type: "string" },
    message: { type: "string" },
    out: { type: "string" },
    json: { type: "boolean" },
  });
  const conversationId = required(command, values.conversation, "--conversation");
  const messageId = required(command, values.message, "--message");
  const out = required(command, values.out, "--out");

  return withSession(
    command,
    values.home,
    async ({ client }) => {
      // The key travels inside the message: it must be in the local history (sync once if not yet).
      if (!(await client.findMessage(conversationId, messageId))) await client.sync();
      const message = await client.findMessage(conversationId, messageId);
      if (!message)
        throw new CliError(
          `${command}: no message ${messageId} in conversation ${conversationId} on this device ` +
            "(see confrere messages --conversation ID)",
        );
      if (message.content.type !== "attachment" || message.recalled)
        throw new CliError(`${command}: message ${messageId} has no file`);
      const file = await client.downloadAttachment(conversationId, messageId);
      if (out === "-") process.stdout.write(file.bytes);
      else await writePrivately(out, file.bytes);
      const result = { path: out, fileName: file.fileName, mimeType: file.mimeType, size: file.bytes.length };
      // With --out -, stdout carries the file itself.
      if (out === "-") return 0;
      if (values.json) printJson(result);
      else console.log(`Saved ${file.fileName} (${file.mimeType}, ${file.bytes.length} bytes) to ${out}.`);
      return 0;
    },
    { sync: false },
  );
}

/** Patient files are readable by their owner only (0600), and never half-written. */
async function writePrivately(target: string, bytes: Uint8Array): Promise<void> {
  const temporary = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${randomBytes(4).toString("hex")}.part`,
  );
  try {
    await fs.writeFile(temporary, bytes, { mode: 0o600, flag: "wx" });
    await fs.rename(temporary, target);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw new CliError(`${command}: cannot write ${target}: ${(error as Error).message}`);
  }
}
