import { flags, required } from "../args.ts";
import { UsageError } from "../errors.ts";
import { printJson } from "../output.ts";
import { resolvePerson } from "../people.ts";
import { withSession } from "../session.ts";
import { usageOf } from "../usage.ts";

const command = "group remove";

export async function runGroupRemove(args: string[]): Promise<number> {
  const values = flags(command, args, {
    conversation: { type: "string" },
    member: { type: "string" },
    json: { type: "boolean" },
  });
  const conversationId = required(command, values.conversation, "--conversation");
  const member = required(command, values.member, "--member");

  return withSession(command, values.home, async ({ client }) => {
    const person = await resolvePerson(client, member, command);
    if (person.userId === client.userId)
      throw new UsageError(`${command}: to leave a group, use confrere group leave`, usageOf("group leave"));
    // The server stops serving them at once; our device then commits their devices out of the group.
    await client.removeMember(conversationId, person.userId);
    if (values.json) printJson({ conversationId, removed: person.userId });
    else console.log(`Removed ${person.displayName ?? person.userId} from conversation ${conversationId}.`);
    return 0;
  });
}
