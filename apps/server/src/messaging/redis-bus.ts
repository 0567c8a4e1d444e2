import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import type { Logger } from "../logger.ts";
import type { Bus, BusEvent, BusStatus } from "./bus.ts";

/** Reconnection delay after Redis went away: quick at first, then every 2 s at most. */
const retryDelay = (attempt: number) => Math.min(2_000, 50 * 2 ** attempt);

/**
 * The bus of a cluster: every event is delivered to this node's own sockets at once, and published
 * on a Redis channel for the other nodes (each ignores its own). Redis carries only what the
 * in-process bus carries (recipients' ids, sequence numbers and the entries' ciphertext), never
 * anything in clear. Pub/sub is fire and forget: the database stays the record. A node that loses
 * Redis keeps serving its own devices; when Redis is back it asks them to resynchronise from their
 * positions (`onResync`), which gives them whatever other nodes pushed meanwhile.
 *
 * The events of one turn of the event loop (a group commit's entries and acknowledgements) go in
 * one message: the sending node's id, then the events as a JSON array. Every node receives every
 * message, its own included; it recognises its own by the prefix and does not parse them. One
 * PUBLISH per event cost each node a write, and every node a parse, per event: at 4,000 msg/s on
 * two nodes the median delivery took 32 ms against 4.5 on one (bench/README.md).
 */
export class RedisBus implements Bus {
  private readonly nodeId = randomUUID();
  private readonly handlers = new Set<(event: BusEvent) => void>();
  private readonly resyncListeners = new Set<() => void>();
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  /** Events published this turn of the event loop, sent together at its end. */
  private outgoing: BusEvent[] = [];
  private isSubscribed = false;
  private wasLost = false;
  private isClosing = false;

  constructor(
    url: string,
    private readonly channel: string,
    private readonly logger: Logger,
  ) {
    const options = {
      retryStrategy: retryDelay,
      // Publishing while Redis is away fails at once rather than piling up in memory.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      lazyConnect: false,
    };
    this.publisher = new Redis(url, { ...options, connectionName: "confrere-publish" });
    this.subscriber = new Redis(url, {
      ...options,
      connectionName: "confrere-subscribe",
      enableOfflineQueue: true,
    });
    this.publisher.on("error", () => {});
    this.subscriber.on("error", () => {});
    this.subscriber.on("ready", () => {
      // ioredis subscribes again by itself after a reconnection; "ready" comes after that.
      void this.subscriber.subscribe(this.channel).then(
        () => this.onSubscribed(),
        () => {},
      );
    });
    this.subscriber.on("close", () => {
      if (this.isSubscribed && !this.isClosing) {
        this.logger.warn("redis bus: connection lost; serving this node's devices only until it returns");
        this.wasLost = true;
      }
      this.isSubscribed = false;
    });
    this.subscriber.on("message", (channel: string, text: string) => {
      if (channel === this.channel) this.receive(text);
    });
  }

  private onSubscribed(): void {
    if (this.isSubscribed) return;
    this.isSubscribed = true;
    if (!this.wasLost) return;
    this.wasLost = false;
    this.logger.info("redis bus: connection back; devices of this node resynchronise");
    for (const listener of this.resyncListeners) listener();
  }

  private receive(text: string): void {
    if (text.startsWith(this.nodeId)) return;
    let events: unknown;
    try {
      events = JSON.parse(text.slice(this.nodeId.length));
    } catch {
      return;
    }
    if (!Array.isArray(events)) return;
    for (const event of events as BusEvent[]) for (const handler of this.handlers) handler(event);
  }

  publish(event: BusEvent): void {
    queueMicrotask(() => {
      for (const handler of this.handlers) handler(event);
    });
    if (!this.isReachable()) {
      // The other nodes' devices catch up when they resynchronise (after Redis returns).
      this.wasLost = true;
      return;
    }
    this.outgoing.push(event);
    if (this.outgoing.length === 1) setImmediate(() => this.flush());
  }

  private flush(): void {
    const events = this.outgoing;
    this.outgoing = [];
    if (events.length === 0) return;
    if (!this.isReachable()) {
      this.wasLost = true;
      return;
    }
    this.publisher.publish(this.channel, `${this.nodeId}${JSON.stringify(events)}`).catch(() => {
      this.wasLost = true;
    });
  }

  private isReachable(): boolean {
    return this.isSubscribed && this.publisher.status === "ready";
  }

  subscribe(handler: (event: BusEvent) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  status(): BusStatus {
    return this.isReachable() ? "connected" : "disconnected";
  }

  onResync(listener: () => void): () => void {
    this.resyncListeners.add(listener);
    return () => this.resyncListeners.delete(listener);
  }

  /** Resolves once subscribed, or after `timeoutMs` (the node then starts without the cluster). */
  async ready(timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (!this.isSubscribed && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    return this.isSubscribed;
  }

  async close(): Promise<void> {
    this.isClosing = true;
    this.outgoing = [];
    this.handlers.clear();
    this.resyncListeners.clear();
    this.publisher.disconnect();
    this.subscriber.disconnect();
  }
}
