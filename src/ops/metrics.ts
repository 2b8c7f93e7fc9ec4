/**
 * Prometheus metrics for a running log, on prom-client. The engine keeps
 * plain counters (Wal.stats()); this module reads them at scrape time, so the
 * hot path pays nothing for metrics and the engine stays free of any
 * metrics library.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { BreakerState, RecoveryReport, WalStats } from '../engine/index.js';
import { registerFlushHistogram } from './flush-histogram.js';
import { registerDeadLetterMetrics, type DeadLetterStatsSource } from './dead-letter-metrics.js';
import { registerRecoveryGauges } from './recovery-metrics.js';
import { checkedPrefix, registerStateGauge, registerStatsFamilies } from './stats-families.js';

/** Anything that reports WalStats: a Wal, or a test double. */
export interface WalStatsSource {
  stats(): WalStats;
  /** What recovery found when the log opened (a Wal has it): exported as the recovery_* gauges when present. */
  readonly report?: RecoveryReport;
  /** The log's dead-letter queue (a Wal opened with deadLetters has one): exported as the dlq_* families when present. */
  readonly deadLetters?: DeadLetterStatsSource | undefined;
}

export interface WalMetricsOptions {
  /** The registry to register in; a new one when absent (never the global default). */
  registry?: Registry;
  /** Metric name prefix; default "wal_". */
  prefix?: string;
  /** Constant labels, e.g. { log: 'orders' } when one process runs several logs. */
  labels?: Record<string, string>;
}

type CounterField = {
  [K in keyof WalStats]: WalStats[K] extends number ? K : never;
}[keyof WalStats];

const COUNTERS: readonly { name: string; help: string; field: CounterField }[] = [
  { name: 'appends_total', help: 'Appends resolved with an LSN.', field: 'appends' },
  { name: 'appends_rejected_total', help: 'Appends rejected (backpressure, too large, I/O failure, closed).', field: 'appendsRejected' },
  { name: 'batches_total', help: 'Batches written, one write each.', field: 'batches' },
  { name: 'flushes_total', help: 'File fsync/fdatasync calls.', field: 'fsyncs' },
  { name: 'dir_syncs_total', help: 'Directory fsync calls.', field: 'dirSyncs' },
  { name: 'bytes_written_total', help: 'Record bytes (headers included) written.', field: 'bytesWritten' },
  {
    name: 'device_bytes_written_total',
    help: 'Every byte written to the device, segment headers and preallocation included.',
    field: 'deviceBytesWritten',
  },
  {
    name: 'bytes_before_compression_total',
    help: 'Record bytes of the batches before compression (as plain records, headers included).',
    field: 'bytesBeforeCompression',
  },
  {
    name: 'bytes_after_compression_total',
    help: 'Record bytes of the batches after compression, as written.',
    field: 'bytesAfterCompression',
  },
  { name: 'compressed_frames_total', help: 'Groups of records written as one compressed frame.', field: 'compressedFrames' },
  {
    name: 'compression_skipped_total',
    help: 'Groups of records a compressing log wrote plain (too small, compression did not pay, or a transaction).',
    field: 'compressionSkipped',
  },
  { name: 'backpressure_rejected_total', help: 'Appends refused because the queue was full.', field: 'backpressureRejected' },
  { name: 'backpressure_timeouts_total', help: 'Appends that waited for queue space past the timeout.', field: 'backpressureTimedOut' },
  { name: 'write_errors_total', help: 'Failed batch writes (ENOSPC, EIO).', field: 'writeErrors' },
  { name: 'rollbacks_total', help: 'Partial writes rolled back after a failed write.', field: 'rollbacks' },
  { name: 'rotations_total', help: 'Segment rotations.', field: 'rotations' },
  { name: 'segments_removed_total', help: 'Segments removed by retention or truncatePrefix.', field: 'segmentsRemoved' },
  {
    name: 'background_errors_total',
    help: 'Failures of background work (preallocation, retention) that failed no append.',
    field: 'backgroundErrors',
  },
  { name: 'retries_total', help: 'Retries of I/O that failed with a transient error (EAGAIN, EINTR, EBUSY).', field: 'retries' },
  {
    name: 'retries_exhausted_total',
    help: 'Operations that still failed with a transient error when their retries ran out (ETRANSIENT).',
    field: 'retriesExhausted',
  },
  { name: 'breaker_opens_total', help: 'Times the circuit breaker opened (the log went read-only).', field: 'breakerOpens' },
];

const GAUGES: readonly { name: string; help: string; field: CounterField }[] = [
  { name: 'queue_depth', help: 'Appends admitted and not yet settled.', field: 'queueDepth' },
  { name: 'queue_bytes', help: 'Payload bytes admitted and not yet settled.', field: 'queueBytes' },
  { name: 'queue_utilisation', help: 'The fuller of depth and bytes against their bounds, 0..1.', field: 'queueUtilisation' },
  { name: 'queue_waiting', help: 'Appends waiting for admission.', field: 'queueWaiting' },
  { name: 'segments', help: 'Segments on disk.', field: 'segments' },
  // The metric keeps its name (dashboards use it); it reads WalStats.largestBatch, not the deprecated maxBatch.
  { name: 'max_batch', help: 'Largest batch so far, in appends.', field: 'largestBatch' },
  { name: 'next_lsn', help: 'The LSN the next append gets.', field: 'nextLsn' },
  { name: 'durable_lsn', help: 'Every LSN at or below this is durable.', field: 'durableThrough' },
];

/** wal_errors_total{type}: every kind of failure the engine counts, in one family for dashboards and alerts. */
const ERROR_TYPES: readonly { type: string; count: (s: WalStats) => number }[] = [
  { type: 'write', count: (s) => s.writeErrors },
  { type: 'sync', count: (s) => s.syncErrors },
  { type: 'background', count: (s) => s.backgroundErrors },
  { type: 'backpressure', count: (s) => s.backpressureRejected + s.backpressureTimedOut },
  { type: 'transient', count: (s) => s.retriesExhausted },
];

const STATES: readonly WalStats['state'][] = ['open', 'readOnly', 'failStopped', 'closed'];
const BREAKER_STATES: readonly BreakerState[] = ['closed', 'open', 'halfOpen'];

/** Registers the log's metrics; values are read from `source.stats()` on every scrape. */
export function registerWalMetrics(source: WalStatsSource, options: WalMetricsOptions = {}): Registry {
  const registry = options.registry ?? new Registry();
  const prefix = checkedPrefix(options.prefix ?? 'wal_');
  const labels = options.labels ?? {};
  const labelNames = Object.keys(labels);
  const target = { registry, prefix, labels };
  registerStatsFamilies<CounterField>(target, () => source.stats(), COUNTERS, GAUGES);
  new Counter({
    name: `${prefix}errors_total`,
    help: 'Failures by type: write (failed batch writes), sync (failed fsyncs), background (preallocation, retention), backpressure (appends refused or timed out), transient (operations whose transient errors outlasted their retries).',
    labelNames: [...labelNames, 'type'],
    registers: [registry],
    collect() {
      this.reset();
      const stats = source.stats();
      for (const e of ERROR_TYPES) this.inc({ ...labels, type: e.type }, e.count(stats));
    },
  });
  registerFlushHistogram(source, registry, prefix, labels);
  if (source.report !== undefined) registerRecoveryGauges(source.report, registry, prefix, labels);
  if (source.deadLetters !== undefined) registerDeadLetterMetrics(source.deadLetters, { registry, prefix, labels });
  registerStateGauge(target, 'The log state: 1 for the current one.', STATES, () => source.stats().state);
  new Gauge({
    name: `${prefix}breaker_state`,
    help: 'The circuit breaker over transient I/O failures: 1 for the current state (open: the log is read-only).',
    labelNames: [...labelNames, 'state'],
    registers: [registry],
    collect() {
      const now = source.stats().breaker;
      for (const s of BREAKER_STATES) this.set({ ...labels, state: s }, s === now ? 1 : 0);
    },
  });
  return registry;
}
