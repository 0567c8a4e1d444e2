import { type ParseArgsConfig, parseArgs } from "node:util";
import { UsageError } from "./errors.ts";
import { usageOf } from "./usage.ts";

type ParseArgsOptions = NonNullable<ParseArgsConfig["options"]>;

/** Flags every command takes. */
const common = {
  home: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsOptions;

/**
 * Strict flags for `command`: an unknown or malformed flag, or a stray argument, is a usage error
 * (exit 64) printed with that command's usage — never silently ignored.
 */
export function flags<const T extends ParseArgsOptions>(command: string, args: string[], options: T) {
  try {
    return parseArgs({ args, options: { ...common, ...options }, strict: true, allowPositionals: false })
      .values;
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message}`, usageOf(command));
  }
}

/** As {@link flags}, for a command that also takes free words (`directory search cardio auxerre`). */
export function flagsAndWords<const T extends ParseArgsOptions>(command: string, args: string[], options: T) {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { ...common, ...options },
      strict: true,
      allowPositionals: true,
    });
    return { values, words: positionals };
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message}`, usageOf(command));
  }
}

/** The value of a flag that must be given, else a usage error naming it. */
export function required(command: string, value: string | undefined, flag: string): string {
  if (value === undefined || value === "")
    throw new UsageError(`${command}: ${flag} is required`, usageOf(command));
  return value;
}

/** Exactly one of two flags, e.g. --to or --conversation. */
export function oneOf(
  command: string,
  values: Record<string, string | undefined>,
): { flag: string; value: string } {
  const given = Object.entries(values).filter(([, value]) => value !== undefined);
  const names = Object.keys(values).join(" or ");
  if (given.length !== 1) {
    throw new UsageError(
      `${command}: give ${given.length === 0 ? "" : "only "}one of ${names}`,
      usageOf(command),
    );
  }
  const [flag, value] = given[0]!;
  return { flag, value: value! };
}
