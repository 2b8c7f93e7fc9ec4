/**
 * Regression (issue 14, defect 3). With `--faults` naming kinds but not
 * `crash`, the harness still cut the power at the end of epochs whose
 * scenario said so, so no kind could be tested on its own. The contract (§4,
 * v1.1) says: without `crash`, every epoch ends in a clean close and reopen.
 * Before the fix, the check below counted power cuts (21 of 40 epochs for
 * seed 3 under fsync-error alone).
 */
import { describe, expect, it } from 'vitest';
import { builtinPlugin } from '../../src/harness/builtin.js';
import { checkWal } from '../../src/harness/check.js';
import { runScenario } from '../../src/harness/run.js';

describe('without crash among the fault kinds, no power is cut', () => {
  it('checkWal under fsync-error alone: every epoch ends in a clean restart', async () => {
    const plugin = await builtinPlugin();
    const result = await checkWal(plugin, { seed: 3, runs: 20, faults: ['fsync-error'] });
    expect(result.failure?.message).toBeUndefined();
    expect(result.summary.epochs).toBeGreaterThan(20);
    expect(result.summary.crashes).toBe(0);
  });

  it('runScenario: the outcome, its scenario and its trace show no power cut for any kind alone', async () => {
    const plugin = await builtinPlugin();
    for (const kind of ['disk-full', 'read-error', 'bitflip', 'lying-fsync'] as const) {
      for (let seed = 0; seed < 8; seed++) {
        const outcome = await runScenario(plugin, { seed, faults: [kind], keepTrace: true });
        expect(outcome.epochs.map((e) => e.end).filter((end) => end === 'crash' || end === 'crash-in-recovery')).toEqual([]);
        expect(outcome.scenario.epochs.every((e) => e.end.type === 'restart')).toBe(true);
        expect((outcome.trace ?? []).some((line) => line.includes('"ev":"crash-image"'))).toBe(false);
      }
    }
  });

  it('with crash on, the same seeds still cut the power', async () => {
    const plugin = await builtinPlugin();
    const result = await checkWal(plugin, { seed: 3, runs: 20, faults: ['crash', 'fsync-error'] });
    expect(result.summary.crashes).toBeGreaterThan(0);
  });
});
