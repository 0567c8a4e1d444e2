import os from "node:os";
import { type CliResult, runTypeScriptCommand, type TestServer, type TestUser } from "@confrere/dev-env";

/** Runs `confrere ARGS...` from the sources, as a user would, with an optional standard input. */
export function confrere(args: string[], options: { stdin?: string } = {}): Promise<CliResult> {
  return runTypeScriptCommand("apps/cli/src/main.ts", args, {
    env: { HOME: os.tmpdir() },
    ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
  });
}

/** `confrere login` with the password on standard input and the current TOTP code, into `home`. */
export function loginCli(server: TestServer, user: TestUser, home: string): Promise<CliResult> {
  return confrere(
    [
      "login",
      "--server",
      server.url,
      "--email",
      user.email,
      "--password-stdin",
      "--totp",
      server.totp(user.totpSecret),
      "--home",
      home,
    ],
    { stdin: `${user.password}\n` },
  );
}
