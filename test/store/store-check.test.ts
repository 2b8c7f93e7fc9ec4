/**
 * The built-in store under faultline check --store: at every durability level
 * under every fault kind together, and under each kind alone (where its
 * effect is not hidden by the others), no rule breaks and the runs are not
 * vacuous. FAULTLINE_RUNS raises the budget.
 */
import { describe, expect, it } from 'vitest';
import { checkStore } from '../../src/harness/check-store.js';
import { storePlugin } from '../../src/store/index.js';
import { FAULT_KINDS } from '../../src/faults/kinds.js';
import type { Durability } from '../../src/engine/index.js';

const RUNS = Number(process.env['FAULTLINE_RUNS'] ?? 100);
const TIMEOUT_MS = 100;
const LEVELS: Durability[] = [{ kind: 'groupCommit' }, { kind: 'everyWrite' }, { kind: 'interval', ms: 5 }, { kind: 'none' }];

const plugin = (durability: Durability) =>
  storePlugin({ wal: { durability, segmentSize: 16 * 1024, preallocate: false }, transactionTimeoutMs: TIMEOUT_MS });

describe('the built-in store under check --store', () => {
  for (const durability of LEVELS) {
    it(`${durability.kind}: every fault kind, ${RUNS} runs`, async () => {
      const r = await checkStore(plugin(durability), { seed: 17, runs: RUNS, faults: [...FAULT_KINDS], transactionTimeoutMs: TIMEOUT_MS });
      expect(r.failure?.message).toBeUndefined();
      expect(r.vacuous).toBeUndefined();
      expect(r.summary.committed).toBeGreaterThan(0);
      expect(r.summary.crashes).toBeGreaterThan(0);
    }, 120_000);
  }
  for (const kind of FAULT_KINDS) {
    it(`groupCommit: ${kind} alone`, async () => {
      const faults = kind === 'crash' ? ['crash' as const] : ['crash' as const, kind];
      const r = await checkStore(plugin({ kind: 'groupCommit' }), {
        seed: 23,
        runs: Math.ceil(RUNS / 2),
        faults,
        transactionTimeoutMs: TIMEOUT_MS,
      });
      expect(r.failure?.message).toBeUndefined();
      if (kind !== 'crash') expect(r.summary.faultsFired[kind] ?? 0).toBeGreaterThan(0);
    }, 120_000);
  }
});
