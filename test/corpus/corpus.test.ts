/**
 * The corpus test: checkWal catches every buggy fixture within its run
 * budget, naming the rule its bug breaks, and never flags correct-simple or
 * the built-in engine (group commit and everyWrite) within theirs.
 *
 * One fast-check seed per fixture by default (FAULTLINE_CORPUS_SEED, default
 * 3); FAULTLINE_CORPUS_SEEDS=n checks seeds 1..n for a deeper look.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinPlugin } from '../../src/harness/builtin.js';
import { checkWal } from '../../src/harness/check.js';
import type { WalPlugin } from '../../src/ports.js';
import { CORPUS } from './corpus-table.js';

const fixtures = join(import.meta.dirname, '../fixtures/wals');
const SEEDS =
  process.env.FAULTLINE_CORPUS_SEEDS === undefined
    ? [Number(process.env.FAULTLINE_CORPUS_SEED ?? 3)]
    : Array.from({ length: Number(process.env.FAULTLINE_CORPUS_SEEDS) }, (_, i) => i + 1);
const NEVER_FLAGGED_RUNS = Number(process.env.FAULTLINE_CORPUS_CLEAN_RUNS ?? 100);
/** Catching is what this test is about; shrinking has its own tests (test/harness), so keep it short here. */
const MAX_SHRINK_RUNS = 25;

async function fixture(name: string): Promise<{ plugin: WalPlugin; path: string }> {
  const path = join(fixtures, `${name}.ts`);
  return { plugin: ((await import(path)) as { default: WalPlugin }).default, path };
}

describe('corpus: every buggy WAL is caught within its budget', () => {
  for (const entry of CORPUS.filter((e) => e.undetectedBecause === undefined)) {
    it(`${entry.fixture}: ${entry.rules.join(' or ')} under ${entry.faults.join(',')} within ${entry.budget} runs`, async () => {
      const { plugin, path } = await fixture(entry.fixture);
      for (const seed of SEEDS) {
        const result = await checkWal(plugin, {
          seed,
          runs: entry.budget,
          faults: entry.faults,
          pluginModule: path,
          maxShrinkRuns: MAX_SHRINK_RUNS,
        });
        expect(result.ok, `seed ${seed}: not caught in ${entry.budget} runs`).toBe(false);
        expect(entry.rules, `seed ${seed}: ${result.failure?.message}`).toContain(result.failure?.rule);
        expect(result.runs).toBeLessThanOrEqual(entry.budget);
        expect(result.failure?.replayCommand).toContain(`--seed ${seed}`);
      }
    }, 120_000);
  }

  for (const entry of CORPUS.filter((e) => e.undetectedBecause !== undefined)) {
    // A known blind spot, kept honest: this asserts the bug is still missed, so
    // the day the simulator can show it, this test fails and the entry moves up.
    it(`${entry.fixture}: not yet detectable (${entry.undetectedBecause})`, async () => {
      const { plugin, path } = await fixture(entry.fixture);
      const result = await checkWal(plugin, { seed: SEEDS[0] as number, runs: entry.budget, faults: entry.faults, pluginModule: path });
      expect(result.ok).toBe(true);
      expect(result.runs).toBe(entry.budget);
    }, 120_000);
  }
});

describe('corpus: correct WALs are never flagged', () => {
  it(`correct-simple passes ${NEVER_FLAGGED_RUNS * 2} runs under every contract fault`, async () => {
    const { plugin, path } = await fixture('correct-simple');
    const result = await checkWal(plugin, { seed: 1, runs: NEVER_FLAGGED_RUNS * 2, pluginModule: path });
    expect(result.failure?.message).toBeUndefined();
    expect(result.runs).toBe(NEVER_FLAGGED_RUNS * 2);
    expect(result.summary.crashes).toBeGreaterThan(0);
  }, 120_000);

  it(`correct-segmented (the control of racing-truncate-unlinks) passes ${NEVER_FLAGGED_RUNS * 2} runs under every contract fault`, async () => {
    const { plugin, path } = await fixture('correct-segmented');
    const result = await checkWal(plugin, { seed: 1, runs: NEVER_FLAGGED_RUNS * 2, pluginModule: path });
    expect(result.failure?.message).toBeUndefined();
    expect(result.runs).toBe(NEVER_FLAGGED_RUNS * 2);
    expect(result.summary.crashes).toBeGreaterThan(0);
  }, 120_000);

  for (const kind of ['groupCommit', 'everyWrite'] as const) {
    it(`the built-in engine at ${kind} passes ${NEVER_FLAGGED_RUNS} runs under every contract fault`, async () => {
      const plugin = await builtinPlugin({ segmentSize: 256 * 1024, durability: { kind } });
      const result = await checkWal(plugin, { seed: 2, runs: NEVER_FLAGGED_RUNS });
      expect(result.failure?.message).toBeUndefined();
      expect(result.runs).toBe(NEVER_FLAGGED_RUNS);
      expect(result.summary.acknowledged).toBeGreaterThan(0);
    }, 120_000);
  }
});
