import { describe, expect, it } from 'vitest';
import { walPlugin, type WalOptions } from '../../src/engine/index.js';
import { checkWal } from '../../src/harness/index.js';

// The engine under the harness: every fault kind, at every level that promises durability.
const CONFIGS: { label: string; options: WalOptions; seed: number }[] = [
  { label: 'groupCommit, preallocated', options: { segmentSize: 4096, durability: { kind: 'groupCommit' } }, seed: 101 },
  {
    label: 'groupCommit with a window and small batches',
    options: { segmentSize: 4096, preallocate: false, durability: { kind: 'groupCommit', maxWaitUs: 300, maxBatch: 3 } },
    seed: 202,
  },
  { label: 'everyWrite', options: { segmentSize: 4096, durability: { kind: 'everyWrite' } }, seed: 303 },
];

describe('faultline check on the engine (simulator, every fault kind)', () => {
  for (const c of CONFIGS) {
    it(`${c.label}: no contract rule broken in 25 seeded runs`, async () => {
      const result = await checkWal(walPlugin(c.options), { runs: 25, seed: c.seed, pluginOptions: c.options });
      expect(result.failure?.message).toBeUndefined();
      expect(result.ok).toBe(true);
      expect(result.runs).toBe(25);
    }, 60_000);
  }
});
