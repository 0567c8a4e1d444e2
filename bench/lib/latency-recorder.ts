/**
 * Keeps every latency sample (a few hundred thousand doubles at most per run), so percentiles are
 * exact rather than bucketed: what an HDR histogram gives, without its resolution trade-off.
 */
export class LatencyRecorder {
  private samples = new Float64Array(1024);
  private size = 0;

  record(milliseconds: number): void {
    if (this.size === this.samples.length) {
      const bigger = new Float64Array(this.samples.length * 2);
      bigger.set(this.samples);
      this.samples = bigger;
    }
    this.samples[this.size++] = milliseconds;
  }

  get count(): number {
    return this.size;
  }

  /** Percentiles by the nearest-rank method; null without samples. */
  summary(): LatencySummary {
    const sorted = this.samples.slice(0, this.size).sort();
    const at = (p: number) =>
      sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
    return {
      count: sorted.length,
      p50Ms: round(at(0.5)),
      p99Ms: round(at(0.99)),
      p999Ms: round(at(0.999)),
      maxMs: round(sorted.length ? sorted[sorted.length - 1]! : null),
    };
  }
}

export interface LatencySummary {
  count: number;
  p50Ms: number | null;
  p99Ms: number | null;
  p999Ms: number | null;
  maxMs: number | null;
}

function round(value: number | null): number | null {
  return value === null ? null : Math.round(value * 100) / 100;
}
