import { flags, required } from "../args.ts";
import { UsageError } from "../errors.ts";
import { printJson } from "../output.ts";
import { resolvePerson } from "../people.ts";
import { withSession } from "../session.ts";
import { usageOf } from "../usage.ts";

const command = "group add";

export async function runGroupAdd(args: string[]): Promise<number> {
  const values = flags(command, args, {
    conversation: { type: "string" },
    member: { type: "string", multiple: true },
    json: { type: "boolean" },
  });
  const conversationId = required(command, values.conversation, "--conversation");
  const members = values.member ?? [];
  if (members.length === 0) throw new UsageError(`${command}: give at least one --member`, usageOf(command));

  return withSession(command, values.home, async ({ client }) => {
    const people = [];
    for (const member of members) people.push(await resolvePerson(client, member, command));
    const userIds = [...new Set(people.map((p) => p.userId))];
    // The server checks that we are an admin; then our device commits the newcomers' devices in.
    await client.addMembers(conversationId, userIds);
    if (values.json) printJson({ conversationId, added: userIds });
    else
      console.log(
        `Added ${people.map((p) => p.displayName ?? p.userId).join(", ")} to conversation ${conversationId}.`,
      );
    return 0;
  });
}
