// What the server (the MLS Delivery Service, E2EE.md) can read from handshake messages without any
// group state: who a KeyPackage is for, which KeyPackages a Welcome opens, what a commit adds and
// removes, and, with the roster it keeps, who commits.
import type { CiphersuiteImpl } from "ts-mls";
import { makeKeyPackageRef, verifyKeyPackage } from "ts-mls/keyPackage.js";
import { verifyLeafNodeSignature, verifyLeafNodeSignatureKeyPackage } from "ts-mls/leafNode.js";
import { type DeviceCredentialInfo, describeDevice, parseDeviceCredential } from "./credential.ts";
import { bytesEqual } from "./encoding.ts";
import { CryptoError, CryptoErrorCode, withOperation, withOperationSync } from "./errors.ts";
import {
  DEFAULT_CIPHER_SUITE,
  decodeMessage,
  type GroupMember,
  isLastResortKeyPackage,
  loadCipherSuite,
  type MlsCipherSuiteName,
} from "./mls-codec.ts";

/** What a KeyPackage says about its device, once its signatures are verified. */
export interface KeyPackageInfo extends DeviceCredentialInfo {
  cipherSuite: MlsCipherSuiteName;
  /** KeyPackageRef (RFC 9420 §5.2), the name a Welcome uses for it. */
  ref: Uint8Array;
  isLastResort: boolean;
  /** Validity window, in seconds since 1970. */
  notBefore: bigint;
  notAfter: bigint;
}

/** A device added by a commit, from its KeyPackage. */
export interface CommitAdd extends DeviceCredentialInfo {
  keyPackageRef: Uint8Array;
}

/** What a commit (an MLS PublicMessage) says, read without group state. */
export interface CommitInspection {
  groupId: Uint8Array;
  /** The epoch the commit applies to; the group moves to `epoch + 1`. */
  epoch: bigint;
  /** Leaf index of the committer (RFC 9420 §6: a member sender is named by leaf index only). */
  senderLeafIndex: number;
  /**
   * The committer's device, from the leaf node in the commit's UpdatePath. Absent when the commit has
   * no path: ts-mls 1.6.4 sends one only when the commit removes someone or proposes nothing; for an
   * add-only commit, map `senderLeafIndex` through your roster ({@link applyCommitToRoster}).
   */
  committer: DeviceCredentialInfo | undefined;
  /** Devices added, in commit order, each from a KeyPackage whose signatures were verified. */
  adds: CommitAdd[];
  /** Leaf indexes removed, in commit order. Map them to devices through your roster. */
  removedLeafIndexes: number[];
  /** Other proposals carried (`update`, `psk`, `group_context_extensions`, `reference`…). Ours carry none. */
  otherProposals: string[];
}

/** The outcome of a commit on the roster the server keeps for a group. */
export interface RosterUpdate {
  /** The roster at `epoch + 1`, in leaf order. */
  roster: GroupMember[];
  sender: GroupMember;
  added: GroupMember[];
  removed: GroupMember[];
}

/** Options of the inspection helpers. */
export interface InspectOptions {
  /** The group's cipher suite, to verify signatures. Default: suite 1. */
  cipherSuite?: MlsCipherSuiteName;
}

/**
 * Reads and verifies a KeyPackage: its signature, its leaf node's signature, and that its credential
 * is a Confrère device credential. The server checks with it that an uploaded KeyPackage belongs to
 * the uploading device; it does not consult the directory.
 *
 * @example
 * const info = await inspectKeyPackage(uploaded);
 * if (info.userId !== session.userId || info.deviceId !== session.deviceId) refuse();
 */
export async function inspectKeyPackage(bytes: Uint8Array): Promise<KeyPackageInfo> {
  return withOperation("inspectKeyPackage", async () => {
    const { keyPackage } = decodeMessage(bytes, ["mls_key_package"]);
    const cipherSuite = await loadCipherSuite(keyPackage.cipherSuite);
    const isValid =
      keyPackage.leafNode.leafNodeSource === "key_package" &&
      (await verifyKeyPackage(keyPackage, cipherSuite.signature)) &&
      (await verifyLeafNodeSignatureKeyPackage(keyPackage.leafNode, cipherSuite.signature));
    if (!isValid) throw new CryptoError(CryptoErrorCode.DECRYPTION_FAILED, "KeyPackage signature is invalid");
    const device = parseDeviceCredential(keyPackage.leafNode.credential);
    const { lifetime } = keyPackage.leafNode;
    return {
      ...device,
      signaturePublicKey: keyPackage.leafNode.signaturePublicKey,
      cipherSuite: keyPackage.cipherSuite,
      ref: await makeKeyPackageRef(keyPackage, cipherSuite.hash),
      isLastResort: isLastResortKeyPackage(keyPackage),
      notBefore: lifetime.notBefore,
      notAfter: lifetime.notAfter,
    };
  });
}

/**
 * Lists the KeyPackageRefs a Welcome has secrets for, so that a device finds the private keys to
 * open it with, or a server knows whom to deliver it to.
 *
 * @example
 * const { keyPackageRefs } = inspectWelcome(welcome);
 */
export function inspectWelcome(bytes: Uint8Array): {
  cipherSuite: MlsCipherSuiteName;
  keyPackageRefs: Uint8Array[];
} {
  return withOperationSync("inspectWelcome", () => {
    const { welcome } = decodeMessage(bytes, ["mls_welcome"]);
    return { cipherSuite: welcome.cipherSuite, keyPackageRefs: welcome.secrets.map((s) => s.newMember) };
  });
}

/**
 * Reads a commit sent as an MLS PublicMessage, without group state, so that the server can check
 * who adds and removes whom. Verifies the signatures of added KeyPackages and of the committer's new
 * leaf node.
 *
 * It does **not** authenticate the commit itself: its signature covers the GroupContext (tree hash,
 * transcript hash, RFC 9420 §6.1) and its membership tag needs the epoch's membership key, none of
 * which the server has. The members verify both when they process it.
 *
 * @example
 * const commit = await inspectCommit(bytes);
 * if (commit.epoch !== conversation.epoch) return refuse("CONFLICT", conversation.epoch);
 * const update = applyCommitToRoster(conversation.roster, commit);
 * if (update.sender.deviceId !== session.deviceId) return refuse("FORBIDDEN");
 */
export async function inspectCommit(
  bytes: Uint8Array,
  options: InspectOptions = {},
): Promise<CommitInspection> {
  return withOperation("inspectCommit", async () => {
    const { publicMessage } = decodeMessage(bytes, ["mls_public_message"]);
    const { content } = publicMessage;
    if (content.contentType !== "commit") {
      throw new CryptoError(
        CryptoErrorCode.UNSUPPORTED_MESSAGE,
        `PublicMessage carries a ${content.contentType}`,
      );
    }
    if (content.sender.senderType !== "member") {
      throw new CryptoError(
        CryptoErrorCode.UNSUPPORTED_MESSAGE,
        `commit from a ${content.sender.senderType} sender`,
      );
    }
    const cipherSuite = await loadCipherSuite(options.cipherSuite ?? DEFAULT_CIPHER_SUITE);
    const senderLeafIndex = content.sender.leafIndex;
    const adds: CommitAdd[] = [];
    const removedLeafIndexes: number[] = [];
    const otherProposals: string[] = [];
    for (const proposalOrRef of content.commit.proposals) {
      if (proposalOrRef.proposalOrRefType === "reference") {
        // A reference names a proposal sent earlier; without state we cannot see what it was.
        otherProposals.push("reference");
        continue;
      }
      const { proposal } = proposalOrRef;
      if (proposal.proposalType === "add") {
        adds.push(await inspectAddedKeyPackage(proposal.add.keyPackage, cipherSuite));
      } else if (proposal.proposalType === "remove") {
        removedLeafIndexes.push(proposal.remove.removed);
      } else {
        otherProposals.push(String(proposal.proposalType));
      }
    }
    let committer: DeviceCredentialInfo | undefined;
    const path = content.commit.path;
    if (path !== undefined) {
      // The leaf node is signed over the group id and the leaf index (RFC 9420 §7.2).
      const isValid = await verifyLeafNodeSignature(
        path.leafNode,
        content.groupId,
        senderLeafIndex,
        cipherSuite.signature,
      );
      if (!isValid)
        throw new CryptoError(CryptoErrorCode.DECRYPTION_FAILED, "committer leaf node signature is invalid");
      committer = {
        ...parseDeviceCredential(path.leafNode.credential),
        signaturePublicKey: path.leafNode.signaturePublicKey,
      };
    }
    return {
      groupId: content.groupId,
      epoch: content.epoch,
      senderLeafIndex,
      committer,
      adds,
      removedLeafIndexes,
      otherProposals,
    };
  });
}

async function inspectAddedKeyPackage(
  keyPackage: Parameters<typeof verifyKeyPackage>[0],
  cipherSuite: CiphersuiteImpl,
): Promise<CommitAdd> {
  const isValid =
    keyPackage.cipherSuite === cipherSuite.name &&
    keyPackage.leafNode.leafNodeSource === "key_package" &&
    (await verifyKeyPackage(keyPackage, cipherSuite.signature)) &&
    (await verifyLeafNodeSignatureKeyPackage(keyPackage.leafNode, cipherSuite.signature));
  if (!isValid) throw new CryptoError(CryptoErrorCode.DECRYPTION_FAILED, "an added KeyPackage is invalid");
  return {
    ...parseDeviceCredential(keyPackage.leafNode.credential),
    signaturePublicKey: keyPackage.leafNode.signaturePublicKey,
    keyPackageRef: await makeKeyPackageRef(keyPackage, cipherSuite.hash),
  };
}

/**
 * Applies an inspected commit to the roster the server keeps for a group (leaf index → device), the
 * way members apply it to their ratchet tree (RFC 9420 §12.3: removes, then adds, each add taking the
 * leftmost blank leaf, else extending the tree to the right). Names the sender, the added and the
 * removed devices. Start from `[creator at leaf 0]` when the group is created.
 *
 * @example
 * let roster: GroupMember[] = [{ ...creatorDevice, leafIndex: 0 }];
 * const update = applyCommitToRoster(roster, await inspectCommit(commitBytes));
 * roster = update.roster;
 */
export function applyCommitToRoster(roster: GroupMember[], commit: CommitInspection): RosterUpdate {
  return withOperationSync("applyCommitToRoster", () => {
    if (commit.otherProposals.length > 0) {
      throw new CryptoError(
        CryptoErrorCode.UNSUPPORTED_MESSAGE,
        `commit carries proposals we do not track: ${commit.otherProposals.join(", ")}`,
      );
    }
    const byLeaf = new Map(roster.map((member) => [member.leafIndex, member]));
    let sender = byLeaf.get(commit.senderLeafIndex);
    if (sender === undefined) {
      throw new CryptoError(
        CryptoErrorCode.UNKNOWN_MEMBER,
        `sender leaf ${commit.senderLeafIndex} is not in the roster`,
      );
    }
    if (commit.committer !== undefined) {
      if (commit.committer.userId !== sender.userId || commit.committer.deviceId !== sender.deviceId) {
        throw new CryptoError(
          CryptoErrorCode.INVALID_CREDENTIAL,
          `the committer's leaf names ${describeDevice(commit.committer)}, the roster has ${describeDevice(sender)}`,
        );
      }
      if (!bytesEqual(commit.committer.signaturePublicKey, sender.signaturePublicKey)) {
        // RFC 9420 lets the leaf node of an UpdatePath carry a new signature key; follow it.
        sender = { ...sender, signaturePublicKey: commit.committer.signaturePublicKey };
        byLeaf.set(sender.leafIndex, sender);
      }
    }
    const removed: GroupMember[] = [];
    for (const leafIndex of commit.removedLeafIndexes) {
      const member = byLeaf.get(leafIndex);
      if (member === undefined) {
        throw new CryptoError(
          CryptoErrorCode.UNKNOWN_MEMBER,
          `removed leaf ${leafIndex} is not in the roster`,
        );
      }
      if (leafIndex === commit.senderLeafIndex) {
        throw new CryptoError(CryptoErrorCode.INVALID_INPUT, "a commit cannot remove its own sender");
      }
      byLeaf.delete(leafIndex);
      removed.push(member);
    }
    const added: GroupMember[] = [];
    for (const add of commit.adds) {
      let leafIndex = 0;
      while (byLeaf.has(leafIndex)) leafIndex++;
      const member: GroupMember = {
        userId: add.userId,
        deviceId: add.deviceId,
        signaturePublicKey: add.signaturePublicKey,
        leafIndex,
      };
      byLeaf.set(leafIndex, member);
      added.push(member);
    }
    const next = [...byLeaf.values()].sort((a, b) => a.leafIndex - b.leafIndex);
    return { roster: next, sender, added, removed };
  });
}

/** What the framing of an application message says, without any key. */
export interface ApplicationMessageInspection {
  groupId: Uint8Array;
  epoch: bigint;
}

/**
 * Reads the clear framing of an application message (RFC 9420 §6.3: a PrivateMessage names its
 * group and epoch in clear; the rest is encrypted). The server refuses with it what is not an
 * application PrivateMessage of the conversation's group and current epoch.
 *
 * @example
 * const { groupId, epoch } = inspectApplicationMessage(body);
 */
export function inspectApplicationMessage(bytes: Uint8Array): ApplicationMessageInspection {
  return withOperationSync("inspectApplicationMessage", () => {
    const { privateMessage } = decodeMessage(bytes, ["mls_private_message"]);
    if (privateMessage.contentType !== "application") {
      throw new CryptoError(
        CryptoErrorCode.UNSUPPORTED_MESSAGE,
        `handshake messages travel as PublicMessage, not as a PrivateMessage ${privateMessage.contentType}`,
      );
    }
    return { groupId: privateMessage.groupId, epoch: privateMessage.epoch };
  });
}
