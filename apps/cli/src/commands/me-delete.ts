import { flags, oneOf } from "../args.ts";
import { UsageError } from "../errors.ts";
import { resolveHome, wipeHome } from "../home.ts";
import { printJson } from "../output.ts";
import { withSession } from "../session.ts";
import { usageOf } from "../usage.ts";

const command = "me delete";

/**
 * Deletes the account everywhere, after the password (standard input) and a second factor code,
 * then wipes the local state. Standard input carries the password, so the confirmation is the
 * explicit --yes flag: without it, the command says what would go and stops.
 */
export async function runMeDelete(args: string[]): Promise<number> {
  const values = flags(command, args, {
    "password-stdin": { type: "boolean" },
    totp: { type: "string" },
    "recovery-code": { type: "string" },
    yes: { type: "boolean" },
    json: { type: "boolean" },
  });
  if (!values["password-stdin"]) {
    throw new UsageError(
      `${command}: --password-stdin is required (a password is never passed as an argument)`,
      usageOf(command),
    );
  }
  const code =
    values.totp === undefined && values["recovery-code"] === undefined
      ? undefined
      : oneOf(command, { "--totp": values.totp, "--recovery-code": values["recovery-code"] }).value;
  if (!values.yes) {
    throw new UsageError(
      `${command}: this deletes your account, devices, sessions, keys and memberships on the server, ` +
        "and the local history of this computer; export first (confrere me export --out FILE), then " +
        "run again with --yes to confirm",
      usageOf(command),
    );
  }
  const password = await readPassword();
  const directory = resolveHome(values.home);
  await withSession(
    command,
    values.home,
    async ({ client, home }) => {
      await client.api.deleteAccount({ password, ...(code ? { code } : {}) });
      await home.store.clear();
    },
    { sync: false, device: false },
  );
  await wipeHome(directory);
  if (values.json) printJson({ status: "deleted" });
  else console.log(`Your account is deleted; the local state in ${directory} is wiped.`);
  return 0;
}

async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    throw new UsageError(
      `${command}: --password-stdin reads the password from standard input; pipe it in`,
      usageOf(command),
    );
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
  if (!password) throw new UsageError(`${command}: the password read from standard input is empty`);
  return password;
}
