import { ConfrereClient, type LocalStore, MemoryStore, type WebSocketConstructor } from "@confrere/sdk";
import { WebSocket } from "ws";
import type { TestServer, TestUser } from "./test-server.ts";

/**
 * A device of a test user: a real SDK client (real crypto, real HTTP and WebSocket) logged in
 * with the user's password and a TOTP code, with its messaging keys enrolled.
 */
export async function connectDevice(
  server: TestServer,
  user: TestUser,
  options: { deviceName?: string; store?: LocalStore; connect?: boolean; fetch?: typeof fetch } = {},
): Promise<ConfrereClient> {
  const client = new ConfrereClient({
    baseUrl: server.url,
    store: options.store ?? new MemoryStore(),
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    keyPackageTarget: 6,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  await client.login({
    email: user.email,
    password: user.password,
    deviceName: options.deviceName ?? "test device",
    totpCode: server.totp(user.totpSecret),
  });
  await client.ensureDevice();
  if (options.connect !== false) client.connect();
  return client;
}

/** The texts of a conversation's text messages on this device, in order. */
export async function textMessages(client: ConfrereClient, conversationId: string): Promise<string[]> {
  return (await client.messages(conversationId)).flatMap((m) =>
    m.content.type === "text" ? [m.content.text] : [],
  );
}

/** Waits until `check` holds, polling; fails with `what` after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | null | undefined | false>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`eventually: ${what} did not happen in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
