/** Engine options: their shapes, defaults and validation (bad options are WalError EINVAL). */
import { WalError } from '../errors.js';
import { isWalLogger, SILENT_LOGGER, type WalLogger } from './logger.js';
import type { Compression } from './compression.js';
import {
  resolveBreaker,
  resolveRetry,
  type BreakerOptions,
  type ResolvedBreaker,
  type ResolvedRetry,
  type RetryOptions,
} from './retry-policy.js';
import { DEFAULT_MAX_RECORD_SIZE, FORMAT_MAX_RECORD_SIZE, SEGMENT_HEADER_SIZE, RECORD_HEADER_SIZE } from './format.js';

export type Durability =
  | { kind: 'none' }
  | { kind: 'interval'; ms: number }
  | { kind: 'everyWrite' }
  | { kind: 'groupCommit'; maxWaitUs?: number; maxBatch?: number; maxBatchBytes?: number };

export type RecoveryMode = 'tolerateCorruptedTail' | 'absoluteConsistency' | 'pointInTime' | 'skipCorrupted';
export const RECOVERY_MODES: readonly RecoveryMode[] = ['tolerateCorruptedTail', 'absoluteConsistency', 'pointInTime', 'skipCorrupted'];

export type Retention = { kind: 'keepLast'; segments: number } | { kind: 'keepDuration'; ms: number };
export type Backpressure = { policy: 'reject' } | { policy: 'wait'; timeoutMs: number };

export interface WalOptions {
  /** Rotation size in bytes (default 64 MiB). */
  segmentSize?: number;
  /** Largest record payload in bytes (default 1 MiB). */
  maxRecordSize?: number;
  /** Default groupCommit. */
  durability?: Durability;
  /** Default tolerateCorruptedTail. */
  recoveryMode?: RecoveryMode;
  /** Default: keep every segment until truncatePrefix releases it. */
  retention?: Retention;
  /** Zero-fill the next segment ahead of time (default true). */
  preallocate?: boolean;
  /** Appends admitted but not yet settled (default 10,000). */
  maxQueueDepth?: number;
  /** Payload bytes admitted but not yet settled (default 64 MiB). */
  maxQueueBytes?: number;
  /** Default { policy: 'reject' }. */
  backpressure?: Backpressure;
  /**
   * 'none' (default): segments are format v1, as before compression existed.
   * 'lz4': new segments are format v2, and batches are written as compressed
   * frames where that pays (docs/format.md, "Compression"). zstd is not
   * offered yet: `{ kind: 'zstd', level }`, like anything else, is refused
   * with EINVAL at open.
   */
  compression?: Compression;
  /**
   * true: new segments are format v3 and the log takes appendTransaction
   * (docs/format.md, "Transactions"); a log of v1 or v2 segments opens as
   * before and takes transactions from its next segment on. Default false:
   * segments are written exactly as without transactions.
   */
  transactions?: boolean;
  /**
   * true: every batch carries its commit time, the clock's wallNow() when the
   * writer encodes it, in a time mark before its records; new segments are
   * format v4 (docs/format.md, "Time marks"), so a restore can target a time
   * (restoreToTime). The clock must have wallNow (EINVAL at open otherwise).
   * A log of older segments opens as before and is stamped from its next
   * segment on. Default false: no time is written, segments are as before.
   */
  timestamps?: boolean;
  /**
   * Retries of reads, writes and the other idempotent I/O that fail with a
   * transient error (EAGAIN, EINTR, EBUSY): exponential backoff with jitter
   * on the injected clock, bounded by attempts and time (defaults in
   * src/engine/retry-policy.ts; `{ maxAttempts: 1 }` turns them off). A
   * failed fsync is never retried.
   */
  retry?: RetryOptions;
  /** The circuit breaker over transient failures that outlast their retries: open, the log is read-only (ECIRCUITOPEN). */
  breaker?: BreakerOptions;
  /** Salt source in [0, 1), also the retries' jitter; default derived from the clock and the directory's state. */
  random?: () => number;
  /** Where notable events are reported (a pino Logger fits); default silent. */
  logger?: WalLogger;
  /**
   * Keep what would be passed over in a dead-letter queue in `<dir>/dlq`
   * (docs/dlq.md): the bytes skipCorrupted salvages around, made durable
   * there before recovery repairs anything, and the records and
   * transactions an applyRecovered handler rejects. The Wal then has
   * `deadLetters`. Default: true under skipCorrupted, else false.
   */
  deadLetters?: boolean;
}

export interface ResolvedGroupCommit {
  maxWaitUs: number;
  maxBatch: number;
  maxBatchBytes: number;
}

export interface ResolvedOptions {
  segmentSize: number;
  maxRecordSize: number;
  durability: Durability;
  /** Batch limits that apply at every level (everyWrite: one record per batch). */
  batch: ResolvedGroupCommit;
  recoveryMode: RecoveryMode;
  retention: Retention | undefined;
  preallocate: boolean;
  maxQueueDepth: number;
  maxQueueBytes: number;
  backpressure: Backpressure;
  compression: Compression;
  transactions: boolean;
  timestamps: boolean;
  retry: ResolvedRetry;
  breaker: ResolvedBreaker;
  random: (() => number) | undefined;
  logger: WalLogger;
  deadLetters: boolean;
}

export const DEFAULT_SEGMENT_SIZE = 64 * 1024 * 1024;
export const DEFAULT_INTERVAL_MS = 10;
export const DEFAULT_MAX_BATCH = 1024;
export const DEFAULT_MAX_BATCH_BYTES = 4 * 1024 * 1024;
export const DEFAULT_MAX_QUEUE_DEPTH = 10_000;
export const DEFAULT_MAX_QUEUE_BYTES = 64 * 1024 * 1024;
/** Segments smaller than this make no sense (header plus a few records). */
export const MIN_SEGMENT_SIZE = 4096;
/** Upper bound on a segment (recovery reads one segment at a time into memory). */
export const MAX_SEGMENT_SIZE = 1024 * 1024 * 1024;

function bad(message: string): WalError {
  return new WalError('EINVAL', `invalid WAL option: ${message}`);
}

function intIn(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw bad(`${name} must be an integer in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

const KNOWN_KEYS = new Set([
  'segmentSize',
  'maxRecordSize',
  'durability',
  'recoveryMode',
  'retention',
  'preallocate',
  'maxQueueDepth',
  'maxQueueBytes',
  'backpressure',
  'compression',
  'transactions',
  'timestamps',
  'retry',
  'breaker',
  'random',
  'logger',
  'deadLetters',
]);

function resolveDurability(d: unknown): { durability: Durability; batch: ResolvedGroupCommit } {
  const defaults: ResolvedGroupCommit = { maxWaitUs: 0, maxBatch: DEFAULT_MAX_BATCH, maxBatchBytes: DEFAULT_MAX_BATCH_BYTES };
  if (d === undefined) return { durability: { kind: 'groupCommit' }, batch: defaults };
  if (!isObject(d)) throw bad('durability must be an object with a kind');
  switch (d.kind) {
    case 'none':
      return { durability: { kind: 'none' }, batch: defaults };
    case 'everyWrite':
      return { durability: { kind: 'everyWrite' }, batch: { ...defaults, maxBatch: 1 } };
    case 'interval': {
      const ms = d.ms === undefined ? DEFAULT_INTERVAL_MS : intIn('durability.ms', d.ms, 1, 3_600_000);
      return { durability: { kind: 'interval', ms }, batch: defaults };
    }
    case 'groupCommit': {
      const batch: ResolvedGroupCommit = {
        maxWaitUs: d.maxWaitUs === undefined ? 0 : intIn('durability.maxWaitUs', d.maxWaitUs, 0, 10_000_000),
        maxBatch: d.maxBatch === undefined ? DEFAULT_MAX_BATCH : intIn('durability.maxBatch', d.maxBatch, 1, 1_000_000),
        maxBatchBytes:
          d.maxBatchBytes === undefined
            ? DEFAULT_MAX_BATCH_BYTES
            : intIn('durability.maxBatchBytes', d.maxBatchBytes, 1, 1024 * 1024 * 1024),
      };
      return { durability: { kind: 'groupCommit', ...batch }, batch };
    }
    default:
      throw bad(`unknown durability kind ${String(d.kind)}`);
  }
}

/** 'none' or 'lz4'; JavaScript callers can pass anything, and everything else is refused (zstd waits: docs/format.md). */
function resolveCompression(c: unknown): Compression {
  if (c === undefined || c === 'none') return 'none';
  if (c === 'lz4') return 'lz4';
  if (isObject(c) && c.kind === 'zstd') {
    throw bad('compression zstd is not supported yet (no zstd decoder here bounds its output; docs/format.md, "Compression")');
  }
  throw bad(`unknown compression ${typeof c === 'string' ? `'${c}'` : (JSON.stringify(c) ?? String(c))} (expected 'none' or 'lz4')`);
}

export function resolveOptions(options: unknown): ResolvedOptions {
  if (options === undefined || options === null) options = {};
  if (!isObject(options)) throw bad('options must be an object');
  for (const key of Object.keys(options)) if (!KNOWN_KEYS.has(key)) throw bad(`unknown option '${key}'`);
  const o = options as WalOptions & Record<string, unknown>;
  const segmentSize =
    o.segmentSize === undefined ? DEFAULT_SEGMENT_SIZE : intIn('segmentSize', o.segmentSize, MIN_SEGMENT_SIZE, MAX_SEGMENT_SIZE);
  const maxRecordSize =
    o.maxRecordSize === undefined ? DEFAULT_MAX_RECORD_SIZE : intIn('maxRecordSize', o.maxRecordSize, 1, FORMAT_MAX_RECORD_SIZE);
  if (SEGMENT_HEADER_SIZE + RECORD_HEADER_SIZE > segmentSize) throw bad('segmentSize too small');
  const { durability, batch } = resolveDurability(o.durability);
  const recoveryMode = o.recoveryMode ?? 'tolerateCorruptedTail';
  if (!RECOVERY_MODES.includes(recoveryMode)) throw bad(`unknown recoveryMode ${String(recoveryMode)}`);
  let retention: Retention | undefined;
  if (o.retention !== undefined) {
    const r: unknown = o.retention;
    if (!isObject(r)) throw bad('retention must be an object');
    if (r.kind === 'keepLast') retention = { kind: 'keepLast', segments: intIn('retention.segments', r.segments, 1, 1_000_000) };
    else if (r.kind === 'keepDuration') retention = { kind: 'keepDuration', ms: intIn('retention.ms', r.ms, 0, Number.MAX_SAFE_INTEGER) };
    else throw bad(`unknown retention kind ${String(r.kind)}`);
  }
  if (o.preallocate !== undefined && typeof o.preallocate !== 'boolean') throw bad('preallocate must be a boolean');
  const maxQueueDepth =
    o.maxQueueDepth === undefined ? DEFAULT_MAX_QUEUE_DEPTH : intIn('maxQueueDepth', o.maxQueueDepth, 1, Number.MAX_SAFE_INTEGER);
  const maxQueueBytes =
    o.maxQueueBytes === undefined
      ? Math.max(DEFAULT_MAX_QUEUE_BYTES, maxRecordSize)
      : intIn('maxQueueBytes', o.maxQueueBytes, 1, Number.MAX_SAFE_INTEGER);
  if (maxQueueBytes < maxRecordSize) throw bad(`maxQueueBytes (${maxQueueBytes}) must be at least maxRecordSize (${maxRecordSize})`);
  let backpressure: Backpressure = { policy: 'reject' };
  if (o.backpressure !== undefined) {
    const b: unknown = o.backpressure;
    if (!isObject(b)) throw bad('backpressure must be an object');
    if (b.policy === 'reject') backpressure = { policy: 'reject' };
    else if (b.policy === 'wait') backpressure = { policy: 'wait', timeoutMs: intIn('backpressure.timeoutMs', b.timeoutMs, 0, 3_600_000) };
    else throw bad(`unknown backpressure policy ${String(b.policy)}`);
  }
  const compression = resolveCompression(o.compression);
  if (o.transactions !== undefined && typeof o.transactions !== 'boolean') throw bad('transactions must be a boolean');
  if (o.timestamps !== undefined && typeof o.timestamps !== 'boolean') throw bad('timestamps must be a boolean');
  if (o.random !== undefined && typeof o.random !== 'function') throw bad('random must be a function');
  if (o.logger !== undefined && !isWalLogger(o.logger)) throw bad('logger must have debug, info, warn and error methods');
  if (o.deadLetters !== undefined && typeof o.deadLetters !== 'boolean') throw bad('deadLetters must be a boolean');
  return {
    segmentSize,
    maxRecordSize,
    durability,
    batch,
    recoveryMode,
    retention,
    preallocate: o.preallocate ?? true,
    maxQueueDepth,
    maxQueueBytes,
    backpressure,
    compression,
    transactions: o.transactions ?? false,
    timestamps: o.timestamps ?? false,
    retry: resolveRetry(o.retry),
    breaker: resolveBreaker(o.breaker),
    random: o.random,
    logger: o.logger ?? SILENT_LOGGER,
    deadLetters: o.deadLetters ?? recoveryMode === 'skipCorrupted',
  };
}
