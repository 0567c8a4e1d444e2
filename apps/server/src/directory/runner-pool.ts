/**
 * Work spread over a few database connections, one piece at a time on each: the PostgreSQL
 * import writes its pages on two connections so that the database works on one page while Node
 * builds the next (bench/README.md, "Directory"). Pieces must not depend on each other's order.
 */
import type { DirectorySql } from "./directory-sql.ts";

export class RunnerPool {
  readonly #free: DirectorySql[];
  readonly #waiting: ((runner: DirectorySql) => void)[] = [];
  readonly #running = new Set<Promise<void>>();
  #failure: { error: unknown } | null = null;

  constructor(runners: readonly DirectorySql[]) {
    if (runners.length === 0) throw new Error("RunnerPool: give at least one runner");
    this.#free = [...runners];
  }

  /**
   * Starts `work` on the next free runner and resolves once it has started. When a piece failed,
   * no more start: this and `drain` throw its error.
   */
  async start(work: (runner: DirectorySql) => Promise<void>): Promise<void> {
    this.#throwIfFailed();
    const runner =
      this.#free.pop() ?? (await new Promise<DirectorySql>((resolve) => this.#waiting.push(resolve)));
    if (this.#failure) {
      this.#release(runner);
      this.#throwIfFailed();
    }
    const piece = work(runner)
      .catch((error: unknown) => {
        this.#failure ??= { error };
      })
      .finally(() => {
        this.#running.delete(piece);
        this.#release(runner);
      });
    this.#running.add(piece);
  }

  /** Waits for every piece started; throws the first failure. */
  async drain(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running);
    this.#throwIfFailed();
  }

  #release(runner: DirectorySql): void {
    const next = this.#waiting.shift();
    if (next) next(runner);
    else this.#free.push(runner);
  }

  #throwIfFailed(): void {
    if (this.#failure) throw this.#failure.error;
  }
}
