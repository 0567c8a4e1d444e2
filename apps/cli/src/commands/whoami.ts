import { flags } from "../args.ts";
import { printJson } from "../output.ts";
import { withSession } from "../session.ts";

const command = "whoami";

export async function runWhoami(args: string[]): Promise<number> {
  const values = flags(command, args, { json: { type: "boolean" } });
  return withSession(
    command,
    values.home,
    async ({ client, config, home }) => {
      const { account } = await client.api.me();
      const result = {
        userId: account.id,
        email: account.email,
        displayName: account.displayName,
        state: account.state,
        deviceId: client.deviceId,
        deviceName: config.deviceName,
        server: config.server,
        home: home.directory,
      };
      if (values.json) printJson(result);
      else {
        console.log(`${account.displayName} <${account.email}> (${account.state}), user id ${account.id}`);
        console.log(`device "${config.deviceName}" (${client.deviceId}) on ${config.server}`);
      }
      return 0;
    },
    { sync: false, device: false },
  );
}
