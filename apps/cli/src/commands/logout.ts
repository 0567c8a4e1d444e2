import { flags } from "../args.ts";
import { CliError } from "../errors.ts";
import { openHome, resolveHome, wipeHome } from "../home.ts";
import { loadConfig, newClient } from "../session.ts";

const command = "logout";

/**
 * Ends the session on the server, then wipes every local key, MLS state and message. The wipe
 * happens even when the server can't be reached: the device's keys must not outlive a logout.
 */
export async function runLogout(args: string[]): Promise<number> {
  const values = flags(command, args, {});
  const directory = resolveHome(values.home);
  let home: Awaited<ReturnType<typeof openHome>>;
  try {
    home = await openHome(directory);
  } catch (error) {
    if (error instanceof CliError) {
      console.log(`Not logged in (no Confrère state in ${directory}); nothing to wipe.`);
      return 0;
    }
    throw error;
  }
  let serverProblem: string | null = null;
  try {
    const config = await loadConfig(home.store).catch(() => null);
    if (config) {
      const client = newClient(config.server, home.store);
      if (await client.restore()) {
        try {
          await client.api.logout();
        } catch (error) {
          serverProblem =
            `could not end the session on ${config.server} (${(error as Error).message}); ` +
            "it expires by itself, or revoke it from another device";
        }
      }
    }
    await home.store.clear();
    await wipeHome(directory);
  } finally {
    await home.release();
  }
  if (serverProblem) console.error(`confrere logout: ${serverProblem}`);
  console.log(`Logged out; the local keys and history in ${directory} are wiped.`);
  return 0;
}
