/**
 * What the engine's property suites share (engine.test.ts, and the same
 * suites with compression in engine-compression.test.ts): the durability
 * levels, the budget read from FAULTLINE_RUNS and FAULTLINE_SEED, and the
 * check that a configuration breaks no rule.
 */
import { expect } from 'vitest';
import { walPlugin, type Durability, type WalOptions } from '../../src/engine/index.js';
import { checkWal } from '../../src/harness/check.js';
import { formatFailureReport } from '../../src/harness/report.js';
import type { FaultKind } from '../../src/faults/types.js';
import type { WorkloadOptions } from '../../src/contract/types.js';

/** Runs per suite and the fast-check seed: FAULTLINE_RUNS and FAULTLINE_SEED, else the suite's defaults. */
export function suiteBudget(defaults: { runs: number; seed: number }): { runs: number; seed: number; timeoutMs: number } {
  const runs = Number(process.env.FAULTLINE_RUNS ?? defaults.runs);
  const seed = Number(process.env.FAULTLINE_SEED ?? defaults.seed);
  if (!Number.isSafeInteger(runs) || runs < 1)
    throw new Error(`FAULTLINE_RUNS must be a positive integer, got ${process.env.FAULTLINE_RUNS}`);
  if (!Number.isSafeInteger(seed)) throw new Error(`FAULTLINE_SEED must be an integer, got ${process.env.FAULTLINE_SEED}`);
  return { runs, seed, timeoutMs: 60_000 + runs * 5_000 };
}

/** Every durability level, and whether it promises a durable append. */
export const LEVELS: { name: string; durability: Durability; promises: boolean }[] = [
  { name: 'everyWrite', durability: { kind: 'everyWrite' }, promises: true },
  { name: 'groupCommit', durability: { kind: 'groupCommit', maxWaitUs: 500 }, promises: true },
  { name: 'interval', durability: { kind: 'interval', ms: 5 }, promises: false },
  { name: 'none', durability: { kind: 'none' }, promises: false },
];

/** The engine with these options breaks no rule in `runs` runs of the harness under these fault kinds. */
export async function expectNoViolation(
  options: WalOptions,
  faults: readonly FaultKind[],
  budget: { runs: number; seed: number },
  workload: WorkloadOptions = {},
): Promise<void> {
  const r = await checkWal(walPlugin(options), { runs: budget.runs, seed: budget.seed, faults, pluginOptions: options, ...workload });
  if (r.failure !== undefined) expect.fail(`\n${formatFailureReport(r.failure)}`);
  expect(r.ok).toBe(true);
  expect(r.runs).toBe(budget.runs);
  expect(r.summary.appends).toBeGreaterThan(0);
}
