/**
 * docs/ops/grafana-dashboard.json queries only metrics the ops server
 * exposes: every metric name in its PromQL `expr` fields is checked against a
 * real scrape of serveOps over a real log; docs/ops/grafana-store-dashboard.json
 * likewise against serveOps over a real store.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Wal } from '../../src/engine/index.js';
import { openStore } from '../../src/store/index.js';
import { serveOps } from '../../src/ops/index.js';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import { makeTempDir } from '../helpers/tmpdir.js';
import { exposedSeries, scrape } from './scrape.js';
import { exprFields, promqlMetricNames } from './promql-names.js';

const dashboard: unknown = JSON.parse(readFileSync('docs/ops/grafana-dashboard.json', 'utf8'));
const storeDashboard: unknown = JSON.parse(readFileSync('docs/ops/grafana-store-dashboard.json', 'utf8'));

describe('promqlMetricNames', () => {
  it('finds the metrics and skips functions, labels, ranges, grouping and strings', () => {
    const expr =
      'histogram_quantile(0.99, sum by (le, type) (rate(wal_flush_duration_seconds_bucket{instance=~"$instance",x="wal_nope"}[$__rate_interval]))) / on (instance) wal_queue_depth offset 5m';
    expect(promqlMetricNames(expr).sort()).toEqual(['wal_flush_duration_seconds_bucket', 'wal_queue_depth']);
  });
});

describe('the Grafana dashboard', () => {
  it('queries only metrics the ops server exposes, and covers the roadmap metrics', async () => {
    const exprs = exprFields(dashboard);
    expect(exprs.length).toBeGreaterThanOrEqual(10);
    const queried = new Set(exprs.flatMap(promqlMetricNames));
    for (const name of [
      'wal_appends_total',
      'wal_flushes_total',
      'wal_flush_duration_seconds_bucket',
      'wal_queue_depth',
      'wal_queue_utilisation',
      'wal_errors_total',
      'wal_bytes_written_total',
      'wal_rotations_total',
      'wal_recovery_torn_bytes_truncated',
      'wal_retries_total',
      'wal_breaker_state',
      'wal_dlq_live_entries',
    ]) {
      expect(queried, name).toContain(name);
    }

    const { dir, cleanup } = await makeTempDir('faultline-dash-');
    // With a dead-letter queue, whose metrics the dashboard also queries.
    const wal = await Wal.open(
      { fs: new NodeFileSystem(dir), clock: new RealClock(), dir: 'wal' },
      { preallocate: false, deadLetters: true },
    );
    const server = await serveOps(wal);
    try {
      await wal.append(new Uint8Array(4));
      const exposed = exposedSeries((await scrape(server.url)).families);
      const unknown = [...queried].filter((n) => !exposed.has(n));
      expect(unknown).toEqual([]);
      // The check can fail: a misspelt name is not exposed.
      expect(exposed.has('wal_append_total')).toBe(false);
    } finally {
      await server.close();
      await wal.close();
      await cleanup();
    }
  });

  it('the store dashboard queries only metrics serveOps(store) exposes, the store and its log both', async () => {
    const exprs = exprFields(storeDashboard);
    const queried = new Set(exprs.flatMap(promqlMetricNames));
    for (const name of [
      'store_commits_total',
      'store_conflicts_total',
      'transaction_duration_seconds_bucket',
      'store_checkpoints_total',
      'wal_appends_total',
    ]) {
      expect(queried, name).toContain(name);
    }
    const { dir, cleanup } = await makeTempDir('faultline-dash-store-');
    const store = await openStore({ fs: new NodeFileSystem(dir), clock: new RealClock(), dir: 'db' });
    const server = await serveOps(store);
    try {
      await store.transaction(async (tx) => tx.put('k', new Uint8Array(4)));
      const exposed = exposedSeries((await scrape(server.url)).families);
      expect([...queried].filter((n) => !exposed.has(n))).toEqual([]);
      expect(exposed.has('store_commit_total')).toBe(false);
    } finally {
      await server.close();
      await store.close();
      await cleanup();
    }
  });
});
