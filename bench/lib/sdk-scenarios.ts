/**
 * Scenarios with real SDK devices (ConfrereClient: real MLS, HTTP and WebSocket, MemoryStore): the
 * latency a person sees, and what building a 100-person group costs.
 */
import { ConfrereClient, MemoryStore, type StoredMessage, type WebSocketConstructor } from "@confrere/sdk";
import { currentTotpCode } from "@confrere/server";
import { WebSocket } from "ws";
import type { BenchAccount } from "./accounts.ts";
import { LatencyRecorder, type LatencySummary } from "./latency-recorder.ts";
import { type CpuUsage, cpuBetween, cpuSnapshot } from "./proc-stats.ts";

/** HTTP requests the SDK devices made, by method, route and status (e.g. `POST /conversations/:id/commits 409`). */
export class RequestCounter {
  readonly counts: Record<string, number> = {};

  /** A fetch that counts, for ConfrereClient's options. */
  readonly fetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    // Ids (client-chosen conversation ids, server ids) are long base64url segments.
    const route = url.pathname.replace(/^\/api\/v1/, "").replace(/\/[A-Za-z0-9_-]{16,}/g, "/:id");
    const key = `${init?.method ?? "GET"} ${route} ${response.status}`;
    this.counts[key] = (this.counts[key] ?? 0) + 1;
    return response;
  };

  snapshot(): Record<string, number> {
    return { ...this.counts };
  }

  /** What was counted since `before`. */
  since(before: Record<string, number>): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, n] of Object.entries(this.counts))
      if (n - (before[key] ?? 0) > 0) out[key] = n - (before[key] ?? 0);
    return out;
  }
}

/** Logs an account in as a new SDK device, enrols its MLS keys and opens its socket. */
export async function connectSdkDevice(
  baseUrl: string,
  account: BenchAccount,
  requests?: RequestCounter,
): Promise<ConfrereClient> {
  const client = new ConfrereClient({
    baseUrl,
    store: new MemoryStore(),
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    ...(requests ? { fetch: requests.fetch } : {}),
    // Few one-time KeyPackages: each device is claimed once here.
    keyPackageTarget: 2,
  });
  await client.login({
    email: account.email,
    password: account.password,
    deviceName: "bench",
    totpCode: currentTotpCode(account.totpSecret, Date.now()),
  });
  await client.ensureDevice();
  client.connect();
  return client;
}

/** A text of exactly `length` characters that starts with `marker` (E2EE.md's 1 KB text). */
function textOf(marker: string, length = 1024): string {
  const filler = "Compte rendu de consultation, bilan biologique joint, à revoir en fin de semaine. ";
  return (marker + filler.repeat(Math.ceil(length / filler.length))).slice(0, length);
}

function textStartsWith(message: StoredMessage, marker: string): boolean {
  return (
    message.content.type === "text" && "text" in message.content && message.content.text.startsWith(marker)
  );
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return true;
}

export interface LatencyScenarioResult {
  /** Messages measured (both directions; the warm-up ones are not). */
  legs: number;
  decrypted: number;
  /** Send started → decrypted by the other device. */
  latency: LatencySummary;
  /** Send started → the sender has the server's acknowledgement. */
  acknowledgement: LatencySummary;
  elapsedMs: number;
  cpu: CpuUsage;
}

/**
 * Two devices in a direct conversation; `roundTrips` times, one sends a 1 KB text and the other
 * decrypts it, then the other way round, one message at a time.
 */
export async function runLatencyScenario(
  server: { url: string; pid: number },
  accounts: [BenchAccount, BenchAccount],
  options: { roundTrips: number; warmUp: number; includeDatabaseCpu: boolean },
): Promise<LatencyScenarioResult> {
  const alice = await connectSdkDevice(server.url, accounts[0]);
  const bob = await connectSdkDevice(server.url, accounts[1]);
  try {
    const bobJoined = bob.events.next("conversation");
    const conversationId = await alice.openDirect(bob.userId);
    await withTimeout(bobJoined, 30_000, "latency: the second device joining");
    const latency = new LatencyRecorder();
    const acknowledgement = new LatencyRecorder();
    let decrypted = 0;
    let before = cpuSnapshot(server.pid, options.includeDatabaseCpu);
    for (let i = 0; i < options.warmUp + options.roundTrips; i++) {
      if (i === options.warmUp) before = cpuSnapshot(server.pid, options.includeDatabaseCpu);
      for (const [from, to, tag] of [
        [alice, bob, "a"],
        [bob, alice, "b"],
      ] as const) {
        const marker = `#${i}${tag} `;
        const arrived = to.events.next(
          "message",
          (m) => m.conversationId === conversationId && textStartsWith(m, marker),
        );
        const startedAt = performance.now();
        const sent = from.sendText(conversationId, textOf(marker)).then(() => performance.now());
        await withTimeout(arrived, 30_000, `latency: message ${marker.trim()}`);
        const arrivedAt = performance.now();
        const acknowledgedAt = await sent;
        if (i >= options.warmUp) {
          decrypted++;
          latency.record(arrivedAt - startedAt);
          acknowledgement.record(acknowledgedAt - startedAt);
        }
      }
    }
    const cpu = cpuBetween(before, cpuSnapshot(server.pid, options.includeDatabaseCpu));
    return {
      legs: 2 * options.roundTrips,
      decrypted,
      latency: latency.summary(),
      acknowledgement: acknowledgement.summary(),
      elapsedMs: cpu.wallMs,
      cpu,
    };
  } finally {
    alice.disconnect();
    bob.disconnect();
  }
}

export interface MlsGroupStep {
  /** The creator's call (claim KeyPackages, build the commit and Welcome, post them). */
  callMs: number;
  /** HTTP requests of all devices during the step, by route and status. */
  requests: Record<string, number>;
  /** Until every device concerned has caught up (see each step). */
  allDoneMs: number | null;
  done: number;
  of: number;
}

export interface MlsGroupResult {
  groupSize: number;
  /** Create the group with the first half in one commit; all of them decrypt its first message. */
  create: MlsGroupStep;
  /** Add the rest in one commit; the newcomers join from the Welcome, the others apply the commit. */
  add: MlsGroupStep;
  /** One 1 KB text; all the others decrypt it. */
  message: MlsGroupStep;
  /** Per recipient, send → decrypted, for the last message. */
  messageLatency: LatencySummary;
  /** Warnings the devices raised (undecryptable messages, new devices). */
  warnings: Record<string, number>;
  cpu: CpuUsage;
}

/**
 * One device creates a group with half of the others in one commit, adds the rest in a second
 * commit, then sends a message that every other device must decrypt.
 */
export async function runMlsGroupScenario(
  server: { url: string; pid: number },
  clients: ConfrereClient[],
  requests: RequestCounter,
  options: { stepTimeoutMs: number; includeDatabaseCpu: boolean },
): Promise<MlsGroupResult> {
  const [creator, ...others] = clients as [ConfrereClient, ...ConfrereClient[]];
  const firstBatch = others.slice(0, Math.ceil(others.length / 2));
  const secondBatch = others.slice(firstBatch.length);
  const FINAL = "#final ";
  let phase: "create" | "add" | "message" = "create";
  let lastConversationEventAt = performance.now();
  const warnings: Record<string, number> = {};
  const state = others.map((client) => {
    const s = { groupInfoAt: 0, caughtUpAfterAddAt: 0, decryptedAt: 0 };
    client.events.on("message", (m) => {
      if (m.content.type === "group-info" && !s.groupInfoAt) s.groupInfoAt = performance.now();
      if (textStartsWith(m, FINAL) && !s.decryptedAt) s.decryptedAt = performance.now();
    });
    client.events.on("conversation", () => {
      lastConversationEventAt = performance.now();
      if (phase === "add" && !s.caughtUpAfterAddAt) s.caughtUpAfterAddAt = performance.now();
    });
    client.events.on("warning", (w) => {
      const key = w.kind === "undecryptable" ? `undecryptable ${w.reason}` : w.kind;
      warnings[key] = (warnings[key] ?? 0) + 1;
    });
    return s;
  });
  let counted = requests.snapshot();
  const step = (callMs: number, startedAt: number, times: number[]): MlsGroupStep => {
    const done = times.filter((t) => t > 0);
    const stepRequests = requests.since(counted);
    return {
      callMs: Math.round(callMs),
      requests: stepRequests,
      allDoneMs: done.length === times.length ? Math.round(Math.max(...done) - startedAt) : null,
      done: done.length,
      of: times.length,
    };
  };

  const before = cpuSnapshot(server.pid, options.includeDatabaseCpu);
  counted = requests.snapshot();
  const createdAt = performance.now();
  const conversationId = await creator.createGroup(
    "Bench",
    firstBatch.map((c) => c.userId),
  );
  const createCallMs = performance.now() - createdAt;
  const firstState = state.slice(0, firstBatch.length);
  await waitUntil(() => firstState.every((s) => s.groupInfoAt > 0), options.stepTimeoutMs);
  const create = step(
    createCallMs,
    createdAt,
    firstState.map((s) => s.groupInfoAt),
  );
  // Let the first step's follow-ups (syncs after the `conversation` frames) settle before the second.
  await waitUntil(() => performance.now() - lastConversationEventAt > 1_000, 30_000);

  phase = "add";
  counted = requests.snapshot();
  const addedAt = performance.now();
  await creator.addMembers(
    conversationId,
    secondBatch.map((c) => c.userId),
  );
  const addCallMs = performance.now() - addedAt;
  await waitUntil(() => state.every((s) => s.caughtUpAfterAddAt > 0), options.stepTimeoutMs);
  const add = step(
    addCallMs,
    addedAt,
    state.map((s) => s.caughtUpAfterAddAt),
  );

  phase = "message";
  counted = requests.snapshot();
  const sentAt = performance.now();
  await creator.sendText(conversationId, textOf(FINAL));
  const sendCallMs = performance.now() - sentAt;
  await waitUntil(() => state.every((s) => s.decryptedAt > 0), options.stepTimeoutMs);
  const message = step(
    sendCallMs,
    sentAt,
    state.map((s) => s.decryptedAt),
  );
  const cpu = cpuBetween(before, cpuSnapshot(server.pid, options.includeDatabaseCpu));
  const messageLatency = new LatencyRecorder();
  for (const s of state) if (s.decryptedAt) messageLatency.record(s.decryptedAt - sentAt);
  return {
    groupSize: clients.length,
    create,
    add,
    message,
    messageLatency: messageLatency.summary(),
    warnings,
    cpu,
  };
}
