// Decoding of MLS wire messages into the library's types, shared by the group code and the
// state-less inspection helpers. Every decoder refuses trailing bytes: a message has one encoding.
import type { CiphersuiteImpl, CiphersuiteName, KeyPackage, LeafNode, MLSMessage, RatchetTree } from "ts-mls";
import { decodeMlsMessage, getCiphersuiteFromName, getCiphersuiteImpl } from "ts-mls";
import { parseDeviceCredential } from "./credential.ts";
import { CryptoError, CryptoErrorCode } from "./errors.ts";

/** The cipher suites ts-mls 1.6.4 names. Only suite 1 works with the packages we install. */
export type MlsCipherSuiteName = CiphersuiteName;

/** RFC 9420 suite 1, our default (E2EE.md). */
export const DEFAULT_CIPHER_SUITE: MlsCipherSuiteName = "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519";

/**
 * `last_resort` KeyPackage extension (0x000A, IANA "MLS Extension Types", from
 * draft-ietf-mls-extensions): marks the KeyPackage the server may hand out more than once.
 */
export const LAST_RESORT_EXTENSION_TYPE = 0x000a;

/** A member of an MLS group: one device, at one leaf of the ratchet tree. */
export interface GroupMember {
  userId: string;
  deviceId: string;
  signaturePublicKey: Uint8Array;
  /** Position of its leaf in the ratchet tree; a remove proposal names a member by it. */
  leafIndex: number;
}

/** Loads the library's implementation of a cipher suite. */
export function loadCipherSuite(name: MlsCipherSuiteName): Promise<CiphersuiteImpl> {
  return getCiphersuiteImpl(getCiphersuiteFromName(name));
}

type WireformatOf<W extends MLSMessage["wireformat"]> = Extract<MLSMessage, { wireformat: W }>;

/** Decodes an MLSMessage (RFC 9420 §6) and checks that it has one of the expected wire formats. */
export function decodeMessage<W extends MLSMessage["wireformat"]>(
  bytes: Uint8Array,
  expected: readonly W[],
): WireformatOf<W> {
  let decoded: [MLSMessage, number] | undefined;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch (err) {
    throw new CryptoError(CryptoErrorCode.INVALID_INPUT, "bytes are not an MLS message", { cause: err });
  }
  if (decoded === undefined || decoded[1] !== bytes.length) {
    throw new CryptoError(CryptoErrorCode.INVALID_INPUT, "bytes are not an MLS message");
  }
  const [message] = decoded;
  if (message.version !== "mls10") {
    throw new CryptoError(CryptoErrorCode.INVALID_INPUT, `unsupported MLS version ${message.version}`);
  }
  if (!(expected as readonly string[]).includes(message.wireformat)) {
    throw new CryptoError(
      CryptoErrorCode.INVALID_INPUT,
      `expected ${expected.join(" or ")}, got ${message.wireformat}`,
    );
  }
  return message as WireformatOf<W>;
}

/** Decodes a KeyPackage sent as an MLSMessage. */
export function decodeKeyPackage(bytes: Uint8Array): KeyPackage {
  return decodeMessage(bytes, ["mls_key_package"]).keyPackage;
}

/** Whether a KeyPackage carries the `last_resort` extension. */
export function isLastResortKeyPackage(keyPackage: KeyPackage): boolean {
  return keyPackage.extensions.some((extension) => extension.extensionType === LAST_RESORT_EXTENSION_TYPE);
}

/** Our view of a leaf node: who it is. Throws CRYPTO_INVALID_CREDENTIAL for a foreign credential. */
export function memberOfLeaf(leaf: LeafNode, leafIndex: number): GroupMember {
  const device = parseDeviceCredential(leaf.credential);
  // A copy: callers must not be able to change the key inside the group state.
  return { ...device, signaturePublicKey: leaf.signaturePublicKey.slice(), leafIndex };
}

/** Every member of a ratchet tree, in leaf order. Leaves sit at even node indexes (RFC 9420 Appendix C). */
export function membersOfTree(tree: RatchetTree): GroupMember[] {
  const members: GroupMember[] = [];
  for (let nodeIndex = 0; nodeIndex < tree.length; nodeIndex += 2) {
    const node = tree[nodeIndex];
    if (node?.nodeType === "leaf") members.push(memberOfLeaf(node.leaf, nodeIndex / 2));
  }
  return members;
}

/** The leaf node at `leafIndex`, or undefined for a blank or out-of-range leaf. */
export function leafAt(tree: RatchetTree, leafIndex: number): LeafNode | undefined {
  const node = tree[leafIndex * 2];
  return node?.nodeType === "leaf" ? node.leaf : undefined;
}
