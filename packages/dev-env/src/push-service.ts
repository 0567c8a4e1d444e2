import assert from "node:assert/strict";
import { createECDH, type ECDH, randomBytes } from "node:crypto";
import http from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";

// web-push's own RFC 8188 implementation, used here as a browser's push stack would decrypt.
const ece = createRequire(import.meta.url)("http_ece") as {
  decrypt(buffer: Buffer, params: { version: "aes128gcm"; privateKey: ECDH; authSecret: string }): Buffer;
};

export interface PushedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/**
 * A real HTTP server standing in for a browser vendor's push service. A subscription whose path
 * starts with `/gone/` has been dropped by the push service (410, RFC 8030 §7.3); one under
 * `/busy/` is refused with 503 the first time each path is posted to, then taken.
 */
export async function startPushService() {
  const received: PushedRequest[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ path: request.url ?? "", headers: request.headers, body: Buffer.concat(chunks) });
      const path = request.url ?? "";
      const firstTime = received.filter((r) => r.path === path).length === 1;
      response.statusCode = path.startsWith("/gone/")
        ? 410
        : path.startsWith("/busy/") && firstTime
          ? 503
          : 201;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** What a browser keeps for one subscription: its P-256 key pair and auth secret. */
export function browserKeys() {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const auth = randomBytes(16).toString("base64url");
  return { ecdh, auth, json: { p256dh: ecdh.getPublicKey().toString("base64url"), auth } };
}

/** The notification's payload as the browser decrypts it (RFC 8291). */
export function decryptPayload(request: PushedRequest, keys: ReturnType<typeof browserKeys>): string {
  assert.equal(request.headers["content-encoding"], "aes128gcm");
  return ece
    .decrypt(request.body, { version: "aes128gcm", privateKey: keys.ecdh, authSecret: keys.auth })
    .toString("utf8");
}
