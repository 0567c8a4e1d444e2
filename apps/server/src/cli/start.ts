import { loadConfig } from "../config.ts";
import { assertDemoAllowed } from "../demo/demo-guard.ts";
import { startServer } from "../server.ts";
import { flags } from "./flags.ts";

export async function runStart(args: string[]): Promise<number> {
  const values = flags(args, { demo: { type: "boolean" } });
  // Before anything is read or opened: a production database never sees the demo's accounts.
  if (values.demo) assertDemoAllowed(process.env.NODE_ENV === "production");
  const config = loadConfig();
  const server = await startServer(config);
  // Listening for SIGTERM before saying anything: whoever reads "listening" (or the demo's banner)
  // may stop the server at once, and a signal with no listener yet would kill it uncleanly.
  const stopped = untilStopped(server);
  console.log(`Confrère is listening on ${server.url} (database: ${server.ctx.database.kind})`);
  if (values.demo) {
    try {
      // The demo's fictional directory and accounts are read only by a demo.
      const { demoBanner } = await import("../demo/demo-banner.ts");
      const { seedDemo } = await import("../demo/demo-seed.ts");
      console.log(`\n${demoBanner(server.url, await seedDemo(server.ctx))}\n`);
    } catch (error) {
      await server.close();
      throw error;
    }
  }
  if (server.setupLink) {
    console.log(
      `\nFirst start: create the first operator account with this one-time link (valid 24 h):\n  ${server.setupLink}\n`,
    );
  }
  await stopped;
  return 0;
}

/** Resolves once a SIGTERM or SIGINT has closed the server (a second signal exits at once). */
function untilStopped(server: Awaited<ReturnType<typeof startServer>>): Promise<void> {
  return new Promise<void>((resolve) => {
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
}
