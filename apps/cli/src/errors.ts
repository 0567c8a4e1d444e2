import { ConfrereError, ErrorCode } from "@confrere/protocol";

/** sysexits.h codes, as `confrere-server` uses them, so scripts can tell the cases apart. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 64,
  /** EX_UNAVAILABLE: the server could not be reached. */
  unavailable: 69,
  /** EX_NOPERM: no local state, or the session expired or was revoked. */
  notLoggedIn: 77,
} as const;

/** A failure the CLI explains to a person: printed to stderr, then exit with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.failure,
  ) {
    super(message);
  }
}

/** A wrong command line: printed with the command's usage, exit code 64 (EX_USAGE). */
export class UsageError extends CliError {
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message, ExitCode.usage);
  }
}

/**
 * Turns an SDK or server error into a message that says what to do. `operation` names the command
 * (`send`, `group add`), `server` the address the state points at.
 */
export function explain(error: unknown, operation: string, server: string | null): CliError {
  if (error instanceof CliError) return error;
  if (!(error instanceof ConfrereError)) {
    return new CliError(`${operation}: ${(error as Error)?.message ?? String(error)}`);
  }
  const where = server ?? "the server";
  switch (error.code) {
    case ErrorCode.SERVICE_UNAVAILABLE:
      return new CliError(
        `${operation}: cannot reach the server at ${where}; check the address and your network, then try again`,
        ExitCode.unavailable,
      );
    case ErrorCode.AUTH_REQUIRED:
    case ErrorCode.AUTH_SESSION_EXPIRED:
      return new CliError(
        `${operation}: your session on ${where} has expired or was revoked; ` +
          "run confrere logout, then confrere login again",
        ExitCode.notLoggedIn,
      );
    case ErrorCode.AUTH_INVALID_CREDENTIALS:
      return new CliError(`${operation}: wrong e-mail or password`);
    case ErrorCode.AUTH_TOTP_INVALID:
      return new CliError(
        `${operation}: the TOTP code is wrong, expired or already used; wait for the next code and try again`,
      );
    case ErrorCode.AUTH_SECOND_FACTOR_REQUIRED:
      return new CliError(
        `${operation}: this account needs its second factor: add --totp CODE (or --totp-secret, --recovery-code)`,
      );
    case ErrorCode.OPERATOR_ONLY:
      // The server's message ("reserved to operators") says who, not what to do.
      return new CliError(
        `${operation}: only the operators of the Confrère platform may do this; ask one of them (${error.code})`,
      );
    case ErrorCode.AUTH_TOO_MANY_ATTEMPTS:
    case ErrorCode.RATE_LIMITED:
      return new CliError(`${operation}: too many attempts; ${error.message}`);
    default: {
      // The server's messages are written for people; they start with the API operation
      // ("removeMember: ..."), which the command's name replaces. The code stays for scripts and bug reports.
      const detail = error.message.replace(/^[a-z][A-Za-z]*: /, "");
      return new CliError(`${operation}: ${detail} (${error.code})`);
    }
  }
}
