import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bytesEqual } from "./encoding.ts";
import { isCryptoError } from "./errors.ts";
import { inspectApplicationMessage } from "./inspect.ts";
import { frameOpaqueApplicationMessage } from "./opaque.ts";
import { createTestDevice, TestDirectory, takeKeyPackage, text } from "./test-support.ts";

describe("frameOpaqueApplicationMessage", () => {
  it("frames a PrivateMessage whose group id and epoch the server reads back", () => {
    const groupId = text("bench-conversation-0001");
    for (const epoch of [0n, 7n, 2n ** 40n]) {
      const body = frameOpaqueApplicationMessage(groupId, epoch, new Uint8Array(1_000).fill(7));
      const framing = inspectApplicationMessage(body);
      assert.ok(bytesEqual(framing.groupId, groupId));
      assert.equal(framing.epoch, epoch);
    }
  });

  it("carries the ciphertext as given, so a bench can size messages like real ones", () => {
    const small = frameOpaqueApplicationMessage(text("g-0123456789abcdef"), 0n, new Uint8Array(10));
    const large = frameOpaqueApplicationMessage(text("g-0123456789abcdef"), 0n, new Uint8Array(1_010));
    // 1,010 bytes need a 2-byte length prefix (RFC 9000 §16 varint, used by RFC 9420) instead of 1.
    assert.equal(large.length - small.length, 1_001);
  });

  it("draws fresh sender data each time, as real messages have", () => {
    const args = [text("g-0123456789abcdef"), 0n, new Uint8Array(32)] as const;
    assert.ok(!bytesEqual(frameOpaqueApplicationMessage(...args), frameOpaqueApplicationMessage(...args)));
  });

  it("refuses an epoch that is not a uint64", () => {
    assert.throws(
      () => frameOpaqueApplicationMessage(text("g-0123456789abcdef"), -1n, new Uint8Array(1)),
      (err: unknown) => isCryptoError(err) && err.code === "CRYPTO_INVALID_INPUT",
    );
  });

  it("is refused by a member of the group: nobody can decrypt it", async () => {
    const directory = new TestDirectory();
    const alice = await createTestDevice(directory, "u_alice", "d_phone");
    const bob = await createTestDevice(directory, "u_bob", "d_phone");
    const groupId = text("conversation-opaque");
    const aliceGroup = await alice.client.createGroup(alice.identity, groupId);
    const pending = await aliceGroup.createCommit({ add: [takeKeyPackage(bob)] });
    aliceGroup.mergePendingCommit();
    const { group: bobGroup } = await bob.client.joinGroup(bob.identity, pending.welcome!, bob.keyPackages);
    const opaque = frameOpaqueApplicationMessage(groupId, bobGroup.epoch, new Uint8Array(64));
    await assert.rejects(bobGroup.processMessage(opaque), (err: unknown) => isCryptoError(err));
  });
});
