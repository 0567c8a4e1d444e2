import {
  runAvailabilitySet,
  runAvailabilityShow,
  runUrgentAck,
  runUrgentList,
} from "./commands/availability.ts";
import { runCaseExport } from "./commands/case-export.ts";
import { runCaseList } from "./commands/case-list.ts";
import { runCaseOpen } from "./commands/case-open.ts";
import { runConversations } from "./commands/conversations.ts";
import { runDirectorySearch } from "./commands/directory-search.ts";
import { runDownload } from "./commands/download.ts";
import {
  runExpertiseAccept,
  runExpertiseAnswer,
  runExpertiseClose,
  runExpertiseDecline,
  runExpertiseList,
  runExpertiseRequest,
  runExpertiseShow,
} from "./commands/expertise.ts";
import { runGroupAdd } from "./commands/group-add.ts";
import { runGroupCreate } from "./commands/group-create.ts";
import { runGroupLeave } from "./commands/group-leave.ts";
import { runGroupRemove } from "./commands/group-remove.ts";
import { runInvite } from "./commands/invite.ts";
import { runLegalHoldLift, runLegalHoldList, runLegalHoldPlace } from "./commands/legal-hold.ts";
import { runLogin } from "./commands/login.ts";
import { runLogout } from "./commands/logout.ts";
import { runMeDelete } from "./commands/me-delete.ts";
import { runMeExport } from "./commands/me-export.ts";
import { runMessages } from "./commands/messages.ts";
import { runOnCallSet, runOnCallShow } from "./commands/on-call.ts";
import { runRetentionSet, runRetentionShow } from "./commands/retention.ts";
import { runSafetyCode } from "./commands/safety-code.ts";
import { runSend } from "./commands/send.ts";
import { runSync } from "./commands/sync.ts";
import { runWhoami } from "./commands/whoami.ts";
import { CliError, ExitCode, explain, UsageError } from "./errors.ts";
import { fullUsage, isCommand, usageOf } from "./usage.ts";

const commands: Record<string, (args: string[]) => Promise<number>> = {
  login: runLogin,
  logout: runLogout,
  whoami: runWhoami,
  send: runSend,
  "group create": runGroupCreate,
  "group add": runGroupAdd,
  "group remove": runGroupRemove,
  "group leave": runGroupLeave,
  conversations: runConversations,
  messages: runMessages,
  sync: runSync,
  download: runDownload,
  "safety-code": runSafetyCode,
  "directory search": runDirectorySearch,
  invite: runInvite,
  "me export": runMeExport,
  "me delete": runMeDelete,
  "case open": runCaseOpen,
  "case export": runCaseExport,
  "case list": runCaseList,
  // Availability, urgent messages and on-call
  "availability show": runAvailabilityShow,
  "availability set": runAvailabilitySet,
  "urgent list": runUrgentList,
  "urgent ack": runUrgentAck,
  "oncall show": runOnCallShow,
  "oncall set": runOnCallSet,
  // Télé-expertise
  "expertise request": runExpertiseRequest,
  "expertise accept": runExpertiseAccept,
  "expertise decline": runExpertiseDecline,
  "expertise answer": runExpertiseAnswer,
  "expertise close": runExpertiseClose,
  "expertise list": runExpertiseList,
  "expertise show": runExpertiseShow,
  // Retention and legal holds
  "retention show": runRetentionShow,
  "retention set": runRetentionSet,
  "legal-hold list": runLegalHoldList,
  "legal-hold place": runLegalHoldPlace,
  "legal-hold lift": runLegalHoldLift,
};

/** Commands made of a group and a subcommand (`group create`, `directory search`). */
const SUBCOMMANDS: Record<string, readonly string[]> = {
  group: ["create", "add", "remove", "leave"],
  directory: ["search"],
  me: ["export", "delete"],
  case: ["open", "export", "list"],
  // Availability, urgent messages and on-call
  availability: ["show", "set"],
  urgent: ["list", "ack"],
  oncall: ["show", "set"],
  // Télé-expertise
  expertise: ["request", "accept", "decline", "answer", "close", "list", "show"],
  // Retention and legal holds
  retention: ["show", "set"],
  "legal-hold": ["list", "place", "lift"],
};

/** `confrere COMMAND [SUBCOMMAND] FLAGS...`; `--help` anywhere prints that command's usage. */
async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError("give a command");
  if (first === "help" || first === "--help" || first === "-h") {
    const topic = rest.join(" ");
    if (topic && !isCommand(topic)) throw new UsageError(`help: unknown command "${topic}"`);
    console.log(topic ? usageOf(topic) : fullUsage());
    return 0;
  }
  let name = first;
  let args = rest;
  const subcommands = SUBCOMMANDS[first];
  if (subcommands) {
    const [sub, ...more] = rest;
    if (!sub || sub.startsWith("-")) {
      if (sub === "--help" || sub === "-h") {
        console.log(groupUsage(first));
        return 0;
      }
      throw new UsageError(`${first}: give a subcommand: ${subcommands.join(", ")}`, groupUsage(first));
    }
    name = `${first} ${sub}`;
    args = more;
  }
  const run = commands[name];
  if (!run) throw new UsageError(`unknown command "${name}"`, subcommands ? groupUsage(first) : undefined);
  if (args.includes("--help") || args.includes("-h")) {
    console.log(usageOf(name));
    return 0;
  }
  return run(args);
}

function groupUsage(group: string): string {
  const synopses = (SUBCOMMANDS[group] ?? []).map((sub) => usageOf(`${group} ${sub}`).split("\n")[0]);
  return synopses.join("\n");
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`confrere: ${error.message}\n\n${error.usage ?? fullUsage()}`);
    } else {
      const failure = error instanceof CliError ? error : explain(error, process.argv[2] ?? "confrere", null);
      console.error(`confrere: ${failure.message}`);
    }
    process.exitCode = error instanceof CliError ? error.exitCode : ExitCode.failure;
  },
);
