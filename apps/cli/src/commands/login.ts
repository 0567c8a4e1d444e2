import os from "node:os";
import { ConfrereError, ErrorCode } from "@confrere/protocol";
import { Secret, TOTP } from "otpauth";
import { flags, required } from "../args.ts";
import { CliError, explain, UsageError } from "../errors.ts";
import { createHome, resolveHome } from "../home.ts";
import { printJson } from "../output.ts";
import { loadConfig, newClient, saveConfig } from "../session.ts";
import { usageOf } from "../usage.ts";

const command = "login";

/**
 * Password (from stdin) + second factor, then this computer becomes a messaging device: its MLS
 * identity is created and its KeyPackages uploaded. The password and the TOTP secret are never
 * stored; the session token and keys are, encrypted.
 */
export async function runLogin(args: string[]): Promise<number> {
  const values = flags(command, args, {
    server: { type: "string" },
    email: { type: "string" },
    "password-stdin": { type: "boolean" },
    totp: { type: "string" },
    "totp-secret": { type: "string" },
    "recovery-code": { type: "string" },
    "device-name": { type: "string" },
    json: { type: "boolean" },
  });
  const server = parseServer(required(command, values.server, "--server"));
  const email = required(command, values.email, "--email");
  if (!values["password-stdin"]) {
    throw new UsageError(
      `${command}: --password-stdin is required (a password is never passed as an argument)`,
      usageOf(command),
    );
  }
  const factors = [values.totp, values["totp-secret"], values["recovery-code"]].filter(
    (v) => v !== undefined,
  );
  if (factors.length > 1)
    throw new UsageError(
      `${command}: give only one of --totp, --totp-secret, --recovery-code`,
      usageOf(command),
    );
  if (values.totp !== undefined && !/^[0-9]{6}$/.test(values.totp))
    throw new UsageError(
      `${command}: --totp takes the 6 digits shown by your authenticator app`,
      usageOf(command),
    );
  const totpCode = values["totp-secret"] !== undefined ? totpFromSecret(values["totp-secret"]) : values.totp;
  const deviceName = (values["device-name"] ?? `confrere CLI on ${os.hostname()}`).slice(0, 100);
  const password = await readPassword();

  const directory = resolveHome(values.home);
  const home = await createHome(directory);
  try {
    const client = newClient(server, home.store);
    if (await client.restore()) {
      const config = await loadConfig(home.store);
      throw new CliError(
        `${command}: already logged in${config ? ` as ${config.email} on ${config.server}` : ""} in ${directory}; ` +
          "run confrere logout first, or use another --home",
      );
    }
    await client.login({
      email,
      password,
      deviceName,
      ...(totpCode ? { totpCode } : {}),
      ...(values["recovery-code"] ? { recoveryCode: values["recovery-code"] } : {}),
    });
    // Saved before enrolling the device: a failure there is retried by the next command.
    await saveConfig(home.store, { server, email, deviceName });
    try {
      await client.ensureDevice();
    } catch (error) {
      // Devices are enrolled for verified professionals only: the first command after the
      // verification enrols this one. The notice below says so.
      if (!(error instanceof ConfrereError && error.code === ErrorCode.PROFESSIONAL_VERIFICATION_REQUIRED))
        throw error;
    }
    const { account } = await client.api.me();
    const result = {
      userId: account.id,
      email: account.email,
      displayName: account.displayName,
      deviceId: client.deviceId,
      deviceName,
      server,
    };
    if (values.json) printJson(result);
    else
      console.log(
        `Logged in as ${account.displayName} <${account.email}> on ${server}; this device is "${deviceName}".`,
      );
    if (account.state !== "verified" && !values.json) {
      console.error(
        "confrere: your professional identity is not verified yet: messaging opens once an operator verifies it",
      );
    }
    return 0;
  } catch (error) {
    throw explain(error, command, server);
  } finally {
    await home.release();
  }
}

function parseServer(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(
      `${command}: --server must be a URL such as https://confrere.example.fr`,
      usageOf(command),
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new UsageError(`${command}: --server must be an http:// or https:// URL`, usageOf(command));
  return url.origin + url.pathname.replace(/\/+$/, "");
}

/** RFC 6238 with the parameters every authenticator app uses (SHA-1, 6 digits, 30 s). */
function totpFromSecret(secret: string): string {
  try {
    const totp = new TOTP({
      algorithm: "SHA1",
      digits: 6,
      period: 30,
      secret: Secret.fromBase32(secret.replace(/\s+/g, "").toUpperCase()),
    });
    return totp.generate();
  } catch {
    throw new UsageError(`${command}: --totp-secret must be the base32 secret of your authenticator app`);
  }
}

async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    throw new UsageError(
      `${command}: --password-stdin reads the password from standard input; pipe it in ` +
        "(e.g. confrere login ... --password-stdin < password-file)",
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
