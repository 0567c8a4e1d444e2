import { closeAppContext, createAppContext } from "../app-context.ts";
import { purgeExpired } from "../care/retention.ts";
import { loadConfig } from "../config.ts";
import { flags, UsageError } from "./flags.ts";

/**
 * `confrere-server retention purge [--dry-run] [--json]`: runs the purge the scheduler runs every
 * hour, now; --dry-run counts what it would delete and deletes nothing.
 */
export async function runRetention(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== "purge") throw new UsageError(`retention: unknown subcommand "${sub ?? ""}" (expected: purge)`);
  const values = flags(rest, { "dry-run": { type: "boolean" }, json: { type: "boolean" } });
  const ctx = await createAppContext(loadConfig(), { migrate: true });
  try {
    const summary = await purgeExpired(ctx, { dryRun: values["dry-run"] === true });
    if (values.json) console.log(JSON.stringify(summary));
    else
      console.log(
        `${summary.dryRun ? "Would delete" : "Deleted"} ${summary.messagesDeleted} messages and ` +
          `${summary.attachmentsDeleted} attachments in ${summary.conversations} conversations; ` +
          `${summary.heldConversations} conversations under legal hold kept.`,
      );
    return 0;
  } finally {
    await closeAppContext(ctx);
  }
}
