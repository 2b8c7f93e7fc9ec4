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
import { checkWal } from '../../src/harness/check.js';
import { formatFailureReport } from '../../src/harness/report.js';
import { runScenario } from '../../src/harness/run.js';
import { CONTRACT_FAULT_KINDS, type FaultKind } from '../../src/faults/types.js';

const RUNS = Number(process.env.FAULTLINE_RUNS ?? 100);
const SEED = Number(process.env.FAULTLINE_SEED ?? 20261124);
if (!Number.isSafeInteger(RUNS) || RUNS < 1)
  throw new Error(`FAULTLINE_RUNS must be a positive integer, got ${process.env.FAULTLINE_RUNS}`);
if (!Number.isSafeInteger(SEED)) throw new Error(`FAULTLINE_SEED must be an integer, got ${process.env.FAULTLINE_SEED}`);
const TIMEOUT = 60_000 + RUNS * 5_000;

/** Small segments so a run rotates them many times. */
function engine(durability: Durability): WalOptions {
  return { segmentSize: 64 * 1024, durability };
}

const LEVELS: { name: string; durability: Durability; promises: boolean }[] = [
  { name: 'everyWrite', durability: { kind: 'everyWrite' }, promises: true },
  { name: 'groupCommit', durability: { kind: 'groupCommit', maxWaitUs: 500 }, promises: true },
  { name: 'interval', durability: { kind: 'interval', ms: 5 }, promises: false },
  { name: 'none', durability: { kind: 'none' }, promises: false },
];

async function expectNoViolation(options: WalOptions, faults: readonly FaultKind[], seed: number): Promise<void> {
  const plugin = walPlugin(options);
  const r = await checkWal(plugin, { runs: RUNS, seed, faults, pluginOptions: options });
  if (r.failure !== undefined) expect.fail(`\n${formatFailureReport(r.failure)}`);
  expect(r.ok).toBe(true);
  expect(r.runs).toBe(RUNS);
  expect(r.summary.appends).toBeGreaterThan(0);
}

describe.each(LEVELS)('engine, durability $name', ({ durability, promises }) => {
  it('declares durableAppend as the level promises', () => {
    expect(walPlugin(engine(durability)).durableAppend).toBe(promises);
  });

  it.each(CONTRACT_FAULT_KINDS.map((k) => [k]))(
    'breaks no rule under %s',
    async (kind) => {
      await expectNoViolation(engine(durability), kind === 'crash' ? ['crash'] : ['crash', kind], SEED);
    },
    TIMEOUT,
  );
});

describe('engine, every fault kind at once', () => {
  it.each(LEVELS.map((l) => [l.name, l.durability] as const))(
    '%s breaks no rule',
    async (_name, durability) => {
      await expectNoViolation(engine(durability), CONTRACT_FAULT_KINDS, SEED + 1);
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
