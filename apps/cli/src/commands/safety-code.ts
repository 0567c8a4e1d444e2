import { flags, required } from "../args.ts";
import { UsageError } from "../errors.ts";
import { printJson } from "../output.ts";
import { resolvePerson } from "../people.ts";
import { withSession } from "../session.ts";
import { usageOf } from "../usage.ts";

const command = "safety-code";

export async function runSafetyCode(args: string[]): Promise<number> {
  const values = flags(command, args, { with: { type: "string" }, json: { type: "boolean" } });
  const other = required(command, values.with, "--with");

  return withSession(
    command,
    values.home,
    async ({ client }) => {
      const person = await resolvePerson(client, other, command);
      if (person.userId === client.userId)
        throw new UsageError(
          `${command}: --with names yourself; give a colleague's e-mail`,
          usageOf(command),
        );
      const code = await client.safetyCode(person.userId);
      if (values.json) {
        printJson({
          userId: person.userId,
          displayName: person.displayName,
          groups: code.groups,
          digits: code.digits,
        });
      } else {
        console.log(
          `Safety code with ${person.displayName ?? person.userId}; compare it in person or by phone:`,
        );
        for (let i = 0; i < code.groups.length; i += 4)
          console.log(`  ${code.groups.slice(i, i + 4).join(" ")}`);
      }
      return 0;
    },
    { sync: false },
  );
}
