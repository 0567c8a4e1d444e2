import assert from "node:assert/strict";
import { test } from "node:test";
import type { StoredMessage } from "./client.ts";
import { LocalHistory } from "./local-history.ts";
import { EncryptedStore, MemoryStore } from "./store.ts";

function message(seq: number, text: string, id = `m${seq}`): StoredMessage {
  return {
    id,
    conversationId: "conv1",
    seq,
    senderUserId: "u1",
    sentAt: seq * 1000,
    content: { v: 1, type: "text", text },
    readBy: [],
    reactions: {},
  } as unknown as StoredMessage;
}

test("the history is read in one range read, in order, and kept current by save", async () => {
  const store = new EncryptedStore(new MemoryStore(), await EncryptedStore.newKey());
  const writer = new LocalHistory(store);
  for (const seq of [1, 2, 10, 11]) await writer.save(message(seq, `n°${seq}`));
  await writer.save({ ...message(1, "autre conversation", "x1"), conversationId: "conv2" });

  // A fresh history (another start of the app) reads what was written, sorted by seq.
  const history = new LocalHistory(store);
  assert.deepEqual(
    (await history.list("conv1")).map((m) => m.seq),
    [1, 2, 10, 11],
  );
  // Newer, rewritten and older messages all land in order, in memory and in the store.
  await history.save(message(12, "n°12"));
  await history.save(message(5, "n°5"));
  const edited = (await history.find("conv1", "m10"))!;
  edited.content = { v: 1, type: "text", text: "corrigé" };
  await history.save(edited);
  const expected = [1, 2, 5, 10, 11, 12];
  assert.deepEqual(
    (await history.list("conv1")).map((m) => m.seq),
    expected,
  );
  assert.deepEqual(
    (await new LocalHistory(store).list("conv1")).map((m) => m.seq),
    expected,
  );
  assert.deepEqual(
    (await history.list("conv2")).map((m) => m.id),
    ["x1"],
  );
  assert.equal(
    ((await history.list("conv1")).find((m) => m.seq === 10)!.content as { text: string }).text,
    "corrigé",
  );
  assert.equal(await history.find("conv1", "nope"), null);
});

test("find gives a copy: changing it changes nothing until it is saved", async () => {
  const history = new LocalHistory(new MemoryStore());
  await history.save(message(1, "bonjour"));
  await history.list("conv1");
  const copy = (await history.find("conv1", "m1"))!;
  copy.readBy.push("u2");
  assert.deepEqual((await history.list("conv1"))[0]!.readBy, []);
});

test("forget reads the store again (messages deleted under the history go)", async () => {
  const store = new MemoryStore();
  const history = new LocalHistory(store);
  await history.save(message(1, "a"));
  await history.save(message(2, "b"));
  assert.equal((await history.list("conv1")).length, 2);
  await store.delete("msg/conv1/000000000001");
  assert.equal((await history.list("conv1")).length, 2, "kept in memory until forgotten");
  history.forget();
  assert.deepEqual(
    (await history.list("conv1")).map((m) => m.seq),
    [2],
  );
});
