import fs from "node:fs/promises";
import path from "node:path";
import { flags, oneOf } from "../args.ts";
import { CliError, UsageError } from "../errors.ts";
import { printJson } from "../output.ts";
import { resolvePerson } from "../people.ts";
import { withSession } from "../session.ts";
import { usageOf } from "../usage.ts";

const command = "send";

/** Enough to label the usual clinical files; anything else goes as application/octet-stream. */
const mimeTypes: Record<string, string> = {
  ".pdf": "application/pdf",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".png": "image/png",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".heic": "image/heic",
  ".txt": "text/plain",
  ".csv": "text/csv",
  ".dcm": "application/dicom",
  ".doc": "application/msword",
  ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  ".odt": "application/vnd.oasis.opendocument.text",
  ".zip": "application/zip",
};

export async function runSend(args: string[]): Promise<number> {
  const values = flags(command, args, {
    to: { type: "string" },
    conversation: { type: "string" },
    text: { type: "string" },
    file: { type: "string" },
    "mime-type": { type: "string" },
    urgent: { type: "boolean" },
    "renotify-after": { type: "string" },
    json: { type: "boolean" },
  });
  // Availability, urgent messages and on-call: re-notification while unacknowledged.
  const renotify = values["renotify-after"];
  if (renotify !== undefined && (!values.urgent || !/^[0-9]{1,3}$/.test(renotify)))
    throw new UsageError(
      `${command}: --renotify-after MIN (whole minutes) goes with --urgent`,
      usageOf(command),
    );
  const target = oneOf(command, { "--to": values.to, "--conversation": values.conversation });
  if (values.text === undefined && values.file === undefined)
    throw new UsageError(`${command}: give --text or --file`, usageOf(command));
  if (values.file === undefined && values["mime-type"] !== undefined)
    throw new UsageError(`${command}: --mime-type goes with --file`, usageOf(command));
  // @TODO the SDK's sendFile() takes no `urgent` option yet; refused rather than silently dropped.
  if (values.file !== undefined && values.urgent)
    throw new UsageError(
      `${command}: --urgent goes with text messages only, not with --file`,
      usageOf(command),
    );
  if (values.file === undefined && !values.text?.trim())
    throw new UsageError(`${command}: --text is empty`, usageOf(command));
  // Read before connecting: a wrong path fails fast and sends nothing.
  const file = values.file === undefined ? null : await readAttachment(values.file, values["mime-type"]);

  return withSession(command, values.home, async ({ client }) => {
    let conversationId: string;
    let recipient: string | null = null;
    if (target.flag === "--to") {
      const person = await resolvePerson(client, target.value, command);
      if (person.userId === client.userId)
        throw new UsageError(`${command}: --to names yourself; give a colleague's e-mail`, usageOf(command));
      recipient = person.displayName ?? person.userId;
      conversationId = await client.openDirect(person.userId);
    } else {
      // The server says whether it exists and whether we are in it, before anything is encrypted.
      conversationId = (await client.api.conversation(target.value)).conversation.id;
    }
    const urgent = values.urgent === true;
    const message = file
      ? await client.sendFile(conversationId, file, values.text)
      : await client.sendText(conversationId, values.text!, {
          urgent,
          ...(renotify !== undefined ? { renotifyAfterMinutes: Number(renotify) } : {}),
        });
    const result = { conversationId, messageId: message.id, seq: message.seq };
    if (values.json) printJson(result);
    else
      console.log(
        `Sent ${file ? `${file.fileName} ` : ""}as message ${message.id} (#${message.seq}) ` +
          `${recipient ? `to ${recipient} ` : ""}in conversation ${conversationId}.`,
      );
    return 0;
  });
}

async function readAttachment(
  filePath: string,
  mimeType: string | undefined,
): Promise<{ bytes: Uint8Array; fileName: string; mimeType: string }> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(filePath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(
      `${command}: cannot read ${filePath}: ${code === "ENOENT" ? "no such file" : (error as Error).message}`,
    );
  }
  const fileName = path.basename(filePath);
  return {
    bytes: new Uint8Array(bytes),
    fileName,
    mimeType: mimeType ?? mimeTypes[path.extname(fileName).toLowerCase()] ?? "application/octet-stream",
  };
}
