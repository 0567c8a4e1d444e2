import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryStore } from "@confrere/sdk";
import {
  checkPin,
  isLockDelay,
  loadLockSettings,
  loadLockState,
  makePinVerifier,
  saveLockSettings,
  saveLockState,
} from "./lock-settings.ts";

// A low iteration count keeps the test fast; the app uses PIN_ITERATIONS.
const FAST = 1_000;

describe("lock settings", () => {
  it("keeps a salted PBKDF2 verifier, never the PIN, and checks it", async () => {
    const verifier = await makePinVerifier("482913", FAST);
    assert.equal(verifier.iterations, FAST);
    assert.ok(!JSON.stringify(verifier).includes("482913"));
    assert.equal(await checkPin("482913", verifier), true);
    assert.equal(await checkPin("482914", verifier), false);
    assert.equal(await checkPin("48291", verifier), false);
    // A fresh salt each time: the same PIN gives another verifier.
    const again = await makePinVerifier("482913", FAST);
    assert.notEqual(again.salt, verifier.salt);
    assert.notEqual(again.hash, verifier.hash);
  });

  it("refuses PINs that are not 4 to 8 digits", async () => {
    for (const pin of ["123", "123456789", "12a4", "", " 1234"])
      await assert.rejects(makePinVerifier(pin, FAST), /4 to 8 digits/);
    const verifier = await makePinVerifier("1234", FAST);
    assert.equal(await checkPin("1234 ", verifier), false);
  });

  it("offers only the documented delays", () => {
    assert.deepEqual([0, 1, 2, 5, 15, 30, 60].filter(isLockDelay), [1, 5, 15, 30]);
  });

  it("stores settings and state in the device store, and forgets both when turned off", async () => {
    const store = new MemoryStore();
    assert.equal(await loadLockSettings(store), null);
    const pin = await makePinVerifier("1234", FAST);
    await saveLockSettings(store, { method: "pin", delayMinutes: 5, pin });
    await saveLockState(store, { locked: true, failures: 2, lastActiveAt: 1 });
    assert.deepEqual(await loadLockSettings(store), { method: "pin", delayMinutes: 5, pin });
    assert.deepEqual(await loadLockState(store), { locked: true, failures: 2, lastActiveAt: 1 });
    await saveLockSettings(store, null);
    assert.equal(await loadLockSettings(store), null);
    assert.equal(await loadLockState(store), null);
  });
});
