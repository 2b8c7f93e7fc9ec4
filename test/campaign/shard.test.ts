import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isWalError } from '../../src/errors.js';
import { formatShard, parseShard, seedOfRun, shardRange } from '../../src/harness/shard.js';

describe('shards', () => {
  it('parses i/n and rejects anything else', () => {
    expect(parseShard('2/8')).toEqual({ index: 2, count: 8 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, count: 1 });
    expect(formatShard(parseShard('3/4'))).toBe('3/4');
    for (const bad of ['0/4', '5/4', '1/0', '1', '1/2/3', '-1/2', 'a/b', '', '1.5/2', '1/1000000']) {
      let caught: unknown;
      try {
        parseShard(bad);
      } catch (err) {
        caught = err;
      }
      expect(isWalError(caught, 'EINVAL'), bad).toBe(true);
    }
  });

  it('splits any seed space into disjoint ranges that cover it, in order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000_000 }), fc.integer({ min: 1, max: 100_000 }), (runs, count) => {
        let next = 0;
        const sample = count <= 64 ? Array.from({ length: count }, (_, i) => i + 1) : [1, 2, count >> 1, count - 1, count];
        for (let index = 1; index <= count; index++) {
          if (count > 64 && !sample.includes(index)) continue;
          const range = shardRange(runs, { index, count });
          if (count <= 64) expect(range.start).toBe(next);
          expect(range.end).toBeGreaterThanOrEqual(range.start);
          // balanced: sizes differ by at most one
          expect(range.end - range.start).toBeGreaterThanOrEqual(Math.floor(runs / count));
          expect(range.end - range.start).toBeLessThanOrEqual(Math.ceil(runs / count));
          next = range.end;
        }
        if (count <= 64) expect(next).toBe(runs);
        expect(shardRange(runs, { index: 1, count }).start).toBe(0);
        expect(shardRange(runs, { index: count, count }).end).toBe(runs);
      }),
      { numRuns: 300 },
    );
  });

  it('gives each run exactly one shard', () => {
    const runs = 1000;
    for (const count of [1, 3, 7, 16, 999, 1000, 1500]) {
      const owner = new Array<number>(runs).fill(0);
      for (let index = 1; index <= count; index++) {
        const { start, end } = shardRange(runs, { index, count });
        for (let r = start; r < end; r++) owner[r] = (owner[r] ?? 0) + 1;
      }
      expect(
        owner.every((n) => n === 1),
        `count ${count}`,
      ).toBe(true);
    }
  });

  it('derives distinct 32-bit seeds per run, stable across shards', () => {
    expect(seedOfRun(7, 0)).toBe(7);
    expect(seedOfRun(7, 3)).toBe(10);
    expect(seedOfRun(2 ** 32 - 1, 1)).toBe(0);
    expect(seedOfRun(-1, 0)).toBe(2 ** 32 - 1);
    const seeds = new Set(Array.from({ length: 1000 }, (_, k) => seedOfRun(123, k)));
    expect(seeds.size).toBe(1000);
  });
});
