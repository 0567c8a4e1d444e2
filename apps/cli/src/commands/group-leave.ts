import { flags, required } from "../args.ts";
import { printJson } from "../output.ts";
import { withSession } from "../session.ts";

const command = "group leave";

export async function runGroupLeave(args: string[]): Promise<number> {
  const values = flags(command, args, { conversation: { type: "string" }, json: { type: "boolean" } });
  const conversationId = required(command, values.conversation, "--conversation");

  return withSession(command, values.home, async ({ client }) => {
    // A member can't commit its own removal (RFC 9420 §12.2): a remaining member's device does it
    // at its next sync. The local history stays readable here.
    await client.removeMember(conversationId, client.userId);
    if (values.json) printJson({ conversationId, left: true });
    else console.log(`You left conversation ${conversationId}; its history stays on this device.`);
    return 0;
  });
}
