/** A device's WebSocket as the bench holds it: raw frames, no SDK. */
import { WebSocket } from "ws";

export function realtimeUrl(baseUrl: string): string {
  return `${baseUrl.replace(/^http/, "ws")}/api/v1/realtime`;
}

/**
 * Opens the realtime socket, says hello with the session token and resolves once the server
 * answered `ready`. Frames after that go to `onFrame` as raw buffers (parsing is left to the caller).
 */
export function openRealtimeSocket(
  baseUrl: string,
  token: string,
  onFrame: (data: Buffer) => void = () => {},
  timeoutMs = 30_000,
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    // No compression: the server does not offer it either.
    const socket = new WebSocket(realtimeUrl(baseUrl), { perMessageDeflate: false });
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error("openRealtimeSocket: no ready frame in time"));
    }, timeoutMs);
    let isReady = false;
    socket.on("open", () => socket.send(JSON.stringify({ type: "hello", token })));
    socket.on("message", (data: Buffer) => {
      if (isReady) {
        onFrame(data);
        return;
      }
      if (data.includes('"type":"ready"')) {
        isReady = true;
        clearTimeout(timer);
        resolve(socket);
      }
    });
    socket.on("error", (error) => {
      clearTimeout(timer);
      if (!isReady) reject(error);
    });
    socket.on("close", (code, reason) => {
      clearTimeout(timer);
      if (!isReady) reject(new Error(`openRealtimeSocket: closed with ${code} ${reason.toString()}`));
    });
  });
}
