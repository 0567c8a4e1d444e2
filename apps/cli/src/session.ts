import { ConfrereClient, getJson, type LocalStore, putJson } from "@confrere/sdk";
import { CliError, explain } from "./errors.ts";
import { type Home, notLoggedIn, openHome, resolveHome } from "./home.ts";

/** What the CLI keeps beside the SDK's own state (in the same encrypted store). */
export interface CliConfig {
  server: string;
  email: string;
  deviceName: string;
}
const CONFIG_KEY = "cli/config";

export interface Session {
  home: Home;
  client: ConfrereClient;
  config: CliConfig;
}

export function newClient(server: string, store: LocalStore): ConfrereClient {
  // No WebSocket: a command runs, catches up with sync(), and exits.
  return new ConfrereClient({ baseUrl: server, store });
}

export function saveConfig(store: LocalStore, config: CliConfig): Promise<void> {
  return putJson(store, CONFIG_KEY, config);
}

export function loadConfig(store: LocalStore): Promise<CliConfig | null> {
  return getJson<CliConfig>(store, CONFIG_KEY);
}

/**
 * Runs `action` with the device of an earlier `confrere login`: the session is restored, the MLS
 * identity reloaded from the store (ensureDevice() re-registers the same key and tops up
 * KeyPackages) and, unless `sync` is false, everything new is applied first. `device: false` is for
 * commands that use the session only (whoami, directory search): they skip the device, which the
 * server only enrols for verified professionals. Errors come out as messages a person can act on.
 */
export async function withSession<T>(
  operation: string,
  homeFlag: string | undefined,
  action: (session: Session) => Promise<T>,
  options: { sync?: boolean; device?: boolean } = {},
): Promise<T> {
  const directory = resolveHome(homeFlag);
  const home = await openHome(directory);
  let server: string | null = null;
  try {
    const config = await loadConfig(home.store);
    if (!config) throw notLoggedIn(directory);
    server = config.server;
    const client = newClient(config.server, home.store);
    if (!(await client.restore())) throw notLoggedIn(directory);
    if (options.device !== false) await client.ensureDevice();
    if (options.sync !== false) await client.sync();
    return await action({ home, client, config });
  } catch (error) {
    if ((error as Error)?.name === "OperationError") {
      // AES-GCM refused a value: store.key was replaced, or the files were changed.
      throw new CliError(
        `${operation}: the local state in ${directory} can't be decrypted with its store.key; ` +
          "run confrere logout, then log in again",
      );
    }
    throw explain(error, operation, server);
  } finally {
    await home.release();
  }
}
