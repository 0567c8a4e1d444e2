import assert from "node:assert/strict";
import { test } from "node:test";
import { deleteExpiredLocalCopies } from "./retention.ts";
import { MemoryStore, putJson } from "./store.ts";

const key = (conversationId: string, seq: number) => `msg/${conversationId}/${String(seq).padStart(12, "0")}`;

test("local copies up to the horizon go, with their references; held conversations and later ones stay", async () => {
  const store = new MemoryStore();
  for (const [conversationId, seqs] of [
    ["c1", [2, 3, 5, 11]],
    ["c2", [1, 2]],
  ] as const) {
    for (const seq of seqs) {
      await putJson(store, key(conversationId, seq), { id: `m${seq}`, seq });
      await putJson(store, `ref/${conversationId}/m${seq}`, seq);
    }
  }
  const deleted = await deleteExpiredLocalCopies(store, [
    { conversationId: "c1", days: 7, isOnHold: false, expiresBefore: 0, expiredThroughSeq: 5 },
    { conversationId: "c2", days: 7, isOnHold: true, expiresBefore: 0, expiredThroughSeq: 0 },
  ]);
  assert.equal(deleted, 3);
  assert.deepEqual(await store.keys("msg/c1/"), [key("c1", 11)]);
  assert.deepEqual(await store.keys("ref/c1/"), ["ref/c1/m11"]);
  assert.equal((await store.keys("msg/c2/")).length, 2);
  // Idempotent.
  assert.equal(
    await deleteExpiredLocalCopies(store, [
      { conversationId: "c1", days: 7, isOnHold: false, expiresBefore: 0, expiredThroughSeq: 5 },
    ]),
    0,
  );
});
