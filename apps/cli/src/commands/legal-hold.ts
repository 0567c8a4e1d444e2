import { LEGAL_HOLD_REASONS, type LegalHoldReason } from "@confrere/protocol";
import { flags, required } from "../args.ts";
import { UsageError } from "../errors.ts";
import { printJson } from "../output.ts";
import { withSession } from "../session.ts";
import { usageOf } from "../usage.ts";

/** `confrere legal-hold list`: the conversations whose expiry is suspended (operators). */
export async function runLegalHoldList(args: string[]): Promise<number> {
  const command = "legal-hold list";
  const values = flags(command, args, { json: { type: "boolean" } });
  return withSession(
    command,
    values.home,
    async ({ client }) => {
      const { holds } = await client.api.legalHolds();
      if (values.json) printJson({ holds });
      else if (holds.length === 0) console.log("No conversation is under a legal hold.");
      else
        for (const hold of holds)
          console.log(
            `${hold.conversationId}  ${hold.reason}  placed by ${hold.placedBy ?? "(unknown)"}  ${new Date(hold.placedAt).toISOString()}`,
          );
      return 0;
    },
    { sync: false, device: false },
  );
}

/** `confrere legal-hold place --conversation ID --reason R`: suspends a conversation's expiry (operators). */
export async function runLegalHoldPlace(args: string[]): Promise<number> {
  const command = "legal-hold place";
  const values = flags(command, args, {
    conversation: { type: "string" },
    reason: { type: "string" },
    json: { type: "boolean" },
  });
  const conversationId = required(command, values.conversation, "--conversation");
  const reason = values.reason as LegalHoldReason | undefined;
  if (!reason || !LEGAL_HOLD_REASONS.includes(reason))
    throw new UsageError(`${command}: --reason is one of ${LEGAL_HOLD_REASONS.join(", ")}`, usageOf(command));
  return withSession(
    command,
    values.home,
    async ({ client }) => {
      const hold = await client.api.placeLegalHold(conversationId, reason);
      if (values.json) printJson(hold);
      else
        console.log(
          `Conversation ${hold.conversationId} is under a legal hold (${hold.reason}): its content won't expire until the hold is lifted.`,
        );
      return 0;
    },
    { sync: false, device: false },
  );
}

/** `confrere legal-hold lift --conversation ID`: its expired content goes at the next purge (operators). */
export async function runLegalHoldLift(args: string[]): Promise<number> {
  const command = "legal-hold lift";
  const values = flags(command, args, { conversation: { type: "string" }, json: { type: "boolean" } });
  const conversationId = required(command, values.conversation, "--conversation");
  return withSession(
    command,
    values.home,
    async ({ client }) => {
      const { status } = await client.api.liftLegalHold(conversationId);
      if (values.json) printJson({ conversationId, status });
      else
        console.log(
          `Legal hold lifted on conversation ${conversationId}: its expired content goes at the next purge.`,
        );
      return 0;
    },
    { sync: false, device: false },
  );
}
