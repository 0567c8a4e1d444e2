import assert from "node:assert/strict";
import { test } from "node:test";
import type { StoredMessage } from "@confrere/sdk";
import {
  excerpt,
  insertMention,
  mentionCandidates,
  mentionQuery,
  mentionsIn,
  reactionGroups,
  segments,
} from "./chat-text.ts";

const LEA = { userId: "u-lea", displayName: "Dr Léa Leroy" };
const JULES = { userId: "u-jules", displayName: "Dr Jules Bonnet" };

test("mentionQuery finds the '@…' being typed, only at the start of a word and on one line", () => {
  assert.deepEqual(mentionQuery("Bonjour @Lé", 11), { start: 8, query: "Lé" });
  assert.deepEqual(mentionQuery("@", 1), { start: 0, query: "" });
  assert.equal(mentionQuery("contact@cabinet.fr", 18), null);
  assert.equal(mentionQuery("@Léa\nsuite", 10), null);
  assert.equal(mentionQuery("pas de mention", 14), null);
});

test("mentionCandidates matches any word of the name, accents and case ignored", () => {
  assert.deepEqual(mentionCandidates([LEA, JULES], "lea"), [LEA]);
  assert.deepEqual(mentionCandidates([LEA, JULES], "BON"), [JULES]);
  assert.deepEqual(mentionCandidates([LEA, JULES], ""), [LEA, JULES]);
  assert.deepEqual(mentionCandidates([LEA, JULES], "zz"), []);
});

test("a picked mention is inserted, then found again at its place in the final text", () => {
  const typed = "Avis @lé svp";
  const { text, cursor } = insertMention(typed, 8, 5, LEA);
  assert.equal(text, "Avis @Dr Léa Leroy  svp");
  assert.equal(cursor, 19);
  assert.deepEqual(mentionsIn(text, [LEA, JULES]), [{ userId: "u-lea", offset: 5, length: 13 }]);
  // Removed from the text afterwards: no mention is sent.
  assert.deepEqual(mentionsIn("Avis svp", [LEA]), []);
});

test("segments cut the text at valid mentions and ignore stale ones", () => {
  const text = "Avis @Dr Léa Leroy svp";
  assert.deepEqual(segments(text, [{ userId: "u-lea", offset: 5, length: 13 }]), [
    { text: "Avis " },
    { text: "@Dr Léa Leroy", mention: "u-lea" },
    { text: " svp" },
  ]);
  // After an edit the offsets may point elsewhere: shown as plain text.
  assert.deepEqual(segments("Texte modifié", [{ userId: "u-lea", offset: 2, length: 5 }]), [
    { text: "Texte modifié" },
  ]);
  assert.deepEqual(segments("", undefined), [{ text: "" }]);
});

function message(reactions: Record<string, string>, text = "Bonjour"): StoredMessage {
  return {
    id: "m1",
    conversationId: "c1",
    seq: 1,
    senderUserId: "u1",
    senderDeviceId: "d1",
    sentAt: 0,
    content: { v: 1, type: "text", text },
    reactions,
    readBy: [],
  };
}

test("reactionGroups counts each emoji with who reacted, in the offered order", () => {
  assert.deepEqual(reactionGroups(message({ a: "❤️", b: "👍", c: "👍", d: "" })), [
    { emoji: "👍", userIds: ["b", "c"] },
    { emoji: "❤️", userIds: ["a"] },
  ]);
});

test("excerpt makes one short line", () => {
  assert.equal(excerpt(message({}, "ligne 1\n  ligne 2")), "ligne 1 ligne 2");
  assert.equal(excerpt(message({}, "x".repeat(100)), 10), `${"x".repeat(9)}…`);
});
