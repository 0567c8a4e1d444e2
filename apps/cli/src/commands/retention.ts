import type { RetentionPolicy } from "@confrere/protocol";
import { flags, required } from "../args.ts";
import { UsageError } from "../errors.ts";
import { printJson } from "../output.ts";
import { withSession } from "../session.ts";
import { usageOf } from "../usage.ts";

function printPolicy(policy: RetentionPolicy): void {
  console.log(
    `Own period: ${policy.days === null ? "platform default" : `${policy.days} days`}; ` +
      `effective: ${policy.effectiveDays} days; platform default: ${policy.platformDefaultDays} days ` +
      `(an organisation may choose ${policy.minDays} to ${policy.maxDays}).`,
  );
}

/** `confrere retention show --organisation ID`: how long the server keeps the organisation's messages. */
export async function runRetentionShow(args: string[]): Promise<number> {
  const command = "retention show";
  const values = flags(command, args, { organisation: { type: "string" }, json: { type: "boolean" } });
  const organisationId = required(command, values.organisation, "--organisation");
  return withSession(
    command,
    values.home,
    async ({ client }) => {
      const policy = await client.api.retentionPolicy(organisationId);
      if (values.json) printJson(policy);
      else printPolicy(policy);
      return 0;
    },
    { sync: false, device: false },
  );
}

/**
 * `confrere retention set --organisation ID (--days N | --default)`: the organisation's own period,
 * or back to the platform default. The bounds are the server's to check (RETENTION_DAYS_OUT_OF_RANGE).
 */
export async function runRetentionSet(args: string[]): Promise<number> {
  const command = "retention set";
  const values = flags(command, args, {
    organisation: { type: "string" },
    days: { type: "string" },
    default: { type: "boolean" },
    json: { type: "boolean" },
  });
  const organisationId = required(command, values.organisation, "--organisation");
  const given = [values.days !== undefined, values.default === true].filter(Boolean).length;
  if (given !== 1)
    throw new UsageError(
      `${command}: give ${given === 0 ? "" : "only "}one of --days or --default`,
      usageOf(command),
    );
  let days: number | null = null;
  if (values.days !== undefined) {
    if (!/^\d+$/.test(values.days))
      throw new UsageError(`${command}: --days is a whole number of days, e.g. 365`, usageOf(command));
    days = Number(values.days);
  }
  return withSession(
    command,
    values.home,
    async ({ client }) => {
      const policy = await client.api.setRetentionPolicy(organisationId, days);
      if (values.json) printJson(policy);
      else if (policy.days === null)
        console.log(
          `Retention of organisation ${organisationId} set back to the platform default (${policy.platformDefaultDays} days).`,
        );
      else console.log(`Retention of organisation ${organisationId} set to ${policy.days} days.`);
      return 0;
    },
    { sync: false, device: false },
  );
}
