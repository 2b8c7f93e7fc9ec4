/**
 * Regression (issue 14, defect 4): after checkWal(plugin, { runs }) from code
 * the failure's replay command named no module, so running it replayed the
 * built-in engine, printed "did not reproduce" and exited 0. Now the command
 * names the module a plugin was loaded from, says plainly when no command can
 * name it (a plugin built in code), and a replay that cannot reach the
 * failure with the plugin it was given exits 2.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertWal, WalCheckFailed } from '../../src/harness/assert-wal.js';
import { builtinPlugin } from '../../src/harness/builtin.js';
import { checkWal } from '../../src/harness/check.js';
import { loadPluginModule } from '../../src/harness/plugin-module.js';
import { pluginOriginOf } from '../../src/harness/plugin-origin.js';
import { formatFailureReport } from '../../src/harness/report.js';
import type { WalPlugin } from '../../src/ports.js';
import { runFaultline } from '../helpers/cli.js';

const BUGGY = 'test/fixtures/wals/ack-before-fsync.ts';
const imported = async (): Promise<WalPlugin> =>
  ((await import(join(import.meta.dirname, '../..', BUGGY))) as { default: WalPlugin }).default;

describe('the replay command names the plugin that failed', () => {
  it('a plugin loaded from a module: the command names it, and running the command reproduces the failure', async () => {
    const plugin = await loadPluginModule(BUGGY);
    const result = await checkWal(plugin, { seed: 4, runs: 50, faults: ['crash'] });
    expect(result.failure?.replayCommand).toMatch(/^npx faultline replay test\/fixtures\/wals\/ack-before-fsync\.ts --seed 4 --path /);
    expect(result.failure?.replayNote).toBeUndefined();
    const args = (result.failure?.replayCommand ?? '').split(' ').slice(2);
    const rep = await runFaultline([...args, '--out', join(import.meta.dirname, '../../node_modules/.cache/faultline-replay-test')]);
    expect(rep.code).toBe(1);
    expect(rep.stdout).toContain(`VIOLATION of rule "${result.failure?.rule}"`);
  }, 60_000);

  it('a plugin built in code: a placeholder and a note say what to do, never a command that replays another WAL', async () => {
    const plugin = { ...(await imported()) }; // a fresh object: nothing recorded where it came from
    expect(pluginOriginOf(plugin)).toBeUndefined();
    const result = await checkWal(plugin, { seed: 4, runs: 50, faults: ['crash'] });
    expect(result.failure?.replayCommand).toMatch(/^npx faultline replay <plugin-module> --seed 4 --path /);
    expect(result.failure?.replayNote).toMatch(/built in code/);
    expect(formatFailureReport(result.failure!)).toMatch(/\n {2}note: {10}the plugin was built in code/);
  }, 60_000);

  it('the built-in engine is named by no module (the replay default)', async () => {
    expect(pluginOriginOf(await builtinPlugin())).toEqual({ kind: 'builtin' });
    expect(pluginOriginOf(await builtinPlugin({ segmentSize: 65536 }))).toEqual({ kind: 'builtin', options: { segmentSize: 65536 } });
  });

  it('faultline replay exits 2, saying why, when the plugin it was given does not fail the scenario', async () => {
    const plugin = await loadPluginModule(BUGGY);
    const result = await checkWal(plugin, { seed: 4, runs: 50, faults: ['crash'] });
    const path = result.failure?.fastCheck.path ?? '';
    // The same scenario on the built-in engine (no module given): it breaks no rule.
    const rep = await runFaultline([
      'replay',
      '--seed',
      '4',
      '--path',
      path,
      '--faults',
      'crash',
      '--out',
      join(import.meta.dirname, '../../node_modules/.cache/faultline-replay-test-2'),
    ]);
    expect(rep.code).toBe(2);
    expect(rep.stderr).toMatch(
      /the replayed run broke no rule: the built-in engine \("faultline", no module given\) does not fail this scenario/,
    );
  }, 60_000);
});

describe('assertWal', () => {
  it('throws WalCheckFailed whose message is the full report, and resolves for a correct WAL', async () => {
    const plugin = await loadPluginModule(BUGGY);
    const err = await assertWal(plugin, { seed: 4, runs: 50, faults: ['crash'] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WalCheckFailed);
    const message = (err as Error).message;
    for (const part of [
      'broke a rule of the plugin contract',
      'VIOLATION of rule "durability"',
      'counterexample',
      'fast-check:    seed 4, path',
      'replay with:   npx faultline replay test/fixtures/wals/ack-before-fsync.ts',
    ]) {
      expect(message).toContain(part);
    }
    expect((err as WalCheckFailed).result.failure?.rule).toBe('durability');
    const ok = await assertWal(await builtinPlugin(), { seed: 4, runs: 20 });
    expect(ok.ok).toBe(true);
  }, 60_000);

  it('throws for a vacuous pass too', async () => {
    const plugin = await loadPluginModule('test/fixtures/plugins/rejects-every-append.ts');
    await expect(assertWal(plugin, { seed: 1, runs: 10 })).rejects.toThrow(/broke no rule, but the check was vacuous/);
  });
});
