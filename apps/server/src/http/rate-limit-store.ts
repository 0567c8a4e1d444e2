import { Redis } from "ioredis";

/** What @fastify/rate-limit asks of a store: count a hit on a key within a window. */
type IncrCallback = (error: Error | null, result?: { current: number; ttl: number }) => void;
/** What the plugin passes to `child` for a route with its own limit (its typings say less). */
interface RouteLimit {
  routeInfo: { method: string; url: string };
}

/** A key seen by the local fallback: its count and when its window ends. */
interface LocalWindow {
  current: number;
  endsAt: number;
}

/** The local fallback forgets the oldest keys past this many (one per client address and route). */
const LOCAL_KEYS_MAX = 10_000;

/** INCR the key, start its window on the first hit, answer {count, ms left}: atomic in Redis. */
const HIT_SCRIPT = `
local current = redis.call('INCR', KEYS[1])
if current == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {current, ttl}
`;

/**
 * Rate-limit counters shared by every node of a cluster through Redis, so that a client spreading
 * its requests over three nodes gets the limit once, not three times. When Redis cannot be reached
 * the node counts locally (a fixed window per key) rather than refusing everyone or letting
 * everything through: limits stay, per node, until Redis is back. The per-account login backoff
 * lives in the database and is shared either way.
 */
export class SharedRateLimits {
  readonly redis: Redis;
  private readonly local = new Map<string, LocalWindow>();

  constructor(
    url: string,
    private readonly prefix: string,
  ) {
    this.redis = new Redis(url, {
      connectionName: "confrere-rate-limit",
      // A request must never wait for Redis: fail at once and count locally.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 2_000,
      retryStrategy: (attempt) => Math.min(2_000, 50 * 2 ** attempt),
    });
    this.redis.on("error", () => {});
    this.redis.defineCommand("confrereRateLimitHit", { numberOfKeys: 1, lua: HIT_SCRIPT });
  }

  /** The store class @fastify/rate-limit instantiates (it passes its own options, unused here). */
  storeClass() {
    const limits = this;
    class Store {
      constructor(
        _pluginOptions?: unknown,
        private readonly keyPrefix = limits.prefix,
      ) {}
      incr(key: string, callback: IncrCallback, timeWindow: number) {
        limits.hit(`${this.keyPrefix}${key}`, timeWindow).then(
          (result) => callback(null, result),
          (error: Error) => callback(error),
        );
      }
      child(route: object) {
        const { method, url } = (route as RouteLimit).routeInfo;
        return new Store(undefined, `${limits.prefix}${method}${url}:`);
      }
    }
    return Store;
  }

  async hit(key: string, windowMs: number): Promise<{ current: number; ttl: number }> {
    if (this.redis.status === "ready") {
      try {
        const hit = (this.redis as unknown as RedisWithHit).confrereRateLimitHit;
        const [current, ttl] = await hit.call(this.redis, key, windowMs);
        return { current, ttl };
      } catch {
        // Redis went away mid-request: this one is counted locally.
      }
    }
    return this.hitLocally(key, windowMs);
  }

  private hitLocally(key: string, windowMs: number): { current: number; ttl: number } {
    const now = Date.now();
    let window = this.local.get(key);
    if (!window || window.endsAt <= now) {
      window = { current: 0, endsAt: now + windowMs };
      this.local.delete(key);
      if (this.local.size >= LOCAL_KEYS_MAX) this.local.delete(this.local.keys().next().value as string);
      this.local.set(key, window);
    }
    window.current += 1;
    return { current: window.current, ttl: window.endsAt - now };
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

interface RedisWithHit {
  confrereRateLimitHit(key: string, windowMs: number): Promise<[number, number]>;
}
