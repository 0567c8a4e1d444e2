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
  const all = { ...common, ...options };
  try {
    return parseArgs({ args: valuesAttached(args, all), options: all, strict: true, allowPositionals: false })
      .values;
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message}`, usageOf(command));
  }
}

/** As {@link flags}, for a command that also takes free words (`directory search cardio auxerre`). */
export function flagsAndWords<const T extends ParseArgsOptions>(command: string, args: string[], options: T) {
  const all = { ...common, ...options };
  try {
    const { values, positionals } = parseArgs({
      args: valuesAttached(args, all),
      options: all,
      strict: true,
      allowPositionals: true,
    });
    return { values, words: positionals };
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message}`, usageOf(command));
  }
}

/**
 * `--flag value` as `--flag=value` wherever a string flag's value begins with a dash: ids are
 * base64url, so one in 64 begins with `-`, which parseArgs would otherwise refuse as ambiguous.
 * A value that is itself one of the command's flags (`--organisation --json`) is left alone, so a
 * forgotten value is still a usage error rather than a flag swallowed as a value.
 */
export function valuesAttached(args: string[], options: ParseArgsOptions): string[] {
  const spellings = (name: string, short: string | undefined) => [
    `--${name}`,
    ...(short ? [`-${short}`] : []),
  ];
  const options_ = Object.entries(options);
  const flagNames = new Set(options_.flatMap(([name, option]) => spellings(name, option.short)));
  const takingValue = new Set(
    options_
      .filter(([, option]) => option.type === "string")
      .flatMap(([name, option]) => spellings(name, option.short)),
  );
  const attached: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const [arg, next] = [args[i]!, args[i + 1]];
    if (arg === "--") return [...attached, ...args.slice(i)];
    if (takingValue.has(arg) && next?.startsWith("-") && next !== "--" && !flagNames.has(next)) {
      attached.push(arg.startsWith("--") ? `${arg}=${next}` : `${arg}${next}`);
      i++;
    } else {
      attached.push(arg);
    }
  }
  return attached;
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
