import { provisionUser } from "../accounts/provision-user.ts";
import { totpEnrolment } from "../accounts/totp.ts";
import { closeAppContext, createAppContext } from "../app-context.ts";
import { loadConfig } from "../config.ts";
import { flags, UsageError } from "./flags.ts";

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY)
    throw new UsageError("user create: --password-stdin reads the password from standard input; pipe it in");
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

/**
 * Creates an active account for scripted set-ups: e-mail verified and a TOTP second factor already
 * enrolled (its secret printed once), optionally an operator and/or professionally verified.
 */
export async function runUserCreate(args: string[]): Promise<number> {
  const values = flags(args, {
    email: { type: "string" },
    "password-stdin": { type: "boolean" },
    name: { type: "string" },
    operator: { type: "boolean" },
    verified: { type: "boolean" },
    json: { type: "boolean" },
  });
  if (!values.email) throw new UsageError("user create: --email is required");
  if (!values["password-stdin"])
    throw new UsageError("user create: --password-stdin is required (never pass a password as an argument)");
  const email = String(values.email);
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || email.length > 254) {
    throw new UsageError(`user create: "${email}" is not an e-mail address`);
  }
  const name = values.name === undefined ? email.split("@")[0]! : String(values.name);
  if (!name.trim() || name.length > 120 || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new UsageError("user create: --name must be 1 to 120 printable characters");
  }
  const password = await readStdin();
  const ctx = await createAppContext(loadConfig(), { migrate: true });
  try {
    const user = await provisionUser(ctx, {
      email,
      password,
      displayName: name,
      operator: values.operator === true,
      verified: values.verified === true,
    });
    if (values.json) {
      console.log(JSON.stringify(user));
    } else {
      const { otpauthUri } = await totpEnrolment(user.totpSecret, user.email);
      console.log(`Created ${values.operator ? "operator" : "user"} ${user.email} (${user.userId}).`);
      console.log(`TOTP secret (enter it in an authenticator app): ${user.totpSecret}`);
      console.log(`otpauth URI: ${otpauthUri}`);
    }
    return 0;
  } finally {
    await closeAppContext(ctx);
  }
}
