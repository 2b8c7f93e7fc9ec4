/**
 * A store's metrics (src/store): its transactions by outcome, checkpoints,
 * what is in flight, and transaction_duration_seconds (the roadmap's name: a
 * histogram of transaction() from call to settling, on the store's clock,
 * every outcome). Read from store.stats() on every scrape. The store's log is
 * registered beside it with registerWalMetrics (serveOps does both).
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { WalError } from '../errors.js';
import type { StoreOpenReport, StoreStats } from '../store/store.js';
import { registerDurationHistogram } from './flush-histogram.js';

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
  const prefix = options.prefix ?? 'store_';
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(prefix)) throw new WalError('EINVAL', `invalid metric prefix ${JSON.stringify(prefix)}`);
  const labels = options.labels ?? {};
  const labelNames = Object.keys(labels);
  for (const c of COUNTERS) {
    new Counter({
      name: prefix + c.name,
      help: c.help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(labels, source.stats()[c.field]);
      },
    });
  }
  for (const g of GAUGES) {
    new Gauge({
      name: prefix + g.name,
      help: g.help,
      labelNames,
      registers: [registry],
      collect() {
        this.set(labels, source.stats()[g.field]);
      },
    });
  }
  new Gauge({
    name: `${prefix}state`,
    help: 'The store state: 1 for the current one.',
    labelNames: [...labelNames, 'state'],
    registers: [registry],
    collect() {
      const current = source.stats().state;
      for (const s of STATES) this.set({ ...labels, state: s }, s === current ? 1 : 0);
    },
  });
  registerDurationHistogram(
    'transaction_duration_seconds',
    'Duration of store transactions, from transaction() to its settling (every outcome), on the store clock.',
    () => source.stats().transactionDurations,
    registry,
    labels,
  );
  return registry;
}
