/**
 * wal_flush_duration_seconds: a Prometheus histogram read at scrape time from
 * the bucket counts the engine keeps (WalStats.flushDurations, measured on the
 * injected clock around every file sync). prom-client's Histogram only counts
 * what it observes itself, so this subclass answers get() from the engine's
 * counts instead; everything else (registration, exposition) is prom-client's.
 */
import { Histogram, type MetricType, type Registry } from 'prom-client';
import { FLUSH_DURATION_BOUNDS, type FlushDurations } from '../engine/flush-timings.js';
import type { WalStatsSource } from './metrics.js';

type Values = Awaited<ReturnType<Histogram<string>['get']>>;

class StatsHistogram extends Histogram<string> {
  constructor(
    private readonly metricName: string,
    private readonly helpText: string,
    registry: Registry,
    private readonly read: () => FlushDurations,
    private readonly constLabels: Record<string, string>,
  ) {
    super({
      name: metricName,
      help: helpText,
      buckets: [...FLUSH_DURATION_BOUNDS],
      labelNames: Object.keys(constLabels),
      registers: [registry],
    });
  }

  override get(): Promise<Values> {
    const { bounds, counts, sumSeconds, count } = this.read();
    const labels = this.constLabels;
    const values: Values['values'] = [];
    let cumulative = 0;
    for (const [i, bound] of bounds.entries()) {
      cumulative += counts[i] ?? 0;
      values.push({ metricName: `${this.metricName}_bucket`, labels: { ...labels, le: bound }, value: cumulative });
    }
    values.push({ metricName: `${this.metricName}_bucket`, labels: { ...labels, le: '+Inf' }, value: count });
    values.push({ metricName: `${this.metricName}_sum`, labels, value: sumSeconds });
    values.push({ metricName: `${this.metricName}_count`, labels, value: count });
    // prom-client's typings call the type an enum; at run time (and in the exposition) it is the string.
    const type = 'histogram' as unknown as MetricType;
    return Promise.resolve({ name: this.metricName, help: this.helpText, type, values, aggregator: 'sum', collect: () => undefined });
  }

  /** The registry's text exposition asks for this (prom-client's own Histogram defines it): the same values. */
  getForPromString(): Promise<Values> {
    return this.get();
  }
}

/** Registers `${prefix}flush_duration_seconds` for `source` in `registry`. */
export function registerFlushHistogram(source: WalStatsSource, registry: Registry, prefix: string, labels: Record<string, string>): void {
  registerDurationHistogram(
    `${prefix}flush_duration_seconds`,
    'Duration of the file fsync/fdatasync calls counted by flushes_total, on the log clock.',
    () => source.stats().flushDurations,
    registry,
    labels,
  );
}

/** Registers a histogram `name` read at scrape time from bucket counts kept elsewhere (the engine's, the store's). */
export function registerDurationHistogram(
  name: string,
  help: string,
  read: () => FlushDurations,
  registry: Registry,
  labels: Record<string, string>,
): void {
  new StatsHistogram(name, help, registry, read, labels);
}
