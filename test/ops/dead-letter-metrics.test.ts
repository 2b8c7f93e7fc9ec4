/** The dead-letter queue's metrics: a Wal opened with deadLetters exports the dlq_* families, read at scrape time. */
import { expect, it } from 'vitest';
import { applyRecovered, openDeadLetterQueue, Wal } from '../../src/engine/index.js';
import { registerDeadLetterMetrics, registerWalMetrics } from '../../src/ops/index.js';
import { MemfsFileSystem } from '../helpers/memfs-file-system.js';
import { dec, enc, memEnv } from '../engine/support.js';

it('counts dead letters by kind, replays by outcome, purges and live entries; a log without a queue has no dlq_ family', async () => {
  const fs = new MemfsFileSystem();
  const wal = await Wal.open(memEnv(fs), { segmentSize: 4096 });
  for (const t of ['a', 'bad-1', 'bad-2', 'b']) await wal.append(enc(t));
  const plain = await registerWalMetrics(wal).metrics();
  expect(plain).not.toContain('dlq_');
  await wal.close();

  const opened = await Wal.open(memEnv(fs), { segmentSize: 4096, deadLetters: true });
  const registry = registerWalMetrics(opened, { labels: { log: 'orders' } });
  await applyRecovered(opened, {
    record: (r) => {
      if (dec(r.data).startsWith('bad')) throw new Error('no');
    },
  });
  const text = await registry.metrics();
  expect(text).toContain('wal_dlq_dead_lettered_total{log="orders",kind="record"} 2');
  expect(text).toContain('wal_dlq_dead_lettered_total{log="orders",kind="salvaged"} 0');
  expect(text).toContain('wal_dlq_live_entries{log="orders",kind="record"} 2');
  await opened.close();

  const q = await openDeadLetterQueue(memEnv(fs));
  const own = registerDeadLetterMetrics(q, { prefix: 'app_' });
  const [first, second] = q.list();
  await q.replay((e) => {
    if (e.id === second?.id) throw new Error('again');
  });
  await q.purge([second?.id ?? 0]);
  const after = await own.metrics();
  expect(after).toContain('app_dlq_replays_total{outcome="replayed"} 1');
  expect(after).toContain('app_dlq_replays_total{outcome="failed"} 1');
  expect(after).toContain('app_dlq_purged_total 1');
  expect(after).toContain('app_dlq_live_entries{kind="record"} 0');
  expect(first).toBeDefined();
  await q.close();
});
