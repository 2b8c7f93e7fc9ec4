/**
 * serveOps(store): a real server on 127.0.0.1 for a store on a real temp
 * directory, scraped with fetch and a Prometheus text-format parser: the
 * store's transactions by outcome, transaction_duration_seconds, the log's
 * metrics beside them, and readiness that follows the store's state.
 */
import { afterEach, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { serveOps, type OpsServer } from '../../src/ops/index.js';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import { makeTempDir } from '../helpers/tmpdir.js';
import { scrape, sampleValue } from './scrape.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

it('exposes the store metrics and its log metrics; ready while open, 503 once closed', async () => {
  const { dir, cleanup } = await makeTempDir('faultline-store-ops-');
  cleanups.push(cleanup);
  const store = await openStore({ fs: new NodeFileSystem(dir), clock: new RealClock(), dir: 'db' }, { transactionTimeoutMs: 30 });
  const server: OpsServer = await serveOps(store);
  cleanups.push(() => server.close());
  const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
  for (let i = 0; i < 5; i++) await store.transaction(async (tx) => tx.put(`k${i}`, enc('v')));
  await store.transaction(async (tx) => (await tx.get('k1'))?.length);
  await expect(store.transaction(async () => Promise.reject(new Error('no')))).rejects.toThrow('no');
  await expect(
    store.transaction(async (tx) => {
      await new Promise((r) => setTimeout(r, 80));
      tx.put('late', enc('x'));
    }),
  ).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  await store.checkpoint();

  const { families } = await scrape(server.url);
  expect(sampleValue(families, 'store_commits_total')).toBe(5);
  expect(sampleValue(families, 'store_read_only_commits_total')).toBe(1);
  expect(sampleValue(families, 'store_aborts_total')).toBe(1);
  expect(sampleValue(families, 'store_timeouts_total')).toBe(1);
  expect(sampleValue(families, 'store_checkpoints_total')).toBe(1);
  expect(sampleValue(families, 'store_state', { state: 'open' })).toBe(1);
  expect(sampleValue(families, 'store_applied_lsn')).toBe(store.stats().appliedLsn);
  expect(families.get('transaction_duration_seconds')?.type).toBe('HISTOGRAM');
  const histogram = families.get('transaction_duration_seconds')?.metrics[0] as { count?: string } | undefined;
  expect(Number(histogram?.count)).toBe(8);
  expect(sampleValue(families, 'wal_appends_total')).toBe(5); // one log entry per committed transaction with writes
  const ready = await fetch(`${server.url}/health/ready`);
  expect(ready.status).toBe(200);
  const body = (await ready.json()) as { checks: { name: string; level: string }[] };
  expect(body.checks).toContainEqual(expect.objectContaining({ name: 'store', level: 'ok' }));

  await store.close();
  const after = await fetch(`${server.url}/health/ready`);
  expect(after.status).toBe(503);
  expect(((await after.json()) as { ready: boolean }).ready).toBe(false);
});
