import type { Conversation } from "@confrere/protocol";
import type { ClientEvents } from "@confrere/sdk";
import { flags } from "../args.ts";
import {
  conversationTitle,
  groupNameOf,
  type MessageView,
  messageLine,
  printJson,
  viewMessage,
} from "../output.ts";
import { Names } from "../people.ts";
import { withSession } from "../session.ts";

const command = "sync";

/** Fetches and decrypts everything new, and says what it was: new messages, and changes to older ones. */
export async function runSync(args: string[]): Promise<number> {
  const values = flags(command, args, { json: { type: "boolean" } });

  return withSession(
    command,
    values.home,
    async ({ client, home }) => {
      const arrived: { conversationId: string; id: string }[] = [];
      const changed = new Map<string, { conversationId: string; id: string }>();
      const joined = new Set<string>();
      const warnings: ClientEvents["warning"][] = [];
      const stop = [
        client.events.on("message", (m) => arrived.push({ conversationId: m.conversationId, id: m.id })),
        // Edits, recalls, reactions and read receipts: the same message may change several times.
        client.events.on("update", (m) =>
          changed.set(`${m.conversationId}/${m.id}`, { conversationId: m.conversationId, id: m.id }),
        ),
        client.events.on("conversation", (c) => joined.add(c.conversationId)),
        client.events.on("warning", (w) => warnings.push(w)),
      ];
      try {
        await client.sync();
      } finally {
        for (const off of stop) off();
      }

      const conversations = await client.conversations();
      const byId = new Map<string, Conversation>(conversations.map((c) => [c.id, c]));
      const names = await Names.load(home.store, client.userId);
      await names.learn(conversations);
      // The state after the whole sync: a message that arrived and was then edited shows edited.
      const current = async (ref: { conversationId: string; id: string }): Promise<MessageView | null> => {
        const message = await client.findMessage(ref.conversationId, ref.id);
        return message ? viewMessage(message, names, client, byId.get(ref.conversationId) ?? null) : null;
      };
      const messages: MessageView[] = [];
      for (const ref of arrived) {
        const view = await current(ref);
        if (view) messages.push(view);
        changed.delete(`${ref.conversationId}/${ref.id}`);
      }
      const updates: MessageView[] = [];
      for (const ref of changed.values()) {
        const view = await current(ref);
        if (view) updates.push(view);
      }
      const titles = new Map<string, string>();
      for (const conversation of conversations) {
        const groupName =
          conversation.kind === "group" ? groupNameOf(await client.messages(conversation.id)) : null;
        titles.set(conversation.id, conversationTitle(conversation, client.userId, groupName));
      }
      const warningViews = warnings.map((w) =>
        w.kind === "new-device" ? { ...w, displayName: names.of(w.userId) } : { ...w },
      );

      if (values.json) {
        printJson({
          messages,
          updates,
          conversations: [...joined].map((id) => ({ id, title: titles.get(id) ?? null })),
          warnings: warningViews,
        });
        return 0;
      }
      for (const w of warnings) {
        console.error(
          w.kind === "new-device"
            ? `confrere sync: ${names.of(w.userId)} has a new device (${w.deviceId}); compare your safety code if you did not expect it`
            : `confrere sync: message #${w.seq} of conversation ${w.conversationId} could not be decrypted (${w.reason})`,
        );
      }
      if (messages.length === 0 && updates.length === 0) console.log("Nothing new.");
      for (const view of messages)
        console.log(`[${titles.get(view.conversationId) ?? view.conversationId}] ${messageLine(view)}`);
      for (const view of updates)
        console.log(
          `[${titles.get(view.conversationId) ?? view.conversationId}] updated: ${messageLine(view)}`,
        );
      return 0;
    },
    // The sync is this command's own work, observed through the client's events.
    { sync: false },
  );
}
