/**
 * Regression (issue 14, defect 2): a plugin whose every append rejects got
 * "OK: no violation" and exit 0 (200 runs, 0 acknowledged): a misconfigured
 * WAL turned CI green. A pass now has floors (acknowledged records, power
 * cuts with acknowledged data at stake); missing one is a vacuous pass,
 * exit 3, and the floors can be lowered for plugins that legitimately
 * acknowledge nothing.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkWal } from '../../src/harness/check.js';
import { builtinPlugin } from '../../src/harness/builtin.js';
import type { WalPlugin } from '../../src/ports.js';
import { runFaultline } from '../helpers/cli.js';

const fixture = 'test/fixtures/plugins/rejects-every-append.ts';

describe('a vacuous pass is not a pass', () => {
  it('checkWal: no violation, but vacuous names both floors', async () => {
    const plugin = ((await import(join(import.meta.dirname, '../..', fixture))) as { default: WalPlugin }).default;
    const result = await checkWal(plugin, { seed: 1, runs: 30 });
    expect(result.ok).toBe(true);
    expect(result.failure).toBeUndefined();
    expect(result.summary.acknowledged).toBe(0);
    expect(result.summary.cutsAtStake).toBe(0);
    expect(result.vacuous).toHaveLength(2);
    expect(result.vacuous?.[0]).toMatch(/^0 acknowledged record\(s\) over 30 run\(s\), below the floor of 1/);
    expect(result.vacuous?.[1]).toMatch(/^0 power cut\(s\) with acknowledged records at stake/);
    const lowered = await checkWal(plugin, { seed: 1, runs: 30, minAcknowledged: 0, minCutsAtStake: 0 });
    expect(lowered.vacuous).toBeUndefined();
  });

  it('the built-in engine meets the floors (and without crash the cut floor is 0)', async () => {
    const plugin = await builtinPlugin();
    const withCrash = await checkWal(plugin, { seed: 2, runs: 20 });
    expect(withCrash.vacuous).toBeUndefined();
    expect(withCrash.summary.cutsAtStake).toBeGreaterThan(0);
    expect(withCrash.summary.recoveries).toBeGreaterThan(20);
    const fsyncOnly = await checkWal(plugin, { seed: 2, runs: 20, faults: ['fsync-error'] });
    expect(fsyncOnly.summary.cutsAtStake).toBe(0);
    expect(fsyncOnly.vacuous).toBeUndefined();
  });

  it('refuses a negative or fractional floor with EINVAL', async () => {
    const plugin = await builtinPlugin();
    await expect(checkWal(plugin, { seed: 1, runs: 1, minAcknowledged: -1 })).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(checkWal(plugin, { seed: 1, runs: 1, minCutsAtStake: 0.5 })).rejects.toMatchObject({ code: 'EINVAL' });
  });

  it('faultline check exits 3 with VACUOUS and the way to lower the floors; exits 0 once they are lowered', async () => {
    const r = await runFaultline(['check', fixture, '--seed', '1', '--runs', '30']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/VACUOUS: no rule broke, but the runs did not exercise the plugin enough to mean it/);
    expect(r.stdout).toMatch(/--min-acknowledged 0 --min-cuts-at-stake 0/);
    const json = await runFaultline(['check', fixture, '--seed', '1', '--runs', '30', '--json']);
    expect(json.code).toBe(3);
    expect((JSON.parse(json.stdout) as { vacuous: string[] }).vacuous).toHaveLength(2);
    const lowered = await runFaultline([
      'check',
      fixture,
      '--seed',
      '1',
      '--runs',
      '30',
      '--min-acknowledged',
      '0',
      '--min-cuts-at-stake',
      '0',
    ]);
    expect(lowered.code).toBe(0);
    expect(lowered.stdout).toMatch(/OK: no violation/);
  }, 60_000);
});
