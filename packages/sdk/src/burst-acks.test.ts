import assert from "node:assert/strict";
import { test } from "node:test";
import { ACK_AT_MOST_EVERY, BurstAcks } from "./burst-acks.ts";

function recorder() {
  const sent: [string, number][] = [];
  const acks = new BurstAcks((conversationId, seq) => {
    sent.push([conversationId, seq]);
  });
  return { acks, sent };
}

test("a burst is acknowledged once it is all applied: one per conversation, the furthest entry", async () => {
  const { acks, sent } = recorder();
  // Five frames came together (one group commit's); they have their turns one after the other.
  for (let i = 0; i < 5; i++) acks.arrived();
  await acks.settled({ conversationId: "c1", seq: 7 });
  await acks.settled({ conversationId: "c2", seq: 3 });
  await acks.settled({ conversationId: "c1", seq: 8 });
  assert.deepEqual(sent, [], "nothing is sent while frames of the burst still wait");
  await acks.settled({ conversationId: "c2", seq: 4 });
  // The last one moved nothing on (a duplicate): the burst ends all the same.
  await acks.settled(null);
  assert.deepEqual(sent, [
    ["c1", 8],
    ["c2", 4],
  ]);

  // The next burst starts afresh.
  acks.arrived();
  await acks.settled({ conversationId: "c2", seq: 5 });
  assert.deepEqual(sent.slice(2), [["c2", 5]]);
});

test("a burst of nothing applied sends nothing", async () => {
  const { acks, sent } = recorder();
  acks.arrived();
  acks.arrived();
  await acks.settled(null);
  await acks.settled(null);
  assert.deepEqual(sent, []);
});

test("under a stream that never pauses, entries are acknowledged every so many", async () => {
  const { acks, sent } = recorder();
  // One frame always waits behind the one having its turn.
  acks.arrived();
  for (let seq = 1; seq <= ACK_AT_MOST_EVERY * 2 + 10; seq++) {
    acks.arrived();
    await acks.settled({ conversationId: "c1", seq });
  }
  assert.deepEqual(sent, [
    ["c1", ACK_AT_MOST_EVERY],
    ["c1", ACK_AT_MOST_EVERY * 2],
  ]);
  await acks.settled(null);
  assert.deepEqual(sent.at(-1), ["c1", ACK_AT_MOST_EVERY * 2 + 10]);
});
