import { ConfrereError } from "@confrere/protocol";
import { ConfigError } from "../config.ts";
import { UsageError } from "./flags.ts";
import { runStart } from "./start.ts";

const USAGE = `confrere-server: run and administer a Confrère server

Usage:
  confrere-server start [--demo]        serve HTTP (default command); --demo seeds fictional accounts
  confrere-server migrate               apply pending database migrations
  confrere-server audit verify          check the audit trail's hash chain
  confrere-server user create --email E --password-stdin [--name "Dr X"] [--operator] [--verified] [--json]
  confrere-server directory import FILE... [--json] [--deactivate-missing|--no-deactivate-missing]
  confrere-server billing plans|record-payment|invoices   plans on sale, record a bank transfer, a year's invoices
  confrere-server retention purge [--dry-run] [--json]   delete expired messages and attachments now

Configuration comes from environment variables (see README.md).`;

/**
 * Commands other than `start` are read when run: a node's start (bench/README.md, cold start)
 * does not parse the directory import's ZIP reader nor the billing and retention tools.
 */
async function main(argv: string[]): Promise<number> {
  // `npm start -- --demo`: flags without a command belong to the default command.
  const [command = "start", ...rest] =
    argv[0]?.startsWith("--") && argv[0] !== "--help" ? ["start", ...argv] : argv;
  switch (command) {
    case "start":
      return runStart(rest);
    case "migrate":
      return (await import("./migrate.ts")).runMigrate(rest);
    case "audit": {
      const [sub, ...more] = rest;
      if (sub !== "verify")
        throw new UsageError(`audit: unknown subcommand "${sub ?? ""}" (expected: verify)`);
      return (await import("./audit-verify.ts")).runAuditVerify(more);
    }
    case "user": {
      const [sub, ...more] = rest;
      if (sub !== "create")
        throw new UsageError(`user: unknown subcommand "${sub ?? ""}" (expected: create)`);
      return (await import("./user-create.ts")).runUserCreate(more);
    }
    case "directory": {
      const [sub, ...more] = rest;
      if (sub !== "import")
        throw new UsageError(`directory: unknown subcommand "${sub ?? ""}" (expected: import)`);
      return (await import("./directory-import.ts")).runDirectoryImport(more);
    }
    case "billing":
      return (await import("./billing.ts")).runBilling(rest);
    case "retention":
      return (await import("./retention.ts")).runRetention(rest);
    case "help":
    case "--help":
    case "-h":
      console.log(USAGE);
      return 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`confrere-server: ${error.message}\n\n${USAGE}`);
      process.exitCode = 64;
    } else if (error instanceof ConfigError || error instanceof ConfrereError) {
      console.error(`confrere-server: ${error.message}`);
      process.exitCode = error instanceof ConfigError ? 78 : 1;
    } else {
      console.error(`confrere-server: ${(error as Error)?.message ?? String(error)}`);
      process.exitCode = 1;
    }
  },
);
