import { loadConfig } from "../config.ts";
import { startServer } from "../server.ts";
import { flags } from "./flags.ts";

export async function runStart(args: string[]): Promise<number> {
  flags(args, {});
  const config = loadConfig();
  const server = await startServer(config);
  console.log(`Confrère is listening on ${server.url} (database: ${server.ctx.database.kind})`);
  if (server.setupLink) {
    console.log(
      `\nFirst start: create the first operator account with this one-time link (valid 24 h):\n  ${server.setupLink}\n`,
    );
  }
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        console.error(`confrere-server: ${signal} again, exiting now`);
        process.exit(1);
      }
      stopping = true;
      server.ctx.logger.info({ signal }, "shutting down: finishing in-flight requests");
      server.close().then(resolve, (error: unknown) => {
        console.error(`confrere-server: shutdown failed: ${(error as Error).message}`);
        resolve();
      });
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  return 0;
}
