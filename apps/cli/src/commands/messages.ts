import type { Conversation } from "@confrere/protocol";
import { ConfrereError, ErrorCode } from "@confrere/protocol";
import { flags, required } from "../args.ts";
import { CliError } from "../errors.ts";
import { conversationTitle, groupNameOf, messageLine, printJson, viewMessage } from "../output.ts";
import { Names } from "../people.ts";
import { withSession } from "../session.ts";

const command = "messages";

export async function runMessages(args: string[]): Promise<number> {
  const values = flags(command, args, {
    conversation: { type: "string" },
    "mark-read": { type: "boolean" },
    json: { type: "boolean" },
  });
  const conversationId = required(command, values.conversation, "--conversation");

  return withSession(command, values.home, async ({ client, home }) => {
    const history = await client.messages(conversationId);
    let conversation: Conversation | null = null;
    try {
      conversation = (await client.api.conversation(conversationId)).conversation;
    } catch (error) {
      const isGone =
        error instanceof ConfrereError &&
        (error.code === ErrorCode.CONVERSATION_NOT_FOUND || error.code === ErrorCode.NOT_A_MEMBER);
      // After leaving (or being removed from) a group, its history stays readable here.
      if (!isGone) throw error;
      if (history.length === 0)
        throw new CliError(`${command}: no conversation ${conversationId} on the server or on this device`);
    }
    const names = await Names.load(home.store, client.userId);
    if (conversation) await names.learn([conversation]);

    let markedRead = 0;
    if (values["mark-read"] && conversation) {
      const unread = history
        .filter((m) => m.senderUserId !== client.userId && !m.readBy.includes(client.userId))
        .map((m) => m.id);
      await client.markRead(conversationId, unread);
      markedRead = unread.length;
    }
    // Read again: sending receipts updated our copies' readBy.
    const shown = markedRead ? await client.messages(conversationId) : history;
    const views = shown.map((m) => viewMessage(m, names, client, conversation));
    const title = conversation ? conversationTitle(conversation, client.userId, groupNameOf(shown)) : null;

    if (values.json) {
      printJson({
        conversationId,
        title,
        isMember: conversation !== null,
        messages: views,
        ...(values["mark-read"] ? { markedRead } : {}),
      });
    } else {
      if (title) console.log(`${title} (${conversationId})`);
      else console.log(`${conversationId} (you are no longer in this conversation)`);
      if (views.length === 0) console.log("No messages on this device yet.");
      for (const view of views) console.log(messageLine(view));
      if (markedRead)
        console.log(`Sent read receipts for ${markedRead} message${markedRead === 1 ? "" : "s"}.`);
    }
    return 0;
  });
}
