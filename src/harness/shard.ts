/**
 * Shards: how one campaign's seed space is split over machines.
 *
 * A campaign is a base seed S and a number of runs N; run k (0 <= k < N) uses
 * seed seedOfRun(S, k). Shard i/n (1 <= i <= n, 1-based like a CI matrix
 * index; Kubernetes Indexed Jobs pass JOB_COMPLETION_INDEX + 1) takes the
 * contiguous run range [floor(N*(i-1)/n), floor(N*i/n)). The n ranges are
 * disjoint and cover 0..N-1, and depend only on (N, i, n): every machine
 * computes its own share without talking to the others.
 */
import { WalError } from '../errors.js';

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

export interface RunRange {
  /** First run, inclusive. */
  start: number;
  /** Last run, exclusive. */
  end: number;
}

export const MAX_SHARDS = 100_000;
export const MAX_RUNS = 1_000_000_000;

export const WHOLE: Shard = { index: 1, count: 1 };

/** Parses "i/n". Rejects anything else with EINVAL. */
export function parseShard(text: string): Shard {
  const match = /^\s*(\d{1,6})\s*\/\s*(\d{1,6})\s*$/.exec(text);
  if (match === null) throw new WalError('EINVAL', `--shard must look like i/n (for example 2/8), got '${text}'`);
  const shard = { index: Number(match[1]), count: Number(match[2]) };
  validateShard(shard);
  return shard;
}

export function validateShard(shard: Shard): void {
  const { index, count } = shard;
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_SHARDS) {
    throw new WalError('EINVAL', `shard count must be an integer in 1..${MAX_SHARDS}, got ${count}`);
  }
  if (!Number.isSafeInteger(index) || index < 1 || index > count) {
    throw new WalError('EINVAL', `shard index must be an integer in 1..${count}, got ${index}`);
  }
}

export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/** The runs shard i/n owns out of `runs`. Ranges of consecutive shards touch; some may be empty when runs < n. */
export function shardRange(runs: number, shard: Shard): RunRange {
  if (!Number.isSafeInteger(runs) || runs < 0 || runs > MAX_RUNS) {
    throw new WalError('EINVAL', `runs must be an integer in 0..${MAX_RUNS}, got ${runs}`);
  }
  validateShard(shard);
  // runs * index <= 1e9 * 1e5 = 1e14 < 2^53: exact in doubles.
  return {
    start: Math.floor((runs * (shard.index - 1)) / shard.count),
    end: Math.floor((runs * shard.index) / shard.count),
  };
}

/** The seed of run k of a campaign with base seed `base`: a 32-bit unsigned integer. */
export function seedOfRun(base: number, run: number): number {
  if (!Number.isSafeInteger(base) || !Number.isSafeInteger(run) || run < 0) {
    throw new WalError('EINVAL', `seedOfRun needs integers, got base ${base}, run ${run}`);
  }
  return (((base % 2 ** 32) + 2 ** 32 + run) % 2 ** 32) >>> 0;
}
