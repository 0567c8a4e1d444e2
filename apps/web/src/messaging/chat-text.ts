// Pure helpers of the composer and the message view: mentions ("@Dr Léa Leroy") and reactions.
// Offsets are JavaScript string indices (UTF-16 code units), as the content schema's `Mention` has them.
import type { StoredMessage } from "@confrere/sdk";

/** The small set of reactions offered: enough to answer without typing, nothing to misread. */
export const REACTION_EMOJIS = ["👍", "✅", "❤️", "😂", "😮", "🙏"] as const;

export interface Mention {
  userId: string;
  offset: number;
  length: number;
}

export interface Person {
  userId: string;
  displayName: string;
}

function fold(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{Diacritic}/gu, "")
    .toLowerCase();
}

/**
 * The mention being typed: the text after the last "@" before the cursor, when that "@" starts a
 * word and the text since has no line break. Null when the person is not typing a mention.
 */
export function mentionQuery(text: string, cursor: number): { start: number; query: string } | null {
  const before = text.slice(0, cursor);
  const at = before.lastIndexOf("@");
  if (at < 0) return null;
  if (at > 0 && !/\s/.test(before[at - 1] ?? "")) return null;
  const query = before.slice(at + 1);
  if (query.length > 40 || /[\n@]/.test(query)) return null;
  return { start: at, query };
}

/** The people whose name matches what follows the "@" (accents and case ignored), at most `limit`. */
export function mentionCandidates(people: readonly Person[], query: string, limit = 5): Person[] {
  const wanted = fold(query.trim());
  return people
    .filter((p) => {
      const name = fold(p.displayName);
      return wanted === "" || name.startsWith(wanted) || name.split(/\s+/).some((w) => w.startsWith(wanted));
    })
    .slice(0, limit);
}

/** Replaces the "@query" being typed by "@Name " and says where the cursor goes next. */
export function insertMention(
  text: string,
  cursor: number,
  start: number,
  person: Person,
): { text: string; cursor: number } {
  const inserted = `@${person.displayName} `;
  return { text: text.slice(0, start) + inserted + text.slice(cursor), cursor: start + inserted.length };
}

/**
 * The mentions of the final text: every "@Name" of the people picked while typing that is still in
 * the text (the person may have edited around it), so offsets always point at the right words.
 */
export function mentionsIn(text: string, picked: readonly Person[]): Mention[] {
  const mentions: Mention[] = [];
  for (const person of picked) {
    const needle = `@${person.displayName}`;
    for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length))
      mentions.push({ userId: person.userId, offset: at, length: needle.length });
  }
  return mentions.sort((a, b) => a.offset - b.offset).slice(0, 50);
}

export type Segment = { text: string } | { text: string; mention: string };

/**
 * Cuts a text into plain parts and mentions, for display. A mention that no longer points at an
 * "@" (its message was edited since) or overlaps another is shown as plain text.
 */
export function segments(text: string, mentions: readonly Mention[] | undefined): Segment[] {
  const out: Segment[] = [];
  let at = 0;
  for (const m of [...(mentions ?? [])].sort((a, b) => a.offset - b.offset)) {
    if (m.offset < at || m.offset + m.length > text.length || text[m.offset] !== "@") continue;
    if (m.offset > at) out.push({ text: text.slice(at, m.offset) });
    out.push({ text: text.slice(m.offset, m.offset + m.length), mention: m.userId });
    at = m.offset + m.length;
  }
  if (at < text.length || out.length === 0) out.push({ text: text.slice(at) });
  return out;
}

/** A message's reactions grouped by emoji, in the offered order first, each with who reacted. */
export function reactionGroups(message: StoredMessage): { emoji: string; userIds: string[] }[] {
  const byEmoji = new Map<string, string[]>();
  for (const [userId, emoji] of Object.entries(message.reactions)) {
    if (!emoji) continue;
    byEmoji.set(emoji, [...(byEmoji.get(emoji) ?? []), userId]);
  }
  const rank = (emoji: string) => {
    const index = (REACTION_EMOJIS as readonly string[]).indexOf(emoji);
    return index < 0 ? REACTION_EMOJIS.length : index;
  };
  return [...byEmoji.entries()]
    .map(([emoji, userIds]) => ({ emoji, userIds }))
    .sort((a, b) => rank(a.emoji) - rank(b.emoji));
}

/** A one-line excerpt of a message, for a reply's quote. */
export function excerpt(message: StoredMessage, max = 80): string {
  const content = message.content;
  const text =
    content.type === "text"
      ? content.text
      : content.type === "attachment"
        ? (content.text ?? content.attachment.fileName)
        : "";
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
