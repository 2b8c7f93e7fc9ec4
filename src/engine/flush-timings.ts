/**
 * How long the log's file syncs (fsync/fdatasync) took, measured on the
 * injected Clock, kept as cumulative bucket counts so a metrics exporter can
 * read a histogram at scrape time (src/ops/metrics.ts) without the engine
 * knowing any metrics library. Also the outcome of the last file sync.
 */

/** Upper bounds of the buckets, in seconds (a last, unbounded bucket follows). */
export const FLUSH_DURATION_BOUNDS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
];

/** A snapshot of the sync durations since the log opened. */
export interface FlushDurations {
  /** FLUSH_DURATION_BOUNDS. */
  bounds: readonly number[];
  /** Syncs per bucket (not cumulative): counts[i] took at most bounds[i] and more than bounds[i-1]; the last entry is above every bound. */
  counts: readonly number[];
  /** Seconds of all syncs together. */
  sumSeconds: number;
  /** Syncs timed (equal to the sum of counts). */
  count: number;
}

export type LastFlush = 'none' | 'ok' | 'failed';

export class FlushTimings {
  private readonly counts: number[] = new Array<number>(FLUSH_DURATION_BOUNDS.length + 1).fill(0);
  private sumSeconds = 0;
  private count = 0;
  last: LastFlush = 'none';

  /** Records one sync of `ms` milliseconds that succeeded or failed. */
  observe(ms: number, ok: boolean): void {
    const seconds = Math.max(0, ms) / 1000;
    let i = FLUSH_DURATION_BOUNDS.findIndex((bound) => seconds <= bound);
    if (i < 0) i = FLUSH_DURATION_BOUNDS.length;
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.sumSeconds += seconds;
    this.count += 1;
    this.last = ok ? 'ok' : 'failed';
  }

  snapshot(): FlushDurations {
    return { bounds: FLUSH_DURATION_BOUNDS, counts: [...this.counts], sumSeconds: this.sumSeconds, count: this.count };
  }
}
