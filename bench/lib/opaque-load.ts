/**
 * Open-loop load with opaque application messages: messages are scheduled on a fixed timeline
 * (message k at t0 + k/R), whatever the server's speed, and every latency is measured from the
 * intended send time, so a slow server is not hidden by a generator that waits for it (coordinated
 * omission). Message ids carry their intended time, so a recipient computes the latency from the
 * entry frame alone.
 */
import { randomBytes } from "node:crypto";
import { frameOpaqueApplicationMessage } from "@confrere/crypto";
import type { WebSocket } from "ws";
import { type BenchDevice, mapConcurrent, registerRandomDeviceKey } from "./accounts.ts";
import { HttpSender } from "./http-sender.ts";
import { LatencyRecorder, type LatencySummary } from "./latency-recorder.ts";
import { type CpuUsage, cpuBetween, cpuSnapshot, processRssBytes } from "./proc-stats.ts";
import { openRealtimeSocket } from "./realtime-socket.ts";

/** One conversation under load: its sender posts, its recipients receive (and acknowledge). */
export interface Channel {
  conversationId: string;
  sender: BenchDevice;
  recipients: BenchDevice[];
  /** The request body's `body` field: an opaque PrivateMessage for this conversation at epoch 0. */
  body: string;
}

export interface LoadOptions {
  /** Messages per second across all senders. */
  rate: number;
  durationS: number;
  /** Requests waiting for their answer at most; a message due beyond that is dropped (and counted). */
  maxInFlight: number;
  /** Keep-alive HTTP connections to the server (transport `http`). */
  connections: number;
  /**
   * How senders send: `ws` frames on their realtime socket (what the SDK does when connected), or
   * one HTTP request per message.
   */
  transport: "ws" | "http";
  /** Recipients acknowledge each entry over their socket, as the SDK does. */
  acks: boolean;
  /** How long to wait for stragglers after the last scheduled send. */
  drainS: number;
  /** Seconds of unmeasured load first, at the same rate. */
  warmUpS: number;
}

export interface LoadResult {
  scheduled: number;
  acknowledged: number;
  failed: number;
  dropped: number;
  /** Failures by HTTP status and error code, e.g. `500 INTERNAL_ERROR`. */
  failures: Record<string, number>;
  deliveries: number;
  expectedDeliveries: number;
  duplicates: number;
  /** Sockets the server closed during the run (e.g. 4008 for a slow consumer), by close code. */
  socketCloses: Record<string, number>;
  sentPerSecond: number;
  deliveredPerSecond: number;
  /** Intended send time → entry frame at a recipient. */
  delivery: LatencySummary;
  /** Intended send time → HTTP answer at the sender (acknowledged means durable). */
  acknowledgement: LatencySummary;
  /** How late the generator issued sends (p99): if large, the bench, not the server, fell behind. */
  generatorLagP99Ms: number | null;
  cpu: CpuUsage;
  serverRssPeakBytes: number;
}

const ENTRY_PREFIX = '{"type":"entry"';
const SENT_PREFIX = '{"type":"sent"';
const ERROR_PREFIX = '{"type":"error"';
const CODE_KEY = Buffer.from('"code":"');
const MESSAGE_ID_KEY = Buffer.from('"clientMessageId":"');
const SEQ_KEY = Buffer.from('"seq":');
/** Message id prefixes: measured messages, and the warm-up ones sent before. */
export const MEASURED = "bench";
const WARM_UP = "warm";

/** Conversation ids are chosen by the client (they are also the MLS group id). */
function newConversationId(): string {
  return randomBytes(16).toString("base64url");
}

/** An opaque PrivateMessage of exactly `bytes` bytes (E2EE.md: a 1 KB text is 1,157 bytes on the wire). */
export function opaqueBody(conversationId: string, bytes: number): string {
  const groupId = new TextEncoder().encode(conversationId);
  let ciphertextBytes = Math.max(0, bytes - 64);
  let framed = frameOpaqueApplicationMessage(groupId, 0n, randomBytes(ciphertextBytes));
  for (let i = 0; i < 4 && framed.length !== bytes; i++) {
    ciphertextBytes = Math.max(0, ciphertextBytes + bytes - framed.length);
    framed = frameOpaqueApplicationMessage(groupId, 0n, randomBytes(ciphertextBytes));
  }
  return Buffer.from(framed).toString("base64url");
}

/**
 * Direct conversations: devices 2i (sender, who creates the conversation and so is in the MLS
 * roster at epoch 0) and 2i+1 (recipient: a member, which is all it takes to receive entries).
 */
export async function setupDirect(devices: BenchDevice[], payloadBytes: number): Promise<Channel[]> {
  const pairs = Array.from({ length: Math.floor(devices.length / 2) }, (_, i) => ({
    sender: devices[2 * i]!,
    recipient: devices[2 * i + 1]!,
  }));
  return mapConcurrent(pairs, 8, async ({ sender, recipient }) => {
    await registerRandomDeviceKey(sender);
    const { conversation } = await sender.api.createConversation({
      id: newConversationId(),
      kind: "direct",
      memberIds: [recipient.userId],
    });
    return {
      conversationId: conversation.id,
      sender,
      recipients: [recipient],
      body: opaqueBody(conversation.id, payloadBytes),
    };
  });
}

/** Groups of `groupSize` people: the first creates the group and is its only sender. */
export async function setupGroups(
  devices: BenchDevice[],
  groupSize: number,
  payloadBytes: number,
): Promise<Channel[]> {
  const groups = Array.from({ length: Math.floor(devices.length / groupSize) }, (_, g) =>
    devices.slice(g * groupSize, (g + 1) * groupSize),
  );
  return mapConcurrent(groups, 4, async (members) => {
    const [sender, ...recipients] = members as [BenchDevice, ...BenchDevice[]];
    await registerRandomDeviceKey(sender);
    const { conversation } = await sender.api.createConversation({
      id: newConversationId(),
      kind: "group",
      memberIds: recipients.map((r) => r.userId),
    });
    return {
      conversationId: conversation.id,
      sender,
      recipients,
      body: opaqueBody(conversation.id, payloadBytes),
    };
  });
}

/** Runs the schedule against the server and measures until every entry arrived or the drain ended. */
export async function runOpenLoop(
  server: { url: string; pid: number },
  channels: Channel[],
  options: LoadOptions,
  includeDatabaseCpu: boolean,
  /** Other nodes of a cluster: recipients connect to them, so every message crosses Redis. */
  otherNodes: { url: string; pid: number }[] = [],
): Promise<LoadResult> {
  const pids = [server.pid, ...otherNodes.map((n) => n.pid)];
  const rss = () => pids.reduce((sum, pid) => sum + processRssBytes(pid), 0);
  const recipientUrl = (i: number) =>
    otherNodes.length ? otherNodes[i % otherNodes.length]!.url : server.url;
  const total = Math.round(options.rate * options.durationS);
  const intervalMs = 1000 / options.rate;
  const perMessage = channels[0]?.recipients.length ?? 0;
  const received = new Uint16Array(total);
  const delivery = new LatencyRecorder();
  const acknowledgement = new LatencyRecorder();
  const lag = new LatencyRecorder();
  const failures: Record<string, number> = {};
  const socketCloses: Record<string, number> = {};
  let t0 = 0;
  let deliveries = 0;
  let duplicates = 0;
  let lastDeliveryAt = 0;
  let isMeasuring = false;
  /** Every entry frame, warm-up ones included: to see when pushes have stopped coming. */
  let framesSeen = 0;

  // Every device of every channel is connected, senders included (they get their own entries back,
  // as a real sender's other screens would).
  const sockets: WebSocket[] = [];
  const onRecipientFrame = (conversationId: string, socket: () => WebSocket) => {
    // As the SDK does (BurstAcks): the entries that came together are acknowledged once, by the
    // furthest, when the frames read in this turn have all been seen.
    let unacknowledged = 0;
    const acknowledge = () => {
      socket().send(`{"type":"ack","conversationId":"${conversationId}","seq":${unacknowledged}}`);
      unacknowledged = 0;
    };
    return (data: Buffer) => {
      if (
        data.length < ENTRY_PREFIX.length ||
        data.toString("latin1", 0, ENTRY_PREFIX.length) !== ENTRY_PREFIX
      )
        return;
      framesSeen++;
      const idStart = data.indexOf(MESSAGE_ID_KEY) + MESSAGE_ID_KEY.length;
      const id = data.toString("latin1", idStart, data.indexOf(0x22, idStart));
      const [prefix, k36 = "", intended36 = ""] = id.split("_");
      const k = Number.parseInt(k36, 36);
      const now = performance.now();
      if (isMeasuring && prefix === MEASURED && k >= 0 && k < total) {
        delivery.record(now - t0 - Number.parseInt(intended36, 36) / 1000);
        if (++received[k]! > perMessage) duplicates++;
        deliveries++;
        lastDeliveryAt = now;
      }
      if (options.acks) {
        let at = data.indexOf(SEQ_KEY) + SEQ_KEY.length;
        let seq = 0;
        for (let c = data[at]!; c >= 0x30 && c <= 0x39; c = data[++at]!) seq = seq * 10 + c - 0x30;
        if (unacknowledged === 0) setImmediate(acknowledge);
        unacknowledged = Math.max(unacknowledged, seq);
      }
    };
  };
  /** A sender's socket: over `ws`, the answers to its sends (`sent`, or `error` naming the message). */
  const onSenderFrame = (data: Buffer) => {
    const head = data.toString("latin1", 0, Math.max(SENT_PREFIX.length, ERROR_PREFIX.length));
    const isSent = head.startsWith(SENT_PREFIX);
    if (!isSent && !head.startsWith(ERROR_PREFIX)) return;
    const idStart = data.indexOf(MESSAGE_ID_KEY);
    if (idStart < 0) return;
    const from = idStart + MESSAGE_ID_KEY.length;
    const [prefix, , intended36 = ""] = data.toString("latin1", from, data.indexOf(0x22, from)).split("_");
    let code = "";
    if (!isSent) {
      const codeStart = data.indexOf(CODE_KEY) + CODE_KEY.length;
      code = data.toString("latin1", codeStart, data.indexOf(0x22, codeStart));
    }
    answered(prefix === MEASURED, Number.parseInt(intended36, 36) / 1000, isSent ? 200 : 0, code);
  };
  const senderSockets = new Map<BenchDevice, WebSocket>();
  const connect = async (device: BenchDevice, conversationId: string | null, index: number) => {
    let socket: WebSocket | null = null;
    const handler = conversationId ? onRecipientFrame(conversationId, () => socket!) : onSenderFrame;
    const url = conversationId ? recipientUrl(index) : server.url;
    socket = await openRealtimeSocket(url, device.token, handler);
    socket.on("close", (code) => {
      if (isMeasuring) socketCloses[code] = (socketCloses[code] ?? 0) + 1;
    });
    sockets.push(socket);
    if (!conversationId) senderSockets.set(device, socket);
  };
  const connections = channels.flatMap((c) => [
    { device: c.sender, conversationId: null as string | null },
    ...c.recipients.map((device) => ({ device, conversationId: c.conversationId })),
  ]);
  await mapConcurrent(
    connections.map((c, index) => ({ ...c, index })),
    50,
    ({ device, conversationId, index }) => connect(device, conversationId, index),
  );

  const sender = new HttpSender(server.url, options.connections);
  const paths = channels.map((c) => `/api/v1/conversations/${c.conversationId}/messages`);
  let inFlight = 0;
  let acknowledged = 0;
  let failed = 0;
  let dropped = 0;
  let lastAckAt = 0;
  let warmUpAcknowledged = 0;

  /** An answer to a send: status 200 when committed, otherwise the HTTP status (0 over ws) and code. */
  const answered = (measured: boolean, intendedMs: number, status: number, code: string) => {
    inFlight--;
    if (!measured) {
      if (status === 200) warmUpAcknowledged++;
      return;
    }
    const at = performance.now();
    if (status === 200) {
      acknowledged++;
      lastAckAt = at;
      acknowledgement.record(at - t0 - intendedMs);
      return;
    }
    failed++;
    const key = `${status || "ws"} ${code}`.slice(0, 120);
    failures[key] = (failures[key] ?? 0) + 1;
  };

  const issue = (prefix: string, k: number, intendedMs: number) => {
    const now = performance.now();
    if (isMeasuring) lag.record(now - t0 - intendedMs);
    if (inFlight >= options.maxInFlight) {
      if (isMeasuring) dropped++;
      return;
    }
    const index = k % channels.length;
    const channel = channels[index]!;
    const id = `${prefix}_${k.toString(36)}_${Math.round(intendedMs * 1000).toString(36)}`;
    const measured = isMeasuring;
    inFlight++;
    if (options.transport === "ws") {
      senderSockets
        .get(channel.sender)!
        .send(
          `{"type":"send","conversationId":"${channel.conversationId}","clientMessageId":"${id}","epoch":0,"body":"${channel.body}"}`,
        );
      return;
    }
    sender.post(
      paths[index]!,
      channel.sender.token,
      `{"clientMessageId":"${id}","epoch":0,"body":"${channel.body}"}`,
      (result) => {
        const code = /"code":"([A-Z_]+)"/.exec(result.errorBody ?? "")?.[1] ?? result.errorBody ?? "";
        answered(measured, intendedMs, result.status, code);
      },
    );
  };

  /** Issues `count` messages at the rate from `start`; message k is due at start + k/R. */
  const schedule = (prefix: string, count: number, start: number) =>
    new Promise<void>((resolve) => {
      let issued = 0;
      const tick = () => {
        const due = Math.min(count, Math.floor((performance.now() - start) / intervalMs) + 1);
        while (issued < due) {
          issue(prefix, issued, issued * intervalMs);
          issued++;
        }
        if (issued >= count) resolve();
        // A 1 ms timer rather than a busy loop: the generator must not eat the server's CPU.
        else setTimeout(tick, 1);
      };
      setTimeout(tick, Math.max(0, start - performance.now()));
    });

  /** Waits until answers and pushes stop coming (or `limitMs`); `isDone` ends it early. */
  const settle = async (limitMs: number, isDone: () => boolean) => {
    const end = performance.now() + limitMs;
    let progress = -1;
    let stillSince = performance.now();
    while (performance.now() < end) {
      if (inFlight === 0 && isDone()) return;
      const now = performance.now();
      const moved = framesSeen + acknowledged + failed + inFlight;
      if (moved !== progress) {
        progress = moved;
        stillSince = now;
      } else if (inFlight === 0 && now - stillSince > 2_000) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  // Warm-up at the same rate, not measured: the JIT, the statement caches and the pools get going.
  if (options.warmUpS > 0) {
    t0 = performance.now() + 20;
    await schedule(WARM_UP, Math.round(options.rate * options.warmUpS), t0);
    await settle(options.drainS * 1000, () => framesSeen >= warmUpAcknowledged * perMessage);
  }

  let rssPeak = rss();
  const rssTimer = setInterval(() => {
    rssPeak = Math.max(rssPeak, rss());
  }, 250);
  const before = cpuSnapshot(pids, includeDatabaseCpu);
  t0 = performance.now() + 20;
  isMeasuring = true;
  await schedule(MEASURED, total, t0);
  await settle(options.drainS * 1000, () => deliveries >= acknowledged * perMessage);
  const after = cpuSnapshot(pids, includeDatabaseCpu);
  isMeasuring = false;
  clearInterval(rssTimer);
  rssPeak = Math.max(rssPeak, rss());
  for (const socket of sockets) socket.terminate();
  sender.close();

  const seconds = (end: number) => Math.max(options.durationS, (end - t0) / 1000);
  return {
    scheduled: total,
    acknowledged,
    failed,
    dropped,
    failures,
    deliveries,
    expectedDeliveries: total * perMessage,
    duplicates,
    socketCloses,
    sentPerSecond: acknowledged / seconds(lastAckAt),
    deliveredPerSecond: deliveries / seconds(lastDeliveryAt),
    delivery: delivery.summary(),
    acknowledgement: acknowledgement.summary(),
    generatorLagP99Ms: lag.summary().p99Ms,
    cpu: cpuBetween(before, after),
    serverRssPeakBytes: rssPeak,
  };
}
