import { flags } from "../args.ts";
import { conversationTitle, groupNameOf, printJson } from "../output.ts";
import { Names } from "../people.ts";
import { withSession } from "../session.ts";

const command = "conversations";

export async function runConversations(args: string[]): Promise<number> {
  const values = flags(command, args, { json: { type: "boolean" } });

  return withSession(command, values.home, async ({ client, home }) => {
    const conversations = await client.conversations();
    const names = await Names.load(home.store, client.userId);
    await names.learn(conversations);
    const rows = [];
    for (const conversation of conversations) {
      const history = await client.messages(conversation.id);
      const groupName = conversation.kind === "group" ? groupNameOf(history) : null;
      // Read receipts we sent are applied to our own copy too: readBy holds us once we've read it.
      const unread = history.filter(
        (m) => m.senderUserId !== client.userId && !m.recalled && !m.readBy.includes(client.userId),
      ).length;
      rows.push({
        id: conversation.id,
        kind: conversation.kind,
        title: conversationTitle(conversation, client.userId, groupName),
        ...(conversation.kind === "group" ? { groupName } : {}),
        members: conversation.members.map((m) => ({
          userId: m.userId,
          displayName: m.displayName,
          role: m.role,
          isMe: m.userId === client.userId,
        })),
        lastSeq: conversation.lastSeq,
        messageCount: history.length,
        unread,
        lastMessageAt: history.length ? new Date(history.at(-1)!.sentAt).toISOString() : null,
      });
    }
    if (values.json) printJson({ conversations: rows });
    else if (rows.length === 0)
      console.log("No conversations yet. Start one: confrere send --to EMAIL --text T");
    else
      for (const row of rows) {
        const others = row.members.filter((m) => !m.isMe).map((m) => m.displayName);
        console.log(
          `${row.id}  ${row.kind === "group" ? "group " : "direct"}  ${row.title}` +
            (row.kind === "group" ? ` (${others.join(", ")})` : "") +
            `  ${row.messageCount} message${row.messageCount === 1 ? "" : "s"}` +
            (row.unread ? `, ${row.unread} unread` : ""),
        );
      }
    return 0;
  });
}
