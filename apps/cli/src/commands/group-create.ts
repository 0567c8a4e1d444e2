import { flags, required } from "../args.ts";
import { UsageError } from "../errors.ts";
import { printJson } from "../output.ts";
import { resolvePerson } from "../people.ts";
import { withSession } from "../session.ts";
import { usageOf } from "../usage.ts";

const command = "group create";

export async function runGroupCreate(args: string[]): Promise<number> {
  const values = flags(command, args, {
    name: { type: "string" },
    member: { type: "string", multiple: true },
    json: { type: "boolean" },
  });
  const name = required(command, values.name, "--name").trim();
  if (!name || name.length > 120 || /[\u0000-\u001f\u007f]/.test(name))
    throw new UsageError(`${command}: --name must be 1 to 120 printable characters`, usageOf(command));
  const members = values.member ?? [];
  if (members.length === 0) throw new UsageError(`${command}: give at least one --member`, usageOf(command));

  return withSession(command, values.home, async ({ client }) => {
    const people = [];
    // Every address is checked before the group exists: a typo creates nothing.
    for (const member of members) people.push(await resolvePerson(client, member, command));
    const memberIds = [...new Set(people.map((p) => p.userId))].filter((id) => id !== client.userId);
    if (memberIds.length === 0)
      throw new UsageError(`${command}: give at least one --member other than yourself`, usageOf(command));
    const conversationId = await client.createGroup(name, memberIds);
    if (values.json) printJson({ conversationId, name, memberIds });
    else console.log(`Created the group "${name}": conversation ${conversationId}`);
    return 0;
  });
}
