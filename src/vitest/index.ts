/**
 * faultline/vitest: a crash-test in one line of a vitest file.
 *
 *   import { crashTest } from 'faultline/vitest';
 *   import plugin from '../src/my-wal.js';
 *   crashTest('my WAL survives power cuts', plugin, { runs: 200 });
 *   crashTestStore('my store keeps its transactions', storePlugin, { runs: 200 });
 *
 * It declares a vitest test that runs assertWal (so a broken rule fails the
 * test with the whole report: rule, shrunk counterexample, seed, path, replay
 * command) with a timeout derived from the check's own budget: the check is
 * given a time limit for its runs and one for shrinking, and the test's
 * timeout is their sum plus a margin, so vitest's 5 s default never cuts a
 * check short. vitest's abort signal (a timeout, a cancelled run) stops the
 * check; it never keeps running after vitest gave up. FAULTLINE_RUNS,
 * FAULTLINE_SEED and FAULTLINE_PATH apply as in checkWal.
 */
import { it } from 'vitest';
import type { StorePlugin, WalPlugin } from '../ports.js';
import { assertStore, assertWal } from '../harness/assert-wal.js';
import type { StoreCheckOptions } from '../harness/store-check-types.js';
import type { CheckOptions } from '../harness/types.js';

/** The run phase's default time limit in a crash test (the check stops earlier after its runs). */
export const CRASH_TEST_TIME_LIMIT_MS = 30_000;
/** Shrinking's default time limit in a crash test (checkWal's own default is 60 s). */
export const CRASH_TEST_SHRINK_LIMIT_MS = 30_000;
/** Time beyond both limits for loading the plugin, the last run and the report. */
export const CRASH_TEST_MARGIN_MS = 15_000;

export type CrashTestOptions = Omit<CheckOptions, 'signal'>;
export type StoreCrashTestOptions = Omit<StoreCheckOptions, 'signal'>;

/** The options the check runs with, and the test's timeout (their limits plus the margin). */
export function crashTestBudget<O extends { timeLimitMs?: number; shrinkTimeLimitMs?: number }>(
  options: O = {} as O,
): { options: O; timeoutMs: number } {
  const timeLimitMs = options.timeLimitMs ?? CRASH_TEST_TIME_LIMIT_MS;
  const shrinkTimeLimitMs = options.shrinkTimeLimitMs ?? CRASH_TEST_SHRINK_LIMIT_MS;
  return { options: { ...options, timeLimitMs, shrinkTimeLimitMs }, timeoutMs: timeLimitMs + shrinkTimeLimitMs + CRASH_TEST_MARGIN_MS };
}

/**
 * Declares a vitest test that crash-tests `plugin` (or the plugin a function
 * resolves to, for plugins that must be built asynchronously) under the
 * contract's rules.
 */
export function crashTest(name: string, plugin: WalPlugin | (() => WalPlugin | Promise<WalPlugin>), options: CrashTestOptions = {}): void {
  const budget = crashTestBudget(options);
  it(
    name,
    async ({ signal }): Promise<void> => {
      const p = typeof plugin === 'function' ? await plugin() : plugin;
      await assertWal(p, { ...budget.options, signal });
    },
    budget.timeoutMs,
  );
}

/**
 * Declares a vitest test that crash-tests a transactional store (contract
 * section 5) with assertStore, with the same budget and abort handling as
 * crashTest.
 */
export function crashTestStore(
  name: string,
  plugin: StorePlugin | (() => StorePlugin | Promise<StorePlugin>),
  options: StoreCrashTestOptions = {},
): void {
  const budget = crashTestBudget(options);
  it(
    name,
    async ({ signal }): Promise<void> => {
      const p = typeof plugin === 'function' ? await plugin() : plugin;
      await assertStore(p, { ...budget.options, signal });
    },
    budget.timeoutMs,
  );
}
