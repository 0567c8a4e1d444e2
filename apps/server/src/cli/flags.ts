import { type ParseArgsConfig, parseArgs } from "node:util";

type ParseArgsOptions = NonNullable<ParseArgsConfig["options"]>;

/** A wrong command line: printed with the usage, exit code 64 (EX_USAGE). */
export class UsageError extends Error {}

/** Strict flags: an unknown or malformed one is a usage error, not silently ignored. */
export function flags<const T extends ParseArgsOptions>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
