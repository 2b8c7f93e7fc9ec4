/**
 * The retry and circuit-breaker options of the engine (WalOptions.retry and
 * WalOptions.breaker): their shapes, defaults and validation (a bad value is
 * WalError EINVAL), which error codes count as transient, and the backoff
 * schedule: exponential with jitter, bounded by attempts and by clock time.
 */
import seedrandom from 'seedrandom';
import { WalError } from '../errors.js';

/** The error codes the engine retries: the call was interrupted or the device was briefly busy, nothing is known to be wrong. */
export const RETRIED_ERROR_CODES: readonly string[] = ['EAGAIN', 'EINTR', 'EBUSY'];

export interface RetryOptions {
  /** Attempts per operation, the first one included (default 5; 1 turns retrying off). */
  maxAttempts?: number;
  /** The backoff before the first retry, in ms of the injected clock (default 1). */
  baseDelayMs?: number;
  /** The longest single backoff, in ms (default 50); each retry doubles the previous one up to this. */
  maxDelayMs?: number;
  /** An operation gives up rather than sleep past this many ms since its first attempt (default 500). */
  maxElapsedMs?: number;
  /** The share of each backoff drawn at random, in [0, 1] (default 0.5): a backoff d sleeps d·(1 − jitter) + d·jitter·random. */
  jitter?: number;
}

export interface BreakerOptions {
  /** Consecutive operations that fail with a transient error after all their retries before the breaker opens (default 5). */
  failureThreshold?: number;
  /** How long the breaker stays open before it half-opens and lets a probe through, in ms of the injected clock (default 1000). */
  coolDownMs?: number;
}

export interface ResolvedRetry {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  maxElapsedMs: number;
  jitter: number;
}

export interface ResolvedBreaker {
  failureThreshold: number;
  coolDownMs: number;
}

export const DEFAULT_RETRY: Readonly<ResolvedRetry> = Object.freeze({
  maxAttempts: 5,
  baseDelayMs: 1,
  maxDelayMs: 50,
  maxElapsedMs: 500,
  jitter: 0.5,
});

export const DEFAULT_BREAKER: Readonly<ResolvedBreaker> = Object.freeze({ failureThreshold: 5, coolDownMs: 1000 });

/** Whether an error is one the engine retries (its Node-style code is EAGAIN, EINTR or EBUSY). */
export function isTransient(err: unknown): boolean {
  if (typeof err !== 'object' || err === null || !('code' in err)) return false;
  const code = (err as { code: unknown }).code;
  return typeof code === 'string' && RETRIED_ERROR_CODES.includes(code);
}

function bad(message: string): WalError {
  return new WalError('EINVAL', `invalid WAL option: ${message}`);
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function onlyKeys(name: string, o: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(o)) if (!known.includes(key)) throw bad(`unknown option '${name}.${key}'`);
}

function intIn(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw bad(`${name} must be an integer in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

export function resolveRetry(r: unknown): ResolvedRetry {
  if (r === undefined) return { ...DEFAULT_RETRY };
  if (!isObject(r)) throw bad('retry must be an object');
  onlyKeys('retry', r, ['maxAttempts', 'baseDelayMs', 'maxDelayMs', 'maxElapsedMs', 'jitter']);
  const d = DEFAULT_RETRY;
  const maxAttempts = intIn('retry.maxAttempts', r.maxAttempts, d.maxAttempts, 1, 1000);
  const baseDelayMs = intIn('retry.baseDelayMs', r.baseDelayMs, d.baseDelayMs, 0, 3_600_000);
  const maxDelayMs = intIn('retry.maxDelayMs', r.maxDelayMs, Math.max(d.maxDelayMs, baseDelayMs), 0, 3_600_000);
  if (maxDelayMs < baseDelayMs) throw bad(`retry.maxDelayMs (${maxDelayMs}) must be at least retry.baseDelayMs (${baseDelayMs})`);
  const maxElapsedMs = intIn('retry.maxElapsedMs', r.maxElapsedMs, d.maxElapsedMs, 0, 86_400_000);
  const jitter = r.jitter === undefined ? d.jitter : r.jitter;
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1))
    throw bad(`retry.jitter must be a number in [0, 1], got ${String(jitter)}`);
  return { maxAttempts, baseDelayMs, maxDelayMs, maxElapsedMs, jitter };
}

export function resolveBreaker(b: unknown): ResolvedBreaker {
  if (b === undefined) return { ...DEFAULT_BREAKER };
  if (!isObject(b)) throw bad('breaker must be an object');
  onlyKeys('breaker', b, ['failureThreshold', 'coolDownMs']);
  return {
    failureThreshold: intIn('breaker.failureThreshold', b.failureThreshold, DEFAULT_BREAKER.failureThreshold, 1, 1_000_000),
    coolDownMs: intIn('breaker.coolDownMs', b.coolDownMs, DEFAULT_BREAKER.coolDownMs, 0, 86_400_000),
  };
}

/**
 * The backoff before retry number `retry` (1 = the first retry), in ms: the
 * exponential step min(maxDelayMs, baseDelayMs · 2^(retry−1)), of which the
 * `jitter` share is scaled by `random` (a draw in [0, 1)), so retries of
 * operations that failed together spread apart.
 */
export function backoffDelay(policy: ResolvedRetry, retry: number, random: number): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(retry - 1, 52));
  return step * (1 - policy.jitter) + step * policy.jitter * random;
}

/** The jitter's draws when no `random` option is given: a generator seeded from the log (its directory and the clock at open), never ambient randomness. */
export function seededJitter(seed: string): () => number {
  return seedrandom.alea(`faultline-retry:${seed}`);
}
