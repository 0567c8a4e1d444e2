import type { Mutex } from "./mutex.ts";

/**
 * Queues a task on a mutex, and lets later requests with the same key join it while it is still
 * waiting for its turn. For work that reads everything there is when it starts (a catch-up): a
 * burst of requests costs one run after the current one, not one run each. A request made once the
 * run has started queues a new one, since the running one may have read before what prompted it.
 *
 * @example
 * const catchUps = new CoalescingQueue<RealtimeConnection>(mutex);
 * await catchUps.run(connection, () => catchUp());   // three frames in a row: one catch-up
 */
export class CoalescingQueue<Key> {
  private waiting: { key: Key; done: Promise<void> } | null = null;

  constructor(private readonly mutex: Mutex) {}

  run(key: Key, task: () => Promise<void>): Promise<void> {
    if (this.waiting && this.waiting.key === key) return this.waiting.done;
    let started = false;
    const entry = {
      key,
      done: this.mutex.run(async () => {
        started = true;
        if (this.waiting === entry) this.waiting = null;
        await task();
      }),
    };
    if (!started) this.waiting = entry;
    return entry.done;
  }
}
