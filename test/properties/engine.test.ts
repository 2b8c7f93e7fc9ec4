/**
 * The built-in engine under the harness: every contract fault kind at every
 * durability level. Levels that promise durability (everyWrite, groupCommit)
 * must break no rule; the lying levels (none, interval) must break no rule
 * either (their appends are not acknowledged until sync() resolves), and the
 * records a power cut takes from them are measured, not judged.
 *
 * Budget: FAULTLINE_RUNS runs per suite (the default of 100 keeps the whole file
 * under half a minute on a 2-core machine); FAULTLINE_SEED picks the fast-check
 * seed (default fixed, so CI is reproducible; every failure prints its replay).
 */
import { describe, expect, it } from 'vitest';
import { walPlugin, type Durability, type WalOptions } from '../../src/engine/index.js';
import { runScenario } from '../../src/harness/run.js';
import { CONTRACT_FAULT_KINDS } from '../../src/faults/types.js';
import { expectNoViolation, LEVELS, suiteBudget } from './engine-suite.js';

const BUDGET = suiteBudget({ runs: 100, seed: 20261124 });
const TIMEOUT = BUDGET.timeoutMs;

/** Small segments so a run rotates them many times. */
function engine(durability: Durability): WalOptions {
  return { segmentSize: 64 * 1024, durability };
}

describe.each(LEVELS)('engine, durability $name', ({ durability, promises }) => {
  it('declares durableAppend as the level promises', () => {
    expect(walPlugin(engine(durability)).durableAppend).toBe(promises);
  });

  it.each(CONTRACT_FAULT_KINDS.map((k) => [k]))(
    'breaks no rule under %s',
    async (kind) => {
      await expectNoViolation(engine(durability), kind === 'crash' ? ['crash'] : ['crash', kind], BUDGET);
    },
    TIMEOUT,
  );
});

describe('engine, every fault kind at once', () => {
  it.each(LEVELS.map((l) => [l.name, l.durability] as const))(
    '%s breaks no rule',
    async (_name, durability) => {
      await expectNoViolation(engine(durability), CONTRACT_FAULT_KINDS, { ...BUDGET, seed: BUDGET.seed + 1 });
    },
    TIMEOUT,
  );
});

describe('losses of the lying levels are measured', () => {
  it(
    'a power cut loses resolved appends under none, never acknowledged ones under groupCommit',
    async () => {
      const scenario = (simSeed: number) => ({
        simSeed,
        epochs: [{ clients: [Array.from({ length: 8 }, () => ({ op: 'append' as const, size: 200 }))], end: { type: 'crash' as const } }],
      });
      let lostNone = 0;
      for (let s = 0; s < 10; s++) {
        const none = await runScenario(walPlugin(engine({ kind: 'none' })), { seed: s, faults: ['crash'], scenario: scenario(s) });
        expect(none.ok).toBe(true);
        const e = none.epochs[0];
        if (e === undefined) throw new Error('no epoch');
        expect(e.resolved).toBeGreaterThan(0);
        lostNone += e.lostResolved;
        if (e.lostResolved > 0) expect(e.lostResolvedSpanMs).toBeGreaterThanOrEqual(0);
        const gc = await runScenario(walPlugin(engine({ kind: 'groupCommit' })), { seed: s, faults: ['crash'], scenario: scenario(s) });
        expect(gc.ok).toBe(true);
        expect(gc.epochs[0]?.lostAcknowledged).toBe(0);
        expect(gc.epochs[0]?.acknowledged).toBe(gc.epochs[0]?.resolved);
      }
      expect(lostNone).toBeGreaterThan(0);
    },
    TIMEOUT,
  );
});
