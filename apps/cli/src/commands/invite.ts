import { flagsAndWords } from "../args.ts";
import { UsageError } from "../errors.ts";
import { printJson } from "../output.ts";
import { withSession } from "../session.ts";
import { usageOf } from "../usage.ts";

const command = "invite";

/**
 * Invites someone by e-mail: a colleague the directory lists as "pas encore sur Confrère", or,
 * with --organisation and --national-id, a professional an organisation's administrator vouches
 * for. The server checks everything; this only refuses what cannot be an invitation at all.
 */
export async function runInvite(args: string[]): Promise<number> {
  const { values, words } = flagsAndWords(command, args, {
    "national-id": { type: "string" },
    organisation: { type: "string" },
    json: { type: "boolean" },
  });
  const [email, ...extra] = words;
  if (email === undefined || extra.length > 0 || !/^[^\s@]+@[^\s@]+$/.test(email)) {
    throw new UsageError(`${command}: give one e-mail address to invite`, usageOf(command));
  }
  const nationalId = values["national-id"];
  if (nationalId !== undefined && !/^(8[0-9]{11}|0[0-9]{9})$/.test(nationalId)) {
    throw new UsageError(
      `${command}: --national-id takes 8 + the 11-digit RPPS, or 0 + the 9-digit ADELI (as \`confrere directory search\` prints it)`,
      usageOf(command),
    );
  }
  if (values.organisation !== undefined && nationalId === undefined) {
    throw new UsageError(
      `${command}: an organisation vouches for a professional of the directory: give --national-id too`,
      usageOf(command),
    );
  }
  return withSession(
    command,
    values.home,
    async ({ client }) => {
      const { invitation } = await client.api.invite({
        email,
        ...(nationalId !== undefined ? { nationalId } : {}),
        ...(values.organisation !== undefined ? { organisationId: values.organisation } : {}),
      });
      if (values.json) printJson({ invitation });
      else {
        const until = new Date(invitation.expiresAt).toISOString().slice(0, 10);
        const on = invitation.organisationName ? ` on behalf of ${invitation.organisationName}` : "";
        console.log(`Invitation for ${invitation.email}${on}: ${invitation.state}, valid until ${until}`);
      }
      return 0;
    },
    { sync: false, device: false },
  );
}
