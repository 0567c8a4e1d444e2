import { randomBytes } from "node:crypto";
import { frameOpaqueApplicationMessage } from "@confrere/crypto";
import { WebSocket } from "ws";

export interface RawSocket {
  socket: WebSocket;
  /** Every frame received after connecting, parsed, in order. */
  frames: Record<string, unknown>[];
  /** The close code, once the socket closes. */
  closed: Promise<number>;
}

/**
 * A device's realtime socket without the SDK, as the bench holds it: says hello with the session
 * token, resolves once the server answered `ready`, then keeps every frame for the test to read.
 */
export async function openRawSocket(baseUrl: string, token: string | null): Promise<RawSocket> {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, "ws")}/api/v1/realtime`);
  const frames: Record<string, unknown>[] = [];
  socket.on("message", (data) => frames.push(JSON.parse(String(data)) as Record<string, unknown>));
  socket.on("error", () => {});
  const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => socket.send(JSON.stringify({ type: "hello", token })));
    void closed.then((code) => reject(new Error(`openRawSocket: closed with ${code} before ready`)));
    const wait = setInterval(() => {
      if (frames.some((f) => f.type === "ready")) {
        clearInterval(wait);
        resolve();
      }
    }, 5);
  });
  return { socket, frames, closed };
}

/**
 * An opaque application message of a conversation: an MLS PrivateMessage frame of its group and
 * epoch around random bytes. The server can't tell it from a real one; nobody can decrypt it.
 */
export function opaqueMessage(conversationId: string, epoch = 0, ciphertextBytes = 200): string {
  const groupId = new TextEncoder().encode(conversationId);
  return Buffer.from(
    frameOpaqueApplicationMessage(groupId, BigInt(epoch), randomBytes(ciphertextBytes)),
  ).toString("base64url");
}
