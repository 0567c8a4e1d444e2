import { ConfrereError, ErrorCode } from "@confrere/protocol";

/** What one write of a batch answers for each item: its result, or the error that refused it alone. */
export type ItemOutcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface GroupCommitOptions<I> {
  /** Items written in one transaction at most: bounds the time one commit holds the store. */
  maxBatch: number;
  /** With `weight`: the total weight of a batch at most (one item always goes, whatever its weight). */
  maxBatchWeight?: number;
  weight?: (item: I) => number;
  /** Items waiting at most; past it new items are refused at once (backpressure, not memory growth). */
  maxQueued: number;
  /** Named in the refusal a person sees. */
  operation: string;
}

interface Waiting<I, R> {
  item: I;
  resolve(value: R): void;
  reject(error: unknown): void;
}

/**
 * Group commit: items submitted while a write is in flight, or within the same turn of the event
 * loop, are written together in one transaction, and each submitter hears back only after that
 * transaction committed. One commit per batch instead of one per item is what lets a single node
 * persist thousands of messages a second (bench/README.md); acknowledged still means durable.
 * One write runs at a time, so the order of items is the order of submission.
 */
export class GroupCommit<I, R> {
  private queue: Waiting<I, R>[] = [];
  private writing = false;
  private scheduled = false;

  constructor(
    private readonly write: (items: I[]) => Promise<ItemOutcome<R>[]>,
    private readonly options: GroupCommitOptions<I>,
  ) {}

  get queued(): number {
    return this.queue.length;
  }

  submit(item: I): Promise<R> {
    if (this.queue.length >= this.options.maxQueued) {
      return Promise.reject(
        new ConfrereError(
          ErrorCode.SERVICE_UNAVAILABLE,
          503,
          `${this.options.operation}: the server is busy; send again in a moment`,
        ),
      );
    }
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** How many of the queued items the next batch takes. */
  private batchLength(): number {
    const { maxBatch, maxBatchWeight, weight } = this.options;
    if (!weight || maxBatchWeight === undefined) return maxBatch;
    let total = 0;
    for (let i = 0; i < Math.min(maxBatch, this.queue.length); i++) {
      total += weight(this.queue[i]!.item);
      if (total > maxBatchWeight) return Math.max(1, i);
    }
    return maxBatch;
  }

  private schedule(): void {
    if (this.writing || this.scheduled) return;
    this.scheduled = true;
    // setImmediate, not a timer: the window is "what arrived during this turn", never a fixed wait.
    setImmediate(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.batchLength());
        let outcomes: ItemOutcome<R>[];
        try {
          outcomes = await this.write(batch.map((w) => w.item));
        } catch (error) {
          for (const waiting of batch) waiting.reject(error);
          continue;
        }
        batch.forEach((waiting, i) => {
          const outcome = outcomes[i];
          if (outcome?.ok) waiting.resolve(outcome.value);
          else waiting.reject(outcome ? outcome.error : new Error("group commit: no outcome for an item"));
        });
        // Let the sockets read what arrived meanwhile, so the next batch is a full one.
        if (this.queue.length > 0 && this.queue.length < this.options.maxBatch) {
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
    } finally {
      this.writing = false;
    }
  }
}
