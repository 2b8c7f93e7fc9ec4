/**
 * Latency statistics for the benchmarks: nearest-rank percentiles over a
 * sample, a summary (p50/p99/p99.9), and the points of a cumulative
 * distribution for the latency chart. Pure functions, no timing here.
 */

export interface LatencySummary {
  count: number;
  minUs: number;
  meanUs: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
}

/** Returns a sorted copy (ascending) of the sample; NaN and infinities are rejected. */
export function sortedSample(values: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(values as ArrayLike<number>);
  for (const v of out) {
    if (!Number.isFinite(v)) throw new RangeError(`latency sample holds a non-finite value: ${v}`);
  }
  out.sort();
  return out;
}

/**
 * Nearest-rank percentile of an ascending sample: the smallest value such that
 * at least p percent of the sample is at or below it. p in [0, 100]; p = 0 is the minimum.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of an empty sample');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile out of range: ${p}`);
  if (p === 0) return sorted[0] as number;
  // p/100*n is inexact in binary (99.9% of 1000 is 999.0000000000001): a
  // relative tolerance keeps exact ranks exact.
  const exact = (p / 100) * sorted.length;
  const rank = Math.ceil(exact - 1e-9 * Math.max(1, exact));
  const index = Math.min(sorted.length, Math.max(1, rank)) - 1;
  return sorted[index] as number;
}

export function summarize(valuesUs: ArrayLike<number>): LatencySummary {
  const sorted = sortedSample(valuesUs);
  if (sorted.length === 0) throw new RangeError('summary of an empty sample');
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    minUs: sorted[0] as number,
    meanUs: sum / sorted.length,
    p50Us: percentile(sorted, 50),
    p99Us: percentile(sorted, 99),
    p999Us: percentile(sorted, 99.9),
    maxUs: sorted[sorted.length - 1] as number,
  };
}

/** The percentiles at which the latency chart samples each distribution. */
export const CDF_PERCENTILES: readonly number[] = [0, 1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 98, 99, 99.5, 99.9, 100];

/** Points (latency in µs, percentile) of the cumulative distribution of a sample. */
export function cdfPoints(valuesUs: ArrayLike<number>, percentiles: readonly number[] = CDF_PERCENTILES): Array<{ us: number; p: number }> {
  const sorted = sortedSample(valuesUs);
  return percentiles.map((p) => ({ us: percentile(sorted, p), p }));
}

/** Rate per second of `count` events over `elapsedNs` nanoseconds. */
export function ratePerSecond(count: number, elapsedNs: number): number {
  if (!(elapsedNs > 0)) throw new RangeError(`elapsed time must be positive: ${elapsedNs}`);
  return (count * 1e9) / elapsedNs;
}
