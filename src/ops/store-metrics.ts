/**
 * A store's metrics (src/store): its transactions by outcome, checkpoints,
 * what is in flight, and transaction_duration_seconds (the roadmap's name: a
 * histogram of transaction() from call to settling, on the store's clock,
 * every outcome). Read from store.stats() on every scrape. The store's log is
 * registered beside it with registerWalMetrics (serveOps does both).
 */
import { Registry } from 'prom-client';
import type { StoreOpenReport, StoreStats } from '../store/store.js';
import { registerDurationHistogram } from './flush-histogram.js';
import { checkedPrefix, registerStateGauge, registerStatsFamilies } from './stats-families.js';

export interface StoreStatsSource {
  stats(): StoreStats;
  readonly report?: StoreOpenReport;
}

export interface StoreMetricsOptions {
  registry?: Registry;
  /** Prefix of the store's metric names (default 'store_'); transaction_duration_seconds keeps its roadmap name. */
  prefix?: string;
  labels?: Record<string, string>;
}

type CountField = 'commits' | 'readOnlyCommits' | 'aborts' | 'conflicts' | 'timeouts' | 'failures' | 'checkpoints' | 'checkpointErrors';
type GaugeField = 'activeTransactions' | 'commitsInFlight' | 'appliedLsn' | 'lastCheckpointLsn';

const COUNTERS: readonly { name: string; help: string; field: CountField }[] = [
  { name: 'commits_total', help: 'Transactions committed with writes.', field: 'commits' },
  { name: 'read_only_commits_total', help: 'Transactions committed without writes.', field: 'readOnlyCommits' },
  { name: 'aborts_total', help: 'Transactions whose fn rejected.', field: 'aborts' },
  { name: 'conflicts_total', help: 'Transactions refused to keep the order serializable (ECONFLICT).', field: 'conflicts' },
  { name: 'timeouts_total', help: 'Transactions aborted by their timeout (ETIMEDOUT).', field: 'timeouts' },
  { name: 'failures_total', help: 'Commits the log or the state refused (EIO, ENOSPC, EFAILSTOP, ECLOSED).', field: 'failures' },
  { name: 'checkpoints_total', help: 'Checkpoints completed.', field: 'checkpoints' },
  { name: 'checkpoint_errors_total', help: 'Checkpoints that failed.', field: 'checkpointErrors' },
];

const GAUGES: readonly { name: string; help: string; field: GaugeField }[] = [
  { name: 'active_transactions', help: 'Transactions whose fn is running.', field: 'activeTransactions' },
  { name: 'commits_in_flight', help: 'Commits sequenced and not yet resolved.', field: 'commitsInFlight' },
  { name: 'applied_lsn', help: 'The LSN of the last transaction applied to the state.', field: 'appliedLsn' },
  { name: 'last_checkpoint_lsn', help: 'The LSN the last checkpoint covered.', field: 'lastCheckpointLsn' },
];

const STATES: readonly StoreStats['state'][] = ['open', 'failed', 'closed'];

export function registerStoreMetrics(source: StoreStatsSource, options: StoreMetricsOptions = {}): Registry {
  const registry = options.registry ?? new Registry();
  const target = { registry, prefix: checkedPrefix(options.prefix ?? 'store_'), labels: options.labels ?? {} };
  registerStatsFamilies<CountField | GaugeField>(target, () => source.stats(), COUNTERS, GAUGES);
  registerStateGauge(target, 'The store state: 1 for the current one.', STATES, () => source.stats().state);
  registerDurationHistogram(
    'transaction_duration_seconds',
    'Duration of store transactions, from transaction() to its settling (every outcome), on the store clock.',
    () => source.stats().transactionDurations,
    registry,
    target.labels,
  );
  return registry;
}
