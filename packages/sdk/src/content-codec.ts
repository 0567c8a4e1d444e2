import { CONTENT_VERSION, MessageContent } from "@confrere/protocol";
import { Value } from "@sinclair/typebox/value";
import type { StoredMessage } from "./client.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeContent(content: MessageContent): Uint8Array {
  return encoder.encode(JSON.stringify(content));
}

/**
 * Reads decrypted content. Content from a newer client (unknown type or version) becomes a
 * placeholder the app shows as "message not supported by this version", never a crash.
 */
export function decodeContent(bytes: Uint8Array): StoredMessage["content"] {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch {
    return { v: CONTENT_VERSION, type: "unknown", originalType: "unreadable" };
  }
  // Value.Check, not the compiler: the app runs under a CSP without unsafe-eval.
  if (Value.Check(MessageContent, value)) return value;
  const type =
    typeof (value as { type?: unknown })?.type === "string"
      ? String((value as { type: string }).type)
      : "unknown";
  const v =
    typeof (value as { v?: unknown })?.v === "number" ? Number((value as { v: number }).v) : CONTENT_VERSION;
  return { v, type: "unknown", originalType: type.slice(0, 64) };
}
