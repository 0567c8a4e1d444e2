/**
 * One pending retry at a time, each one later than the last: the first after `firstMs`, then
 * doubling up to `maxMs`, until a success brings the delay back to the first. The device keeps
 * trying on its own while the server answers "not now" over a connection that stays up, without
 * hammering a server that is restarting.
 */
export class RetryTimer {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private delayMs: number;

  constructor(
    private readonly retry: () => void,
    private readonly firstMs: number,
    private readonly maxMs: number,
  ) {
    this.delayMs = firstMs;
  }

  /** Plans the retry, unless one is already planned. */
  schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.retry();
    }, this.delayMs);
    // A device's pending retry must not keep a Node process (the CLI, a test) alive.
    (this.timer as { unref?: () => void }).unref?.();
    this.delayMs = Math.min(this.delayMs * 2, this.maxMs);
  }

  /** It worked: the next failure is retried soon again. */
  succeeded(): void {
    this.delayMs = this.firstMs;
  }

  /** No more retries (logout, disconnection); a later `schedule` starts again from the first delay. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.delayMs = this.firstMs;
  }
}
