// Application messages that are well-formed on the wire but encrypted under no key, for load tests.
import { encodeMlsMessage } from "ts-mls";
import { CryptoError, CryptoErrorCode, withOperationSync } from "./errors.ts";

/**
 * RFC 9420 §6.3.2: SenderData (leaf_index u32, generation u32, reuse_guard[4]) sealed with an AEAD
 * whose tag is 16 bytes in every suite we use: 12 + 16.
 */
const ENCRYPTED_SENDER_DATA_BYTES = 28;

/**
 * Frames `ciphertext` as an MLS PrivateMessage (RFC 9420 §6.3) carrying an application message of
 * `groupId` at `epoch`: version mls10, wire format mls_private_message, content type application,
 * empty authenticated data and random encrypted sender data.
 *
 * For load tests only: the server can't tell it from a real message (it reads nothing but this
 * clear framing), and no client can decrypt it. Real messages come from `MlsGroup.encrypt`.
 *
 * @example
 * const ciphertext = crypto.getRandomValues(new Uint8Array(1_100));
 * const body = frameOpaqueApplicationMessage(new TextEncoder().encode(conversationId), 0n, ciphertext);
 * await api.postMessage(conversationId, { clientMessageId, epoch: 0, body: bytesToBase64Url(body) });
 */
export function frameOpaqueApplicationMessage(
  groupId: Uint8Array,
  epoch: bigint,
  ciphertext: Uint8Array,
): Uint8Array {
  return withOperationSync("frameOpaqueApplicationMessage", () => {
    if (epoch < 0n || epoch >= 2n ** 64n)
      throw new CryptoError(CryptoErrorCode.INVALID_INPUT, "the epoch is a uint64");
    return encodeMlsMessage({
      version: "mls10",
      wireformat: "mls_private_message",
      privateMessage: {
        groupId,
        epoch,
        contentType: "application",
        authenticatedData: new Uint8Array(0),
        encryptedSenderData: crypto.getRandomValues(new Uint8Array(ENCRYPTED_SENDER_DATA_BYTES)),
        ciphertext,
      },
    });
  });
}
