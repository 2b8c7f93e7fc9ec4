/**
 * The dead-letter queue's metrics (docs/dlq.md): entries dead-lettered by
 * kind, duplicates not added, replays by outcome, purges, and the entries
 * waiting by kind. Read from the queue's stats() at scrape time;
 * registerWalMetrics registers them for a Wal opened with deadLetters.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { DEAD_LETTER_KINDS } from '../engine/dead-letter-queue.js';
import type { DeadLetterStats } from '../engine/index.js';
import { checkedPrefix } from './stats-families.js';

/** Anything that reports DeadLetterStats: a DeadLetterQueue, or a test double. */
export interface DeadLetterStatsSource {
  stats(): DeadLetterStats;
}

export interface DeadLetterMetricsOptions {
  registry?: Registry;
  /** Metric name prefix; default "wal_" (the names then read wal_dlq_...). */
  prefix?: string;
  labels?: Record<string, string>;
}

export function registerDeadLetterMetrics(source: DeadLetterStatsSource, options: DeadLetterMetricsOptions = {}): Registry {
  const registry = options.registry ?? new Registry();
  const prefix = checkedPrefix(options.prefix ?? 'wal_');
  const labels = options.labels ?? {};
  const labelNames = Object.keys(labels);
  new Counter({
    name: `${prefix}dlq_dead_lettered_total`,
    help: 'Entries written to the dead-letter queue, by kind: salvaged (bytes skipCorrupted passed over), record and transaction (rejected by an applyRecovered handler).',
    labelNames: [...labelNames, 'kind'],
    registers: [registry],
    collect() {
      this.reset();
      const s = source.stats();
      for (const kind of DEAD_LETTER_KINDS) this.inc({ ...labels, kind }, s.deadLettered[kind]);
    },
  });
  new Counter({
    name: `${prefix}dlq_duplicates_skipped_total`,
    help: 'Entries not written because the dead-letter queue already held their source (a redo after a crash or a reopen).',
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(labels, source.stats().duplicatesSkipped);
    },
  });
  new Counter({
    name: `${prefix}dlq_replays_total`,
    help: 'Dead-letter entries replayed, by outcome: replayed (the handler took it) or failed (it stays in the queue).',
    labelNames: [...labelNames, 'outcome'],
    registers: [registry],
    collect() {
      this.reset();
      const s = source.stats();
      this.inc({ ...labels, outcome: 'replayed' }, s.replayed);
      this.inc({ ...labels, outcome: 'failed' }, s.replayFailures);
    },
  });
  new Counter({
    name: `${prefix}dlq_purged_total`,
    help: 'Dead-letter entries purged.',
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(labels, source.stats().purged);
    },
  });
  new Gauge({
    name: `${prefix}dlq_live_entries`,
    help: 'Dead-letter entries waiting (neither replayed nor purged), by kind.',
    labelNames: [...labelNames, 'kind'],
    registers: [registry],
    collect() {
      const s = source.stats();
      for (const kind of DEAD_LETTER_KINDS) this.set({ ...labels, kind }, s.liveByKind[kind]);
    },
  });
  return registry;
}
