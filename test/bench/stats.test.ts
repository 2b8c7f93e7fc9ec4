import { describe, expect, it } from 'vitest';
import { cdfPoints, percentile, ratePerSecond, sortedSample, summarize } from '../../bench/lib/stats.js';

describe('percentile (nearest rank)', () => {
  const oneToHundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('picks the smallest value with at least p percent of the sample at or below it', () => {
    expect(percentile(oneToHundred, 50)).toBe(50);
    expect(percentile(oneToHundred, 99)).toBe(99);
    expect(percentile(oneToHundred, 99.9)).toBe(100);
    expect(percentile(oneToHundred, 100)).toBe(100);
    expect(percentile(oneToHundred, 0)).toBe(1);
    expect(percentile(oneToHundred, 1)).toBe(1);
    expect(percentile(oneToHundred, 1.5)).toBe(2);
  });

  it('on 1000 values p99.9 is the 999th and p99 the 990th', () => {
    const s = Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(percentile(s, 99.9)).toBe(999);
    expect(percentile(s, 99)).toBe(990);
  });

  it('a single value is every percentile', () => {
    for (const p of [0, 50, 99.9, 100]) expect(percentile([7], p)).toBe(7);
  });

  it('rejects an empty sample and out-of-range p', () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
    expect(() => percentile([1], -1)).toThrow(RangeError);
    expect(() => percentile([1], 100.5)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });
});

describe('summarize', () => {
  it('sorts the sample itself and reports min, mean, percentiles and max', () => {
    const values = [5, 1, 4, 2, 3];
    const s = summarize(values);
    expect(s).toEqual({ count: 5, minUs: 1, meanUs: 3, p50Us: 3, p99Us: 5, p999Us: 5, maxUs: 5 });
    expect(values).toEqual([5, 1, 4, 2, 3]);
  });

  it('works on typed arrays and rejects non-finite values', () => {
    expect(summarize(Float64Array.from([2, 2])).meanUs).toBe(2);
    expect(() => sortedSample([1, Number.POSITIVE_INFINITY])).toThrow(RangeError);
    expect(() => summarize([])).toThrow(RangeError);
  });
});

describe('cdfPoints', () => {
  it('is non-decreasing in both coordinates and spans min to max', () => {
    const sample = Array.from({ length: 500 }, (_, i) => ((i * 7919) % 500) + 1);
    const pts = cdfPoints(sample);
    for (let i = 1; i < pts.length; i++) {
      expect(pts[i]!.us).toBeGreaterThanOrEqual(pts[i - 1]!.us);
      expect(pts[i]!.p).toBeGreaterThan(pts[i - 1]!.p);
    }
    expect(pts[0]).toEqual({ us: 1, p: 0 });
    expect(pts[pts.length - 1]).toEqual({ us: 500, p: 100 });
  });
});

describe('ratePerSecond', () => {
  it('converts a count over nanoseconds to a rate and rejects a zero span', () => {
    expect(ratePerSecond(500, 250_000_000)).toBe(2000);
    expect(() => ratePerSecond(1, 0)).toThrow(RangeError);
  });
});
