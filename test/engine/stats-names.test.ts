/**
 * WalStats.largestBatch is the largest batch seen; maxBatch, its former name
 * (which read like the maxBatch option, a limit), stays as a deprecated alias
 * with the same value, and the Prometheus metric keeps its name max_batch.
 */
import { describe, expect, it } from 'vitest';
import { Wal } from '../../src/engine/index.js';
import { registerWalMetrics } from '../../src/ops/index.js';
import { enc, memEnv } from './support.js';

describe('WalStats.largestBatch', () => {
  it('is the largest batch seen, its deprecated alias maxBatch agrees, and the metric is still max_batch', async () => {
    const wal = await Wal.open(memEnv(), { segmentSize: 65536, durability: { kind: 'groupCommit', maxBatch: 4 } });
    await Promise.all(Array.from({ length: 50 }, () => wal.append(enc('x'))));
    const s = wal.stats();
    expect(s.largestBatch).toBeGreaterThan(1);
    expect(s.largestBatch).toBeLessThanOrEqual(4);
    expect(s.maxBatch).toBe(s.largestBatch);
    const text = await registerWalMetrics(wal).metrics();
    expect(text).toContain(`\nwal_max_batch ${s.largestBatch}\n`);
    await wal.close();
  });
});
