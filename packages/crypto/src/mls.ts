// Our interface over ts-mls (RFC 9420). No ts-mls type appears in it (bytes, IANA suite names, ours),
// so that another MLS implementation can replace the library (E2EE.md).
import type { CiphersuiteImpl, ClientConfig, ClientState, KeyPackage, MLSMessage, Proposal } from "ts-mls";
import {
  acceptAll,
  createApplicationMessage,
  createCommit,
  createGroup,
  decodeGroupState,
  defaultCapabilities,
  defaultKeyPackageEqualityConfig,
  defaultKeyRetentionConfig,
  defaultLifetimeConfig,
  defaultPaddingConfig,
  emptyPskIndex,
  encodeGroupState,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  joinGroup,
  processMessage,
  zeroOutUint8Array,
} from "ts-mls";
import { makeKeyPackageRef } from "ts-mls/keyPackage.js";
import { decryptSenderData } from "ts-mls/privateMessage.js";
import {
  authenticateCredential,
  type DeviceDirectory,
  type DeviceRef,
  describeDevice,
  deviceCredential,
  directoryAuthenticationService,
} from "./credential.ts";
import { bytesEqual, decodeFields, encodeFields } from "./encoding.ts";
import { CryptoError, CryptoErrorCode, withOperation, withOperationSync } from "./errors.ts";
import {
  DEFAULT_CIPHER_SUITE,
  decodeKeyPackage,
  decodeMessage,
  type GroupMember,
  LAST_RESORT_EXTENSION_TYPE,
  leafAt,
  loadCipherSuite,
  type MlsCipherSuiteName,
  memberOfLeaf,
  membersOfTree,
} from "./mls-codec.ts";

/** A device's long-term MLS identity. `signaturePrivateKey` is secret: store it encrypted at rest. */
export interface DeviceIdentity {
  userId: string;
  deviceId: string;
  signaturePublicKey: Uint8Array;
  signaturePrivateKey: Uint8Array;
}

/**
 * A KeyPackage (RFC 9420 §10) with what its owner keeps. Upload `keyPackage`; keep `privateKeys`
 * (secret) on the device until a Welcome uses it, then delete it unless `isLastResort`.
 */
export interface KeyPackageBundle {
  /** The KeyPackage as an MLSMessage, for the server. */
  keyPackage: Uint8Array;
  /** The init and leaf HPKE private keys, in our own record format. Secret. */
  privateKeys: Uint8Array;
  /** KeyPackageRef (RFC 9420 §5.2), which a Welcome uses to name the KeyPackage it is for. */
  ref: Uint8Array;
  isLastResort: boolean;
}

/** Options of {@link createMlsClient}. */
export interface MlsClientOptions {
  /** The Authentication Service: every credential met is checked against it. */
  directory: DeviceDirectory;
  /** Default: suite 1, MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519. */
  cipherSuite?: MlsCipherSuiteName;
  /** Validity of new KeyPackages, in seconds. Default: 90 days. */
  keyPackageLifetimeSeconds?: number;
  /** Milliseconds since 1970, for KeyPackage lifetimes. Default: `Date.now`. */
  now?: () => number;
}

/** Changes committed by {@link MlsGroup.createCommit}. With neither, the commit only renews our keys. */
export interface CommitChanges {
  /** KeyPackages (MLSMessage bytes) of devices to add. */
  add?: Uint8Array[];
  /** Devices to remove. */
  remove?: DeviceRef[];
}

/**
 * A commit of ours that the server has not yet accepted. The group stays in its old epoch until
 * {@link MlsGroup.mergePendingCommit}.
 */
export interface PendingCommit {
  /** The commit as an MLS PublicMessage, for the server and the other members. */
  commit: Uint8Array;
  /** The Welcome for added devices, if any. */
  welcome: Uint8Array | undefined;
  /** The epoch this commit applies to; it moves the group to `epoch + 1`. */
  epoch: bigint;
  /** The encoded group state before the commit (trap 3): what the group returns to if refused. */
  stateBeforeCommit: Uint8Array;
  added: GroupMember[];
  removed: GroupMember[];
}

/** What {@link MlsGroup.processMessage} found in a message. */
export type ProcessedMessage =
  | { kind: "application"; plaintext: Uint8Array; sender: GroupMember; epoch: bigint }
  | {
      kind: "commit";
      sender: GroupMember;
      /** The epoch the group is in after the commit. */
      epoch: bigint;
      added: GroupMember[];
      removed: GroupMember[];
      /** This device was removed: the group can no longer send nor decrypt new messages. */
      isSelfRemoved: boolean;
    };

/** A decrypted application message. */
export interface DecryptedMessage {
  plaintext: Uint8Array;
  sender: GroupMember;
  epoch: bigint;
}

/** The group a Welcome brought us into, and which of our KeyPackages it used. */
export interface JoinedGroup {
  group: MlsGroup;
  keyPackageRef: Uint8Array;
}

interface ClientContext {
  cipherSuite: CiphersuiteImpl;
  config: ClientConfig;
  directory: DeviceDirectory;
  now: () => number;
}

const STATE_FORMAT_VERSION = 1;
const IDENTITY_FORMAT_VERSION = 1;
const PRIVATE_KEYS_FORMAT_VERSION = 1;
const DEFAULT_KEY_PACKAGE_LIFETIME_SECONDS = 90 * 24 * 3600;
// Tolerate clocks up to an hour behind ours when another device checks our KeyPackage's notBefore.
const CLOCK_SKEW_SECONDS = 3600;

/**
 * Creates the MLS client of this device: the cipher suite and the Authentication Service wired in.
 *
 * @example
 * const mls = await createMlsClient({
 *   directory: (userId, deviceId, key) => deviceDirectory.has(userId, deviceId, key),
 * });
 * const identity = await mls.createDeviceIdentity({ userId: "u_alice", deviceId: "d_phone" });
 */
export async function createMlsClient(options: MlsClientOptions): Promise<MlsClient> {
  return withOperation("createMlsClient", async () => {
    const cipherSuite = await loadCipherSuite(options.cipherSuite ?? DEFAULT_CIPHER_SUITE);
    // ts-mls's default authService accepts any credential (trap 2): always replace it.
    const config: ClientConfig = {
      keyRetentionConfig: defaultKeyRetentionConfig,
      lifetimeConfig: defaultLifetimeConfig,
      keyPackageEqualityConfig: defaultKeyPackageEqualityConfig,
      paddingConfig: defaultPaddingConfig,
      authService: directoryAuthenticationService(options.directory),
    };
    return new MlsClient(
      { cipherSuite, config, directory: options.directory, now: options.now ?? Date.now },
      options.keyPackageLifetimeSeconds ?? DEFAULT_KEY_PACKAGE_LIFETIME_SECONDS,
    );
  });
}

/** The MLS side of one device. Build it with {@link createMlsClient}. */
export class MlsClient {
  readonly #context: ClientContext;
  readonly #keyPackageLifetimeSeconds: number;

  /** @internal Use {@link createMlsClient}. */
  constructor(context: ClientContext, keyPackageLifetimeSeconds: number) {
    this.#context = context;
    this.#keyPackageLifetimeSeconds = keyPackageLifetimeSeconds;
  }

  /** The cipher suite of this client's groups and KeyPackages. */
  get cipherSuite(): MlsCipherSuiteName {
    return this.#context.cipherSuite.name;
  }

  /**
   * Creates a device identity: a fresh signature key pair for a credential naming the user and the
   * device. Register `signaturePublicKey` in the server's directory before using it.
   *
   * @example
   * const identity = await mls.createDeviceIdentity({ userId: "u_alice", deviceId: "d_phone" });
   * await api.registerDevice({ deviceId: identity.deviceId, signaturePublicKey: identity.signaturePublicKey });
   */
  async createDeviceIdentity(device: DeviceRef): Promise<DeviceIdentity> {
    return withOperation("createDeviceIdentity", async () => {
      deviceCredential(device); // validates the ids
      const keys = await this.#context.cipherSuite.signature.keygen();
      return {
        userId: device.userId,
        deviceId: device.deviceId,
        signaturePublicKey: keys.publicKey,
        signaturePrivateKey: keys.signKey,
      };
    });
  }

  /**
   * Generates `count` one-time KeyPackages. The server hands each out once.
   *
   * @example
   * const bundles = await mls.generateKeyPackages(identity, 20);
   * await api.uploadKeyPackages(bundles.map((b) => b.keyPackage));
   * await store.saveKeyPackages(bundles); // privateKeys stay on the device
   */
  async generateKeyPackages(identity: DeviceIdentity, count: number): Promise<KeyPackageBundle[]> {
    return withOperation("generateKeyPackages", async () => {
      if (!Number.isSafeInteger(count) || count < 0) {
        throw new CryptoError(CryptoErrorCode.INVALID_INPUT, "count must be a non-negative integer");
      }
      const bundles: KeyPackageBundle[] = [];
      for (let i = 0; i < count; i++) bundles.push(await this.#generateKeyPackage(identity, false));
      return bundles;
    });
  }

  /**
   * Generates the last-resort KeyPackage, which the server hands out when the one-time ones run out
   * (RFC 9420 §16.8). Replace it regularly.
   *
   * @example
   * const lastResort = await mls.generateLastResortKeyPackage(identity);
   * await api.setLastResortKeyPackage(lastResort.keyPackage);
   */
  async generateLastResortKeyPackage(identity: DeviceIdentity): Promise<KeyPackageBundle> {
    return withOperation("generateLastResortKeyPackage", () => this.#generateKeyPackage(identity, true));
  }

  async #generateKeyPackage(identity: DeviceIdentity, isLastResort: boolean): Promise<KeyPackageBundle> {
    const { cipherSuite } = this.#context;
    const nowSeconds = BigInt(Math.floor(this.#context.now() / 1000));
    const capabilities = defaultCapabilities();
    capabilities.extensions = [...capabilities.extensions, LAST_RESORT_EXTENSION_TYPE];
    const { publicPackage, privatePackage } = await generateKeyPackageWithKey(
      deviceCredential(identity),
      capabilities,
      {
        notBefore: nowSeconds - BigInt(CLOCK_SKEW_SECONDS),
        notAfter: nowSeconds + BigInt(this.#keyPackageLifetimeSeconds),
      },
      isLastResort ? [{ extensionType: LAST_RESORT_EXTENSION_TYPE, extensionData: new Uint8Array() }] : [],
      { signKey: identity.signaturePrivateKey, publicKey: identity.signaturePublicKey },
      cipherSuite,
    );
    return {
      keyPackage: encodeMlsMessage({
        version: "mls10",
        wireformat: "mls_key_package",
        keyPackage: publicPackage,
      }),
      privateKeys: encodeFields(PRIVATE_KEYS_FORMAT_VERSION, [
        privatePackage.initPrivateKey,
        privatePackage.hpkePrivateKey,
      ]),
      ref: await makeKeyPackageRef(publicPackage, cipherSuite.hash),
      isLastResort,
    };
  }

  /**
   * Creates a group whose only member is this device, at epoch 0.
   *
   * @example
   * const group = await mls.createGroup(identity, new TextEncoder().encode(conversationId));
   * const { commit, welcome } = await group.createCommit({ add: [bobPhoneKeyPackage] });
   */
  async createGroup(identity: DeviceIdentity, groupId: Uint8Array): Promise<MlsGroup> {
    return withOperation("createGroup", async () => {
      if (groupId.length === 0) throw new CryptoError(CryptoErrorCode.INVALID_INPUT, "groupId is empty");
      const { cipherSuite, config, directory } = this.#context;
      await authenticateCredential(directory, deviceCredential(identity), identity.signaturePublicKey);
      const bundle = await this.#generateKeyPackage(identity, false);
      const keyPackage = decodeKeyPackage(bundle.keyPackage);
      const state = await createGroup(
        groupId.slice(),
        keyPackage,
        privateKeyPackage(bundle, identity),
        [],
        cipherSuite,
        config,
      );
      return new MlsGroup(this.#context, state);
    });
  }

  /**
   * Joins a group from a Welcome (RFC 9420 §12.4.3), with whichever of `keyPackages` it was made for.
   * Every member in the Welcome's ratchet tree is checked against the directory.
   *
   * @example
   * const { group, keyPackageRef } = await mls.joinGroup(identity, welcome, await store.keyPackages());
   * await store.deleteKeyPackageUnlessLastResort(keyPackageRef);
   */
  async joinGroup(
    identity: DeviceIdentity,
    welcome: Uint8Array,
    keyPackages: KeyPackageBundle[],
  ): Promise<JoinedGroup> {
    return withOperation("joinGroup", async () => {
      const { cipherSuite, config } = this.#context;
      const message = decodeMessage(welcome, ["mls_welcome"]).welcome;
      if (message.cipherSuite !== cipherSuite.name) {
        throw new CryptoError(
          CryptoErrorCode.INVALID_INPUT,
          `Welcome uses cipher suite ${message.cipherSuite}`,
        );
      }
      for (const bundle of keyPackages) {
        const keyPackage = decodeKeyPackage(bundle.keyPackage);
        const ref = await makeKeyPackageRef(keyPackage, cipherSuite.hash);
        if (!message.secrets.some((secret) => bytesEqual(secret.newMember, ref))) continue;
        checkKeyPackageIsOurs(keyPackage, identity);
        const state = await joinGroup(
          message,
          keyPackage,
          privateKeyPackage(bundle, identity),
          emptyPskIndex,
          cipherSuite,
          undefined,
          undefined,
          config,
        );
        return { group: new MlsGroup(this.#context, state), keyPackageRef: ref };
      }
      throw new CryptoError(
        CryptoErrorCode.WELCOME_NOT_FOR_DEVICE,
        "the Welcome is for none of the given KeyPackages",
      );
    });
  }

  /**
   * Restores a group from {@link MlsGroup.exportState}. The state holds private keys: keep it
   * encrypted at rest.
   *
   * @example
   * const group = mls.importGroup(await store.loadGroupState(conversationId));
   */
  importGroup(state: Uint8Array): MlsGroup {
    return withOperationSync(
      "importGroup",
      () => new MlsGroup(this.#context, decodeState(state, this.#context)),
    );
  }
}

/**
 * One device's view of one MLS group. Methods are serialised internally: concurrent calls run one
 * after the other, so two messages never reuse the same key and nonce.
 *
 * Persist {@link MlsGroup.exportState} after every call that changes it (E2EE.md trap 5), and after
 * {@link MlsGroup.encrypt} do so *before* sending: restoring an older state and encrypting again
 * would reuse a key and nonce.
 */
export class MlsGroup {
  readonly #context: ClientContext;
  #state: ClientState;
  #pending: { result: Awaited<ReturnType<typeof createCommit>>; commit: PendingCommit } | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  /** @internal Use {@link MlsClient.createGroup}, {@link MlsClient.joinGroup} or {@link MlsClient.importGroup}. */
  constructor(context: ClientContext, state: ClientState) {
    this.#context = context;
    this.#state = state;
  }

  /** The MLS group id. */
  get groupId(): Uint8Array {
    return this.#state.groupContext.groupId.slice();
  }

  /** The current epoch (0 at creation, +1 per commit). A pending commit does not count. */
  get epoch(): bigint {
    return this.#state.groupContext.epoch;
  }

  /** False once a commit removed this device. */
  get isActive(): boolean {
    return this.#state.groupActiveState.kind === "active";
  }

  /** Whether a commit of ours awaits the server's answer. */
  get hasPendingCommit(): boolean {
    return this.#pending !== undefined;
  }

  /**
   * The members at the current epoch: one per device, in leaf order.
   *
   * @example
   * const devicesOfBob = group.members().filter((m) => m.userId === "u_bob");
   */
  members(): GroupMember[] {
    return withOperationSync("members", () => membersOfTree(this.#state.ratchetTree));
  }

  /**
   * This device as a member of the group.
   *
   * @example
   * const { leafIndex } = group.self();
   */
  self(): GroupMember {
    return withOperationSync("self", () => {
      const leafIndex = this.#state.privatePath.leafIndex;
      const leaf = leafAt(this.#state.ratchetTree, leafIndex);
      if (leaf === undefined) throw new CryptoError(CryptoErrorCode.NOT_A_MEMBER, "this device has no leaf");
      return memberOfLeaf(leaf, leafIndex);
    });
  }

  /**
   * Encodes the group state for storage (trap 6: the state holds BigInts, so no JSON). While a commit
   * is pending this is the state from before it. Contains private keys: encrypt it at rest.
   *
   * @example
   * await store.saveGroupState(conversationId, group.exportState());
   */
  exportState(): Uint8Array {
    return withOperationSync(
      "exportState",
      () => this.#pending?.commit.stateBeforeCommit.slice() ?? encodeState(this.#state),
    );
  }

  /**
   * Creates a commit that adds devices (from their KeyPackages) and/or removes devices, framed as a
   * PublicMessage the server can read, with the ratchet tree in the Welcome. The group does not move
   * to the next epoch until {@link MlsGroup.mergePendingCommit}; if the server refuses the commit
   * (another member committed first), call {@link MlsGroup.discardPendingCommit}, process the winning
   * commit, and try again.
   *
   * @example
   * const pending = await group.createCommit({ add: [carolKeyPackage], remove: [{ userId: "u_bob", deviceId: "d_old" }] });
   * const answer = await api.sendCommit(conversationId, pending.commit, pending.welcome);
   * if (answer.accepted) group.mergePendingCommit();
   * else group.discardPendingCommit();
   */
  createCommit(changes: CommitChanges = {}): Promise<PendingCommit> {
    return this.#exclusive("createCommit", async () => {
      this.#assertNoPendingCommit();
      this.#assertActive();
      const { cipherSuite, directory } = this.#context;
      const proposals: Proposal[] = [];
      for (const bytes of changes.add ?? []) {
        const keyPackage = decodeKeyPackage(bytes);
        if (keyPackage.cipherSuite !== cipherSuite.name) {
          throw new CryptoError(
            CryptoErrorCode.INVALID_INPUT,
            `KeyPackage uses cipher suite ${keyPackage.cipherSuite}`,
          );
        }
        // ts-mls checks both too (with Date.now), but we want our errors before anything else.
        const { credential, signaturePublicKey, lifetime } = keyPackage.leafNode;
        const device = await authenticateCredential(directory, credential, signaturePublicKey);
        const nowSeconds = BigInt(Math.floor(this.#context.now() / 1000));
        if (nowSeconds < lifetime.notBefore || nowSeconds > lifetime.notAfter) {
          throw new CryptoError(
            CryptoErrorCode.KEY_PACKAGE_EXPIRED,
            `the KeyPackage of ${describeDevice(device)} is not valid now`,
          );
        }
        proposals.push({ proposalType: "add", add: { keyPackage } });
      }
      const members = membersOfTree(this.#state.ratchetTree);
      const ownLeafIndex = this.#state.privatePath.leafIndex;
      for (const device of changes.remove ?? []) {
        const member = members.find((m) => m.userId === device.userId && m.deviceId === device.deviceId);
        if (member === undefined) {
          throw new CryptoError(
            CryptoErrorCode.UNKNOWN_MEMBER,
            `${describeDevice(device)} is not in the group`,
          );
        }
        if (member.leafIndex === ownLeafIndex) {
          // RFC 9420 §12.2: a commit cannot remove its own sender.
          throw new CryptoError(
            CryptoErrorCode.INVALID_INPUT,
            "a device cannot remove itself by its own commit",
          );
        }
        proposals.push({ proposalType: "remove", remove: { removed: member.leafIndex } });
      }

      const stateBeforeCommit = encodeState(this.#state);
      const result = await createCommit(
        { state: this.#state, cipherSuite },
        { extraProposals: proposals, ratchetTreeExtension: true, wireAsPublicMessage: true },
      );
      const { added, removed } = diffMembers(members, membersOfTree(result.newState.ratchetTree));
      const pending: PendingCommit = {
        commit: encodeMlsMessage(result.commit),
        welcome:
          result.welcome === undefined
            ? undefined
            : encodeMlsMessage({ version: "mls10", wireformat: "mls_welcome", welcome: result.welcome }),
        epoch: this.#state.groupContext.epoch,
        stateBeforeCommit,
        added,
        removed,
      };
      this.#pending = { result, commit: pending };
      return { ...pending, stateBeforeCommit: stateBeforeCommit.slice() };
    });
  }

  /**
   * Applies our pending commit once the server has accepted it: the group moves to the next epoch.
   * Returns the new epoch.
   *
   * @example
   * group.mergePendingCommit();
   * await store.saveGroupState(conversationId, group.exportState());
   */
  mergePendingCommit(): bigint {
    return withOperationSync("mergePendingCommit", () => {
      const pending = this.#pending;
      if (pending === undefined)
        throw new CryptoError(CryptoErrorCode.NO_PENDING_COMMIT, "no commit is pending");
      this.#state = pending.result.newState;
      this.#pending = undefined;
      // The secrets of the old epoch that the new state no longer needs (forward secrecy).
      for (const secret of pending.result.consumed) zeroOutUint8Array(secret);
      return this.#state.groupContext.epoch;
    });
  }

  /**
   * Forgets our pending commit after the server refused it, and restores the state encoded before it
   * (trap 3), so that the winning commit can be processed and ours retried.
   *
   * @example
   * group.discardPendingCommit();
   * await group.processMessage(winningCommit);
   * const retry = await group.createCommit(sameChanges);
   */
  discardPendingCommit(): void {
    withOperationSync("discardPendingCommit", () => {
      const pending = this.#pending;
      if (pending === undefined)
        throw new CryptoError(CryptoErrorCode.NO_PENDING_COMMIT, "no commit is pending");
      this.#state = decodeState(pending.commit.stateBeforeCommit, this.#context);
      this.#pending = undefined;
    });
  }

  /**
   * Encrypts an application message as an MLS PrivateMessage (padded, signed, encrypted). Persist the
   * group state before sending the result.
   *
   * @example
   * const ciphertext = await group.encrypt(new TextEncoder().encode(JSON.stringify(body)));
   * await store.saveGroupState(conversationId, group.exportState());
   * await api.sendMessage(conversationId, ciphertext);
   */
  encrypt(plaintext: Uint8Array): Promise<Uint8Array> {
    return this.#exclusive("encrypt", async () => {
      this.#assertNoPendingCommit();
      this.#assertActive();
      const result = await createApplicationMessage(this.#state, plaintext, this.#context.cipherSuite);
      this.#state = result.newState;
      for (const secret of result.consumed) zeroOutUint8Array(secret);
      return encodeMlsMessage({
        version: "mls10",
        wireformat: "mls_private_message",
        privateMessage: result.privateMessage,
      });
    });
  }

  /**
   * Processes an incoming message of this group, in the server's order: a commit (PublicMessage) moves
   * the group to the next epoch; an application message (PrivateMessage) is decrypted. The sender's
   * credential, and those of added devices, are checked against the directory.
   * Refused: standalone proposals and encrypted commits (our protocol sends neither), messages of
   * another group or epoch, replays, tampering.
   *
   * @example
   * const result = await group.processMessage(bytes);
   * if (result.kind === "application") show(result.sender, result.plaintext);
   * else if (result.added.length > 0) warnIfUnexpected(result.added);
   */
  processMessage(bytes: Uint8Array): Promise<ProcessedMessage> {
    return this.#exclusive("processMessage", async () => {
      this.#assertNoPendingCommit();
      const message = decodeMessage(bytes, ["mls_public_message", "mls_private_message"]);
      return message.wireformat === "mls_public_message"
        ? this.#processCommit(message)
        : this.#processApplicationMessage(message);
    });
  }

  /**
   * Decrypts an application message; refuses anything else (see {@link MlsGroup.processMessage}).
   *
   * @example
   * const { plaintext, sender } = await group.decrypt(bytes);
   */
  decrypt(bytes: Uint8Array): Promise<DecryptedMessage> {
    return this.#exclusive("decrypt", async () => {
      this.#assertNoPendingCommit();
      const message = decodeMessage(bytes, ["mls_private_message"]);
      const { plaintext, sender, epoch } = await this.#processApplicationMessage(message);
      return { plaintext, sender, epoch };
    });
  }

  async #processCommit(
    message: Extract<MLSMessage, { wireformat: "mls_public_message" }>,
  ): Promise<Extract<ProcessedMessage, { kind: "commit" }>> {
    const { content } = message.publicMessage;
    this.#assertSameGroup(content.groupId);
    this.#assertActive();
    if (content.contentType !== "commit") {
      throw new CryptoError(
        CryptoErrorCode.UNSUPPORTED_MESSAGE,
        `PublicMessage carries a ${content.contentType}; only commits are accepted`,
      );
    }
    if (content.sender.senderType !== "member") {
      throw new CryptoError(
        CryptoErrorCode.UNSUPPORTED_MESSAGE,
        `commit from a ${content.sender.senderType} sender; only members commit`,
      );
    }
    const epoch = this.#state.groupContext.epoch;
    if (content.epoch !== epoch) {
      throw new CryptoError(
        CryptoErrorCode.WRONG_EPOCH,
        `commit for epoch ${content.epoch}, the group is at epoch ${epoch}`,
      );
    }
    for (const proposalOrRef of content.commit.proposals) {
      const type =
        proposalOrRef.proposalOrRefType === "reference" ? "reference" : proposalOrRef.proposal.proposalType;
      if (type !== "add" && type !== "remove") {
        throw new CryptoError(
          CryptoErrorCode.UNSUPPORTED_MESSAGE,
          `commit carries a ${String(type)} proposal; only add and remove are accepted`,
        );
      }
    }
    const sender = await this.#authenticateLeaf(this.#state.ratchetTree, content.sender.leafIndex);
    const before = membersOfTree(this.#state.ratchetTree);
    const result = await processMessage(
      message,
      this.#state,
      emptyPskIndex,
      acceptAll,
      this.#context.cipherSuite,
    );
    if (result.kind !== "newState") {
      throw new CryptoError(CryptoErrorCode.UNSUPPORTED_MESSAGE, "commit produced an application message");
    }
    this.#state = result.newState;
    for (const secret of result.consumed) zeroOutUint8Array(secret);
    const { added, removed } = diffMembers(before, membersOfTree(this.#state.ratchetTree));
    return {
      kind: "commit",
      sender,
      epoch: this.#state.groupContext.epoch,
      added,
      removed,
      isSelfRemoved: this.#state.groupActiveState.kind === "removedFromGroup",
    };
  }

  async #processApplicationMessage(
    message: Extract<MLSMessage, { wireformat: "mls_private_message" }>,
  ): Promise<Extract<ProcessedMessage, { kind: "application" }>> {
    const { privateMessage } = message;
    this.#assertSameGroup(privateMessage.groupId);
    if (privateMessage.contentType !== "application") {
      throw new CryptoError(
        CryptoErrorCode.UNSUPPORTED_MESSAGE,
        `encrypted ${privateMessage.contentType}; commits must be PublicMessages and proposals are not used`,
      );
    }
    const state = this.#state;
    const epoch = state.groupContext.epoch;
    if (privateMessage.epoch > epoch) {
      if (state.groupActiveState.kind === "removedFromGroup") {
        throw new CryptoError(CryptoErrorCode.NOT_A_MEMBER, "this device was removed from the group");
      }
      throw new CryptoError(
        CryptoErrorCode.WRONG_EPOCH,
        `message of epoch ${privateMessage.epoch}, the group is at epoch ${epoch}: a commit is missing`,
      );
    }
    // ts-mls does not tell who sent an application message, and does not ask the Authentication
    // Service about it: decrypt the sender data (RFC 9420 §6.3.2) ourselves, with the secrets of the
    // message's epoch, to name the sender and check it against the directory.
    const receiver =
      privateMessage.epoch === epoch
        ? { senderDataSecret: state.keySchedule.senderDataSecret, ratchetTree: state.ratchetTree }
        : state.historicalReceiverData.get(privateMessage.epoch);
    if (receiver === undefined) {
      throw new CryptoError(
        CryptoErrorCode.WRONG_EPOCH,
        `message of epoch ${privateMessage.epoch} is too old: its keys were deleted`,
      );
    }
    const senderData = await decryptSenderData(
      privateMessage,
      receiver.senderDataSecret,
      this.#context.cipherSuite,
    );
    if (senderData === undefined) {
      throw new CryptoError(CryptoErrorCode.DECRYPTION_FAILED, "could not decrypt the sender data");
    }
    const sender = await this.#authenticateLeaf(receiver.ratchetTree, senderData.leafIndex);
    const result = await processMessage(message, state, emptyPskIndex, acceptAll, this.#context.cipherSuite);
    if (result.kind !== "applicationMessage") {
      throw new CryptoError(CryptoErrorCode.UNSUPPORTED_MESSAGE, "expected an application message");
    }
    this.#state = result.newState;
    for (const secret of result.consumed) zeroOutUint8Array(secret);
    return { kind: "application", plaintext: result.message, sender, epoch: privateMessage.epoch };
  }

  async #authenticateLeaf(tree: ClientState["ratchetTree"], leafIndex: number): Promise<GroupMember> {
    const leaf = leafAt(tree, leafIndex);
    if (leaf === undefined) {
      throw new CryptoError(CryptoErrorCode.UNKNOWN_MEMBER, `sender leaf ${leafIndex} is not a member`);
    }
    await authenticateCredential(this.#context.directory, leaf.credential, leaf.signaturePublicKey);
    return memberOfLeaf(leaf, leafIndex);
  }

  #assertSameGroup(groupId: Uint8Array): void {
    if (!bytesEqual(groupId, this.#state.groupContext.groupId)) {
      throw new CryptoError(CryptoErrorCode.WRONG_GROUP, "the message belongs to another group");
    }
  }

  #assertActive(): void {
    if (this.#state.groupActiveState.kind !== "active") {
      throw new CryptoError(CryptoErrorCode.NOT_A_MEMBER, "this device was removed from the group");
    }
  }

  #assertNoPendingCommit(): void {
    if (this.#pending !== undefined) {
      throw new CryptoError(
        CryptoErrorCode.COMMIT_PENDING,
        "a commit of ours awaits the server's answer: merge or discard it first",
      );
    }
  }

  // Runs operations on this group one at a time: each reads the state the previous one left.
  #exclusive<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(() => withOperation(operation, fn));
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

function encodeState(state: ClientState): Uint8Array {
  const encoded = encodeGroupState(state);
  const out = new Uint8Array(encoded.length + 1);
  out[0] = STATE_FORMAT_VERSION;
  out.set(encoded, 1);
  return out;
}

function decodeState(bytes: Uint8Array, context: ClientContext): ClientState {
  if (bytes[0] !== STATE_FORMAT_VERSION) {
    throw new CryptoError(CryptoErrorCode.INVALID_INPUT, "unknown group state format");
  }
  const body = bytes.subarray(1);
  let decoded: ReturnType<typeof decodeGroupState>;
  try {
    decoded = decodeGroupState(body, 0);
  } catch (err) {
    throw new CryptoError(CryptoErrorCode.INVALID_INPUT, "malformed group state", { cause: err });
  }
  if (decoded === undefined || decoded[1] !== body.length) {
    throw new CryptoError(CryptoErrorCode.INVALID_INPUT, "malformed group state");
  }
  const [state] = decoded;
  if (state.groupContext.cipherSuite !== context.cipherSuite.name) {
    throw new CryptoError(
      CryptoErrorCode.INVALID_INPUT,
      `group state uses cipher suite ${state.groupContext.cipherSuite}`,
    );
  }
  // The client config (with our Authentication Service) is not part of the encoding: reattach it.
  return { ...state, clientConfig: context.config };
}

function privateKeyPackage(bundle: KeyPackageBundle, identity: DeviceIdentity) {
  const [initPrivateKey, hpkePrivateKey] = decodeFields(
    "privateKeys",
    PRIVATE_KEYS_FORMAT_VERSION,
    2,
    bundle.privateKeys,
  ) as [Uint8Array, Uint8Array];
  return { initPrivateKey, hpkePrivateKey, signaturePrivateKey: identity.signaturePrivateKey };
}

function checkKeyPackageIsOurs(keyPackage: KeyPackage, identity: DeviceIdentity): void {
  const member = memberOfLeaf(keyPackage.leafNode, 0);
  if (
    member.userId !== identity.userId ||
    member.deviceId !== identity.deviceId ||
    !bytesEqual(member.signaturePublicKey, identity.signaturePublicKey)
  ) {
    throw new CryptoError(
      CryptoErrorCode.INVALID_INPUT,
      "the KeyPackage does not belong to this device identity",
    );
  }
}

function sameMember(a: GroupMember, b: GroupMember): boolean {
  return a.leafIndex === b.leafIndex && a.userId === b.userId && a.deviceId === b.deviceId;
}

/** Who appeared and who left between two member lists. */
function diffMembers(
  before: GroupMember[],
  after: GroupMember[],
): { added: GroupMember[]; removed: GroupMember[] } {
  return {
    added: after.filter((m) => !before.some((b) => sameMember(b, m))),
    removed: before.filter((m) => !after.some((a) => sameMember(a, m))),
  };
}

/**
 * Encodes a device identity for storage (it contains the signature private key: encrypt it at rest).
 *
 * @example
 * await store.put("identity", exportDeviceIdentity(identity));
 */
export function exportDeviceIdentity(identity: DeviceIdentity): Uint8Array {
  const text = new TextEncoder();
  return encodeFields(IDENTITY_FORMAT_VERSION, [
    text.encode(identity.userId),
    text.encode(identity.deviceId),
    identity.signaturePublicKey,
    identity.signaturePrivateKey,
  ]);
}

/**
 * Decodes {@link exportDeviceIdentity}.
 *
 * @example
 * const identity = importDeviceIdentity(await store.get("identity"));
 */
export function importDeviceIdentity(bytes: Uint8Array): DeviceIdentity {
  const [userId, deviceId, signaturePublicKey, signaturePrivateKey] = decodeFields(
    "importDeviceIdentity",
    IDENTITY_FORMAT_VERSION,
    4,
    bytes,
  ) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  const text = new TextDecoder("utf-8", { fatal: true });
  return withOperationSync("importDeviceIdentity", () => ({
    userId: text.decode(userId),
    deviceId: text.decode(deviceId),
    signaturePublicKey,
    signaturePrivateKey,
  }));
}
