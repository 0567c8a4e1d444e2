import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defaultCapabilities, defaultLifetime, encodeMlsMessage, generateKeyPackage } from "ts-mls";
import { bytesEqual } from "./encoding.ts";
import { isCryptoError } from "./errors.ts";
import { applyCommitToRoster, inspectCommit, inspectKeyPackage, inspectWelcome } from "./inspect.ts";
import { createMlsClient, exportDeviceIdentity, importDeviceIdentity, type MlsGroup } from "./mls.ts";
import type { GroupMember } from "./mls-codec.ts";
import { loadCipherSuite } from "./mls-codec.ts";
import {
  createTestDevice,
  read,
  type TestDevice,
  TestDirectory,
  takeKeyPackage,
  text,
} from "./test-support.ts";

/** Asserts that `promise` rejects with a CryptoError of `code`, whose message starts with `operation`. */
async function assertRefused(promise: Promise<unknown>, code: string, operation?: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isCryptoError(err), `expected a CryptoError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (operation !== undefined) assert.ok(err.message.startsWith(`${operation}: `), err.message);
    return true;
  });
}

function who(member: { userId: string; deviceId: string }): string {
  return `${member.userId}/${member.deviceId}`;
}

function roster(group: MlsGroup): string[] {
  return group.members().map((m) => `${m.leafIndex}:${who(m)}`);
}

/** Commits `changes` from `committer`, as a server would accept it, and returns the bytes sent. */
async function commitAndMerge(committer: MlsGroup, changes: Parameters<MlsGroup["createCommit"]>[0]) {
  const pending = await committer.createCommit(changes);
  committer.mergePendingCommit();
  return pending;
}

/** Four devices of three users, all in one group created by alice's phone. */
async function fourDeviceGroup() {
  const directory = new TestDirectory();
  const alicePhone = await createTestDevice(directory, "u_alice", "d_phone");
  const bobPhone = await createTestDevice(directory, "u_bob", "d_phone");
  const bobLaptop = await createTestDevice(directory, "u_bob", "d_laptop");
  const carolPhone = await createTestDevice(directory, "u_carol", "d_phone");

  const alice = await alicePhone.client.createGroup(alicePhone.identity, text("conversation-1"));
  const pending = await alice.createCommit({
    add: [takeKeyPackage(bobPhone), takeKeyPackage(bobLaptop), takeKeyPackage(carolPhone)],
  });
  alice.mergePendingCommit();
  assert.ok(pending.welcome, "a Welcome for the added devices");
  const join = async (device: TestDevice) =>
    (await device.client.joinGroup(device.identity, pending.welcome as Uint8Array, device.keyPackages)).group;
  return {
    directory,
    devices: { alicePhone, bobPhone, bobLaptop, carolPhone },
    addCommit: pending,
    groups: {
      alice,
      bob: await join(bobPhone),
      bobLaptop: await join(bobLaptop),
      carol: await join(carolPhone),
    },
  };
}

describe("MLS group through our interface", () => {
  it("runs a full conversation of 4 devices: add, join, talk both ways, remove", async () => {
    const { devices, groups, addCommit } = await fourDeviceGroup();
    const { alice, bob, bobLaptop, carol } = groups;

    // The server's view of the add commit matches what the members see.
    // The server starts the roster with the creating device at leaf 0.
    const { userId, deviceId, signaturePublicKey } = devices.alicePhone.identity;
    let serverRoster: GroupMember[] = [{ userId, deviceId, signaturePublicKey, leafIndex: 0 }];
    const addInspection = await inspectCommit(addCommit.commit);
    assert.equal(addInspection.epoch, 0n);
    assert.equal(addInspection.senderLeafIndex, 0);
    assert.deepEqual(addInspection.adds.map(who), ["u_bob/d_phone", "u_bob/d_laptop", "u_carol/d_phone"]);
    assert.deepEqual(addInspection.removedLeafIndexes, []);
    assert.deepEqual(addInspection.otherProposals, []);
    const addUpdate = applyCommitToRoster(serverRoster, addInspection);
    serverRoster = addUpdate.roster;
    assert.equal(who(addUpdate.sender), "u_alice/d_phone");

    for (const group of [alice, bob, bobLaptop, carol]) {
      assert.equal(group.epoch, 1n);
      assert.deepEqual(group.groupId, text("conversation-1"));
      assert.deepEqual(roster(group), [
        "0:u_alice/d_phone",
        "1:u_bob/d_phone",
        "2:u_bob/d_laptop",
        "3:u_carol/d_phone",
      ]);
    }
    assert.deepEqual(
      serverRoster.map((m) => `${m.leafIndex}:${who(m)}`),
      roster(alice),
    );
    assert.ok(bytesEqual(bob.self().signaturePublicKey, devices.bobPhone.identity.signaturePublicKey));
    assert.deepEqual(addCommit.added.map(who), ["u_bob/d_phone", "u_bob/d_laptop", "u_carol/d_phone"]);

    // Messages both ways, each receiver learns who sent it.
    const fromAlice = await alice.encrypt(text("Bonjour, le bilan de Mme D. est arrivé."));
    for (const group of [bob, bobLaptop, carol]) {
      const received = await group.processMessage(fromAlice);
      assert.equal(received.kind, "application");
      assert.equal(
        read(received.kind === "application" ? received.plaintext : new Uint8Array()),
        "Bonjour, le bilan de Mme D. est arrivé.",
      );
      assert.equal(received.kind === "application" && who(received.sender), "u_alice/d_phone");
    }
    const fromBobLaptop = await bobLaptop.encrypt(text("Merci, je regarde."));
    for (const group of [alice, bob, carol]) {
      const received = await group.decrypt(fromBobLaptop);
      assert.equal(read(received.plaintext), "Merci, je regarde.");
      assert.equal(who(received.sender), "u_bob/d_laptop");
      assert.equal(received.sender.leafIndex, 2);
      assert.equal(received.epoch, 1n);
    }
    const fromCarol = await carol.encrypt(text("Moi aussi."));
    for (const group of [alice, bob, bobLaptop])
      assert.equal(read((await group.decrypt(fromCarol)).plaintext), "Moi aussi.");

    // Carol removes Bob's laptop.
    const removal = await carol.createCommit({ remove: [{ userId: "u_bob", deviceId: "d_laptop" }] });
    assert.equal(removal.welcome, undefined);
    assert.deepEqual(removal.removed.map(who), ["u_bob/d_laptop"]);
    carol.mergePendingCommit();
    const removalInspection = await inspectCommit(removal.commit);
    assert.deepEqual(removalInspection.removedLeafIndexes, [2]);
    assert.equal(removalInspection.senderLeafIndex, 3);
    // A commit that removes someone has an UpdatePath, whose leaf names the committer.
    assert.equal(removalInspection.committer && who(removalInspection.committer), "u_carol/d_phone");
    const removalUpdate = applyCommitToRoster(serverRoster, removalInspection);
    serverRoster = removalUpdate.roster;
    assert.deepEqual(removalUpdate.removed.map(who), ["u_bob/d_laptop"]);
    assert.equal(who(removalUpdate.sender), "u_carol/d_phone");

    for (const group of [alice, bob]) {
      const result = await group.processMessage(removal.commit);
      assert.equal(result.kind, "commit");
      if (result.kind !== "commit") return;
      assert.equal(result.epoch, 2n);
      assert.equal(who(result.sender), "u_carol/d_phone");
      assert.deepEqual(result.removed.map(who), ["u_bob/d_laptop"]);
      assert.deepEqual(result.added, []);
      assert.equal(result.isSelfRemoved, false);
    }
    const laptopView = await bobLaptop.processMessage(removal.commit);
    assert.equal(laptopView.kind === "commit" && laptopView.isSelfRemoved, true);
    assert.equal(bobLaptop.isActive, false);
    assert.deepEqual(roster(alice), ["0:u_alice/d_phone", "1:u_bob/d_phone", "3:u_carol/d_phone"]);
    assert.deepEqual(
      serverRoster.map((m) => `${m.leafIndex}:${who(m)}`),
      roster(alice),
    );

    // The removed device can no longer read new messages, nor send.
    const afterRemoval = await alice.encrypt(text("Nouveau message après le retrait."));
    assert.equal(read((await bob.decrypt(afterRemoval)).plaintext), "Nouveau message après le retrait.");
    assert.equal(read((await carol.decrypt(afterRemoval)).plaintext), "Nouveau message après le retrait.");
    await assertRefused(bobLaptop.processMessage(afterRemoval), "CRYPTO_NOT_A_MEMBER", "processMessage");
    await assertRefused(bobLaptop.encrypt(text("encore là ?")), "CRYPTO_NOT_A_MEMBER", "encrypt");
  });

  it("gives the freed leaf to the next added device, and the server's roster follows", async () => {
    // RFC 9420 §12.1.1: an added member takes the leftmost blank leaf.
    const { directory, groups } = await fourDeviceGroup();
    let serverRoster = groups.alice.members();
    const removal = await commitAndMerge(groups.alice, {
      remove: [{ userId: "u_bob", deviceId: "d_phone" }],
    });
    serverRoster = applyCommitToRoster(serverRoster, await inspectCommit(removal.commit)).roster;
    const bobTablet = await createTestDevice(directory, "u_bob", "d_tablet");
    const dave = await createTestDevice(directory, "u_dave", "d_phone");
    await groups.carol.processMessage(removal.commit);
    const add = await commitAndMerge(groups.carol, {
      add: [takeKeyPackage(bobTablet), takeKeyPackage(dave)],
    });
    const update = applyCommitToRoster(serverRoster, await inspectCommit(add.commit));
    // An add-only commit has no UpdatePath: the server names the committer from its roster.
    assert.equal((await inspectCommit(add.commit)).committer, undefined);
    assert.equal(who(update.sender), "u_carol/d_phone");
    await groups.alice.processMessage(add.commit);
    assert.deepEqual(roster(groups.alice), [
      "0:u_alice/d_phone",
      "1:u_bob/d_tablet",
      "2:u_bob/d_laptop",
      "3:u_carol/d_phone",
      "4:u_dave/d_phone",
    ]);
    assert.deepEqual(
      update.roster.map((m) => `${m.leafIndex}:${who(m)}`),
      roster(groups.alice),
    );
    const { group: tablet } = await bobTablet.client.joinGroup(
      bobTablet.identity,
      add.welcome as Uint8Array,
      bobTablet.keyPackages,
    );
    assert.equal(tablet.epoch, groups.alice.epoch);
    assert.equal(
      read((await tablet.decrypt(await groups.alice.encrypt(text("bienvenue")))).plaintext),
      "bienvenue",
    );
  });

  it("exports and imports the group state mid-conversation", async () => {
    const { directory, groups, devices } = await fourDeviceGroup();
    const { alice, bob } = groups;
    assert.equal(read((await bob.decrypt(await alice.encrypt(text("un")))).plaintext), "un");
    const second = await alice.encrypt(text("deux"));

    const saved = bob.exportState();
    assert.equal(saved.constructor, Uint8Array);
    // A new client, as after a restart: the directory must be reattached to the decoded state.
    const restartedClient = await createMlsClient({ directory: directory.lookup });
    const restored = restartedClient.importGroup(saved);
    assert.equal(restored.epoch, bob.epoch);
    assert.deepEqual(restored.groupId, bob.groupId);
    assert.deepEqual(roster(restored), roster(bob));
    assert.deepEqual(restored.self(), bob.self());
    assert.equal(read((await restored.decrypt(second)).plaintext), "deux");
    const reply = await restored.encrypt(text("trois"));
    assert.equal(read((await alice.decrypt(reply)).plaintext), "trois");
    // Commits keep working after a round trip.
    const again = restartedClient.importGroup(restored.exportState());
    const commit = await commitAndMerge(alice, {});
    const processed = await again.processMessage(commit.commit);
    assert.equal(processed.kind, "commit");
    assert.equal(again.epoch, alice.epoch);
    assert.equal(read((await again.decrypt(await alice.encrypt(text("quatre")))).plaintext), "quatre");
    // The reattached directory is enforced: revoke alice's phone, her next message is refused.
    directory.revoke(devices.alicePhone.identity);
    await assertRefused(again.decrypt(await alice.encrypt(text("cinq"))), "CRYPTO_UNKNOWN_DEVICE", "decrypt");
    // Garbage is refused with our code.
    await assert.throws(
      () => restartedClient.importGroup(saved.subarray(0, saved.length - 1)),
      (err: unknown) => isCryptoError(err) && err.code === "CRYPTO_INVALID_INPUT",
    );
  });

  it("resolves a commit race: the loser restores its state, processes the winner's commit and retries", async () => {
    const { directory, groups } = await fourDeviceGroup();
    const { alice, bob, bobLaptop, carol } = groups;
    const dave = await createTestDevice(directory, "u_dave", "d_phone");
    const erin = await createTestDevice(directory, "u_erin", "d_phone");

    // Both commit for epoch 1. The server takes alice's first and refuses bob's (E2EE.md trap 4).
    const winner = await alice.createCommit({ add: [takeKeyPackage(dave)] });
    const loser = await bob.createCommit({
      add: [takeKeyPackage(erin)],
      remove: [{ userId: "u_carol", deviceId: "d_phone" }],
    });
    assert.equal(winner.epoch, 1n);
    assert.equal(loser.epoch, 1n);
    assert.equal(bob.hasPendingCommit, true);
    assert.equal(bob.epoch, 1n, "a pending commit does not move the group");
    alice.mergePendingCommit();

    // While its commit is pending, bob neither sends nor processes (a restored state must not have
    // sent anything: that would reuse a key and nonce).
    await assertRefused(bob.encrypt(text("trop tôt")), "CRYPTO_COMMIT_PENDING", "encrypt");
    await assertRefused(bob.processMessage(winner.commit), "CRYPTO_COMMIT_PENDING", "processMessage");
    assert.deepEqual(bob.exportState(), loser.stateBeforeCommit);

    bob.discardPendingCommit();
    assert.equal(bob.hasPendingCommit, false);
    const processed = await bob.processMessage(winner.commit);
    assert.equal(processed.kind === "commit" && processed.added.map(who).join(), "u_dave/d_phone");
    for (const group of [bobLaptop, carol]) await group.processMessage(winner.commit);
    // Members that already applied the winner refuse the loser's commit.
    await assertRefused(carol.processMessage(loser.commit), "CRYPTO_WRONG_EPOCH", "processMessage");

    const retry = await bob.createCommit({ add: [erin.keyPackages[1]?.keyPackage as Uint8Array] });
    assert.equal(retry.epoch, 2n);
    bob.mergePendingCommit();
    const { group: daveGroup } = await dave.client.joinGroup(
      dave.identity,
      winner.welcome as Uint8Array,
      dave.keyPackages,
    );
    for (const group of [alice, bobLaptop, carol, daveGroup]) await group.processMessage(retry.commit);
    const { group: erinGroup } = await erin.client.joinGroup(
      erin.identity,
      retry.welcome as Uint8Array,
      erin.keyPackages,
    );
    for (const group of [alice, bob, bobLaptop, carol, daveGroup, erinGroup]) assert.equal(group.epoch, 3n);
    const hello = await erinGroup.encrypt(text("Bonjour à tous"));
    for (const group of [alice, bob, bobLaptop, carol, daveGroup]) {
      assert.equal(read((await group.decrypt(hello)).plaintext), "Bonjour à tous");
    }
    assert.throws(
      () => bob.mergePendingCommit(),
      (err: unknown) => isCryptoError(err) && err.code === "CRYPTO_NO_PENDING_COMMIT",
    );
  });

  it("restores from the saved bytes too, as after a crash during a commit", async () => {
    const { groups, devices } = await fourDeviceGroup();
    const winner = await commitAndMerge(groups.alice, {});
    const loser = await groups.carol.createCommit({});
    const restored = devices.carolPhone.client.importGroup(loser.stateBeforeCommit);
    await restored.processMessage(winner.commit);
    assert.equal(restored.epoch, groups.alice.epoch);
    assert.equal(read((await restored.decrypt(await groups.alice.encrypt(text("ok")))).plaintext), "ok");
  });

  it("refuses tampered messages and keeps working", async () => {
    const { groups } = await fourDeviceGroup();
    const message = await groups.alice.encrypt(text("Résultats confidentiels"));
    for (const index of [message.length - 1, message.length - 40, 40]) {
      const tampered = message.slice();
      tampered[index] = (tampered[index] ?? 0) ^ 0x01;
      await assertRefused(groups.bob.processMessage(tampered), "CRYPTO_DECRYPTION_FAILED", "processMessage");
    }
    // The untouched message still decrypts: refusals left the state as it was.
    assert.equal(read((await groups.bob.decrypt(message)).plaintext), "Résultats confidentiels");

    const commit = await groups.carol.createCommit({});
    const tamperedCommit = commit.commit.slice();
    tamperedCommit[tamperedCommit.length - 5] = (tamperedCommit[tamperedCommit.length - 5] ?? 0) ^ 0x01;
    await assertRefused(
      groups.bob.processMessage(tamperedCommit),
      "CRYPTO_DECRYPTION_FAILED",
      "processMessage",
    );
    await assertRefused(groups.bob.processMessage(commit.commit.subarray(0, 20)), "CRYPTO_INVALID_INPUT");
  });

  it("refuses a replayed application message", async () => {
    const { groups } = await fourDeviceGroup();
    const message = await groups.alice.encrypt(text("une seule fois"));
    assert.equal(read((await groups.bob.decrypt(message)).plaintext), "une seule fois");
    await assertRefused(groups.bob.decrypt(message), "CRYPTO_REPLAYED_MESSAGE", "decrypt");
    // Replayed after a state round trip as well.
    const restored = (await createMlsClient({ directory: () => true })).importGroup(groups.bob.exportState());
    await assertRefused(restored.decrypt(message), "CRYPTO_REPLAYED_MESSAGE");
  });

  it("still decrypts a late message of the previous epoch, and refuses one of a future epoch", async () => {
    const { groups } = await fourDeviceGroup();
    const late = await groups.bobLaptop.encrypt(text("envoyé avant le commit"));
    const commit = await commitAndMerge(groups.alice, {});
    await groups.bob.processMessage(commit.commit);
    const received = await groups.bob.decrypt(late);
    assert.equal(received.epoch, 1n);
    assert.equal(read(received.plaintext), "envoyé avant le commit");
    // Carol has not processed the commit yet: a message of epoch 2 is refused, and works afterwards.
    const early = await groups.alice.encrypt(text("epoch 2"));
    await assertRefused(groups.carol.decrypt(early), "CRYPTO_WRONG_EPOCH", "decrypt");
    await groups.carol.processMessage(commit.commit);
    assert.equal(read((await groups.carol.decrypt(early)).plaintext), "epoch 2");
  });

  it("refuses a message of another group", async () => {
    const { groups, devices } = await fourDeviceGroup();
    const other = await devices.alicePhone.client.createGroup(
      devices.alicePhone.identity,
      text("conversation-2"),
    );
    const addBob = await commitAndMerge(other, {
      add: [devices.bobPhone.keyPackages[1]?.keyPackage as Uint8Array],
    });
    const { group: bobInOther } = await devices.bobPhone.client.joinGroup(
      devices.bobPhone.identity,
      addBob.welcome as Uint8Array,
      devices.bobPhone.keyPackages,
    );
    const foreign = await other.encrypt(text("pour l'autre conversation"));
    await assertRefused(groups.bob.processMessage(foreign), "CRYPTO_WRONG_GROUP", "processMessage");
    const foreignCommit = await other.createCommit({});
    await assertRefused(groups.bob.processMessage(foreignCommit.commit), "CRYPTO_WRONG_GROUP");
    assert.equal(read((await bobInOther.decrypt(foreign)).plaintext), "pour l'autre conversation");
  });

  it("refuses credentials the directory does not list, wherever they appear", async () => {
    const { directory, groups, devices } = await fourDeviceGroup();

    // 1. A KeyPackage of a device the directory does not know.
    const mallory = await createTestDevice(directory, "u_mallory", "d_phone", { isRegistered: false });
    await assertRefused(
      groups.alice.createCommit({ add: [takeKeyPackage(mallory)] }),
      "CRYPTO_UNKNOWN_DEVICE",
      "createCommit",
    );
    assert.equal(groups.alice.hasPendingCommit, false);

    // 2. A second "bob/phone" with another key (trap 2: ts-mls's default accepts it).
    const fakeBob = await createTestDevice(directory, "u_bob", "d_phone", { isRegistered: false });
    await assertRefused(
      groups.alice.createCommit({ add: [takeKeyPackage(fakeBob)] }),
      "CRYPTO_UNKNOWN_DEVICE",
    );

    // 3. A commit adding an unknown device, made by a member whose client trusts anyone: the other
    //    members refuse it.
    const permissive = await createMlsClient({ directory: () => true });
    const compromisedAlice = permissive.importGroup(groups.alice.exportState());
    const sneaky = await compromisedAlice.createCommit({ add: [takeKeyPackage(mallory)] });
    await assertRefused(groups.bob.processMessage(sneaky.commit), "CRYPTO_UNKNOWN_DEVICE", "processMessage");
    assert.equal(groups.bob.epoch, 1n, "the refused commit changed nothing");
    // …and the server sees whom it adds without any state.
    assert.deepEqual((await inspectCommit(sneaky.commit)).adds.map(who), ["u_mallory/d_phone"]);

    // 4. A Welcome whose group holds a device unknown to the joiner's directory.
    const strictDirectory = new TestDirectory();
    const lonely = await createTestDevice(strictDirectory, "u_zoe", "d_phone");
    strictDirectory.register(devices.alicePhone.identity); // knows alice, not bob nor carol
    directory.register(lonely.identity); // the group's members know zoe
    const addZoe = await commitAndMerge(groups.alice, { add: [takeKeyPackage(lonely)] });
    await assertRefused(
      lonely.client.joinGroup(lonely.identity, addZoe.welcome as Uint8Array, lonely.keyPackages),
      "CRYPTO_UNKNOWN_DEVICE",
      "joinGroup",
    );

    // 5. A message from a device revoked since it joined.
    await groups.bob.processMessage(addZoe.commit);
    await groups.carol.processMessage(addZoe.commit);
    directory.revoke(devices.carolPhone.identity);
    await assertRefused(
      groups.bob.decrypt(await groups.carol.encrypt(text("révoquée"))),
      "CRYPTO_UNKNOWN_DEVICE",
      "decrypt",
    );

    // 6. A commit from a revoked device.
    const fromRevoked = await groups.carol.createCommit({});
    await assertRefused(groups.bob.processMessage(fromRevoked.commit), "CRYPTO_UNKNOWN_DEVICE");
  });

  it("refuses a credential that is not a Confrère device credential", async () => {
    const { groups } = await fourDeviceGroup();
    const cipherSuite = await loadCipherSuite("MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519");
    const raw = await generateKeyPackage(
      { credentialType: "basic", identity: text("bob") },
      defaultCapabilities(),
      defaultLifetime,
      [],
      cipherSuite,
    );
    const bytes = encodeMlsMessage({
      version: "mls10",
      wireformat: "mls_key_package",
      keyPackage: raw.publicPackage,
    });
    await assertRefused(
      groups.alice.createCommit({ add: [bytes] }),
      "CRYPTO_INVALID_CREDENTIAL",
      "createCommit",
    );
    await assertRefused(inspectKeyPackage(bytes), "CRYPTO_INVALID_CREDENTIAL", "inspectKeyPackage");
  });

  it("handles KeyPackages: inspection, last resort, Welcome matching", async () => {
    const directory = new TestDirectory();
    const alice = await createTestDevice(directory, "u_alice", "d_phone");
    const bob = await createTestDevice(directory, "u_bob", "d_laptop");
    const lastResort = await bob.client.generateLastResortKeyPackage(bob.identity);

    const info = await inspectKeyPackage(lastResort.keyPackage);
    assert.equal(info.userId, "u_bob");
    assert.equal(info.deviceId, "d_laptop");
    assert.ok(bytesEqual(info.signaturePublicKey, bob.identity.signaturePublicKey));
    assert.ok(bytesEqual(info.ref, lastResort.ref));
    assert.equal(info.isLastResort, true);
    assert.ok(info.notBefore < info.notAfter);
    assert.equal((await inspectKeyPackage(takeKeyPackage(bob))).isLastResort, false);
    const tampered = lastResort.keyPackage.slice();
    tampered[tampered.length - 3] = (tampered[tampered.length - 3] ?? 0) ^ 1;
    await assertRefused(inspectKeyPackage(tampered), "CRYPTO_DECRYPTION_FAILED");

    const group = await alice.client.createGroup(alice.identity, text("g"));
    const pending = await commitAndMerge(group, { add: [lastResort.keyPackage] });
    const welcome = pending.welcome as Uint8Array;
    assert.ok(bytesEqual(inspectWelcome(welcome).keyPackageRefs[0] ?? new Uint8Array(), lastResort.ref));
    await assertRefused(
      bob.client.joinGroup(bob.identity, welcome, bob.keyPackages),
      "CRYPTO_WELCOME_NOT_FOR_DEVICE",
    );
    await assertRefused(
      bob.client.joinGroup(alice.identity, welcome, [lastResort]),
      "CRYPTO_INVALID_INPUT",
      "joinGroup",
    );
    const joined = await bob.client.joinGroup(bob.identity, welcome, [...bob.keyPackages, lastResort]);
    assert.ok(bytesEqual(joined.keyPackageRef, lastResort.ref));
    assert.equal(read((await joined.group.decrypt(await group.encrypt(text("salut")))).plaintext), "salut");
  });

  it("refuses an expired KeyPackage", async () => {
    const { directory, groups } = await fourDeviceGroup();
    const longAgo = Date.now() - 200 * 24 * 3600 * 1000;
    const oldClient = await createMlsClient({ directory: directory.lookup, now: () => longAgo });
    const oldIdentity = await oldClient.createDeviceIdentity({ userId: "u_dave", deviceId: "d_old" });
    directory.register(oldIdentity);
    const [stale] = await oldClient.generateKeyPackages(oldIdentity, 1);
    assert.ok(stale);
    assert.ok((await inspectKeyPackage(stale.keyPackage)).notAfter < BigInt(Math.floor(Date.now() / 1000)));
    await assertRefused(
      groups.alice.createCommit({ add: [stale.keyPackage] }),
      "CRYPTO_KEY_PACKAGE_EXPIRED",
      "createCommit",
    );
  });

  it("refuses to remove a device that is not in the group, or itself", async () => {
    const { groups } = await fourDeviceGroup();
    await assertRefused(
      groups.alice.createCommit({ remove: [{ userId: "u_bob", deviceId: "d_watch" }] }),
      "CRYPTO_UNKNOWN_MEMBER",
      "createCommit",
    );
    await assertRefused(
      groups.alice.createCommit({ remove: [{ userId: "u_alice", deviceId: "d_phone" }] }),
      "CRYPTO_INVALID_INPUT",
    );
  });

  it("serialises concurrent operations on one group", async () => {
    const { groups } = await fourDeviceGroup();
    const sent = await Promise.all(["a", "b", "c", "d"].map((s) => groups.alice.encrypt(text(s))));
    const received = [];
    for (const message of sent) received.push(read((await groups.bob.decrypt(message)).plaintext));
    assert.deepEqual(received, ["a", "b", "c", "d"]);
  });

  it("exports and imports a device identity", async () => {
    const directory = new TestDirectory();
    const device = await createTestDevice(directory, "u_élise", "d_1/2");
    const copy = importDeviceIdentity(exportDeviceIdentity(device.identity));
    assert.deepEqual(copy, device.identity);
    const group = await device.client.createGroup(copy, text("g"));
    assert.equal(who(group.self()), "u_élise/d_1/2");
  });
});
