import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeContent, encodeContent } from "./content-codec.ts";
import { EncryptedStore, MemoryStore } from "./store.ts";

test("EncryptedStore keeps nothing in clear and refuses values moved between keys", async () => {
  const backend = new MemoryStore();
  const store = new EncryptedStore(backend, await EncryptedStore.newKey());
  const secret = new TextEncoder().encode("clé privée de l'appareil");
  await store.put("identity", secret);
  assert.deepEqual(await store.get("identity"), secret);
  for (const raw of backend.rawValues()) {
    assert.ok(!Buffer.from(raw).includes(Buffer.from("clé privée")), "stored in clear");
  }
  // A value copied under another key does not decrypt (the key name is authenticated).
  await backend.put("group/x", (await backend.get("identity"))!);
  await assert.rejects(store.get("group/x"));
  // Tampering is detected.
  const sealed = (await backend.get("identity"))!;
  sealed[sealed.length - 1]! ^= 1;
  await backend.put("identity", sealed);
  await assert.rejects(store.get("identity"));
  // Another key can't read it.
  await store.put("identity", secret);
  const other = new EncryptedStore(backend, await EncryptedStore.newKey());
  await assert.rejects(other.get("identity"));
  assert.deepEqual(await store.keys("ident"), ["identity"]);
  await store.clear();
  assert.equal(await store.get("identity"), null);
});

test("content round-trips; unknown or unreadable content becomes a placeholder", () => {
  const text = { v: 1 as const, type: "text" as const, text: "Bonjour", urgent: true };
  assert.deepEqual(decodeContent(encodeContent(text)), text);
  assert.deepEqual(decodeContent(new TextEncoder().encode('{"v":3,"type":"holo-call"}')), {
    v: 3,
    type: "unknown",
    originalType: "holo-call",
  });
  assert.deepEqual(decodeContent(new TextEncoder().encode("{oops")), {
    v: 1,
    type: "unknown",
    originalType: "unreadable",
  });
  // A known type with a wrong shape is not trusted either.
  assert.equal(decodeContent(new TextEncoder().encode('{"v":1,"type":"text","text":42}')).type, "unknown");
});
