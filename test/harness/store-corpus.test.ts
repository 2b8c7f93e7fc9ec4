/**
 * The store corpus test: checkStore catches every buggy store of
 * test/fixtures/stores within its run budget, naming the rule its bug
 * breaks, and never flags the correct one (correct-log-store) under every
 * fault kind, the extra ones too, nor the built-in store.
 *
 * One fast-check seed per fixture by default (FAULTLINE_CORPUS_SEED, default
 * 3); FAULTLINE_CORPUS_SEEDS=n checks seeds 1..n; FAULTLINE_RUNS raises the
 * clean runs.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAULT_KINDS } from '../../src/faults/types.js';
import { builtinStorePlugin } from '../../src/harness/builtin-store.js';
import { checkStore } from '../../src/harness/check-store.js';
import type { StorePlugin } from '../../src/ports.js';
import { STORE_CORPUS } from './store-corpus-table.js';

const fixtures = join(import.meta.dirname, '../fixtures/stores');
const SEEDS =
  process.env.FAULTLINE_CORPUS_SEEDS === undefined
    ? [Number(process.env.FAULTLINE_CORPUS_SEED ?? 3)]
    : Array.from({ length: Number(process.env.FAULTLINE_CORPUS_SEEDS) }, (_, i) => i + 1);
const CLEAN_RUNS = Number(process.env.FAULTLINE_RUNS ?? 150);
/** The fixtures' transaction timeout (correct-log-store's default): the workload's long sleeps pass it. */
const TIMEOUT_MS = 100;

async function fixture(name: string): Promise<{ plugin: StorePlugin; path: string }> {
  const path = join(fixtures, `${name}.ts`);
  const exported = ((await import(path)) as { default: StorePlugin | (() => StorePlugin) }).default;
  return { plugin: typeof exported === 'function' ? exported() : exported, path };
}

describe('store corpus: every buggy store is caught within its budget', () => {
  for (const entry of STORE_CORPUS) {
    it(`${entry.fixture}: ${entry.rules.join(' or ')} within ${entry.budget} runs`, async () => {
      const { plugin, path } = await fixture(entry.fixture);
      for (const seed of SEEDS) {
        const result = await checkStore(plugin, {
          seed,
          runs: entry.budget,
          transactionTimeoutMs: TIMEOUT_MS,
          pluginModule: path,
          maxShrinkRuns: 25,
          ...(entry.faults === undefined ? {} : { faults: entry.faults }),
        });
        expect(result.ok, `seed ${seed}: not caught in ${entry.budget} runs`).toBe(false);
        expect(entry.rules, `seed ${seed}: ${result.failure?.message}`).toContain(result.failure?.rule);
        expect(result.failure?.replayCommand).toContain(`--store ${path} --seed ${seed}`);
      }
    }, 120_000);
  }
});

describe('store corpus: correct stores are never flagged', () => {
  it(`correct-log-store passes ${CLEAN_RUNS * 2} runs under every contract fault`, async () => {
    const { plugin } = await fixture('correct-log-store');
    const result = await checkStore(plugin, { seed: 1, runs: CLEAN_RUNS * 2, transactionTimeoutMs: TIMEOUT_MS });
    expect(result.failure?.message).toBeUndefined();
    expect(result.runs).toBe(CLEAN_RUNS * 2);
    expect(result.summary.cutsAtStake).toBeGreaterThan(0);
  }, 120_000);

  it(`correct-log-store passes ${CLEAN_RUNS} runs under every fault kind, the extra ones too`, async () => {
    const { plugin } = await fixture('correct-log-store');
    const result = await checkStore(plugin, { seed: 2, runs: CLEAN_RUNS, faults: FAULT_KINDS, transactionTimeoutMs: TIMEOUT_MS });
    expect(result.failure?.message).toBeUndefined();
    expect(result.summary.faultsFired['torn-write'] ?? 0).toBeGreaterThan(0);
  }, 120_000);

  it(`the built-in store passes ${CLEAN_RUNS} runs under every contract fault`, async () => {
    const result = await checkStore(await builtinStorePlugin(), { seed: 2, runs: CLEAN_RUNS, transactionTimeoutMs: TIMEOUT_MS });
    expect(result.failure?.message).toBeUndefined();
    expect(result.summary.acknowledged).toBeGreaterThan(0);
  }, 120_000);
});
