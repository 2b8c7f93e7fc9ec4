/**
 * The vitest entry point (issue 14, item 9), as a user runs it: a three-line
 * test file in a project of its own, run by vitest in a child process. With a
 * buggy WAL the test fails with the full report; with the fixed one it
 * passes. And the helper's budget and the checkWal environment it relies on.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { checkEnvironment, checkWal } from '../../src/harness/check.js';
import { loadPluginModule } from '../../src/harness/plugin-module.js';
import { crashTestBudget, CRASH_TEST_MARGIN_MS } from '../../src/vitest/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

async function userVitest(file: string): Promise<{ code: number; out: string }> {
  const args = ['vitest', 'run', '--config', 'test/fixtures/vitest-user/vitest.config.ts', file];
  const env = { ...process.env, FAULTLINE_RUNS: '', FAULTLINE_SEED: '', FAULTLINE_PATH: '' };
  try {
    const { stdout, stderr } = await run('npx', args, { cwd: root, env, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout: string; stderr: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: e.stdout + e.stderr };
  }
}

describe('faultline/vitest', () => {
  it("a user's test of a buggy WAL fails with the full report; of the fixed WAL it passes", async () => {
    const buggy = await userVitest('test/fixtures/vitest-user/buggy.crash.ts');
    expect(buggy.code).not.toBe(0);
    for (const part of [
      'WalCheckFailed',
      'VIOLATION of rule "durability"',
      'counterexample',
      'fast-check:    seed 4, path',
      'replay with:   npx faultline replay',
    ]) {
      expect(buggy.out).toContain(part);
    }
    const fixed = await userVitest('test/fixtures/vitest-user/fixed.crash.ts');
    expect(fixed.out).toMatch(/1 passed/);
    expect(fixed.code).toBe(0);
  }, 120_000);

  it("a user's crashTestStore of a dirty-read store fails with the store report; of faultline's store it passes", async () => {
    const buggy = await userVitest('test/fixtures/vitest-user/buggy-store.crash.ts');
    expect(buggy.code).not.toBe(0);
    for (const part of [
      'WalCheckFailed',
      'dirty-read broke a rule of the plugin contract',
      'VIOLATION of rule',
      'replay with:   npx faultline replay --store',
    ]) {
      expect(buggy.out).toContain(part);
    }
    const fixed = await userVitest('test/fixtures/vitest-user/fixed-store.crash.ts');
    expect(fixed.out).toMatch(/1 passed/);
    expect(fixed.code).toBe(0);
  }, 120_000);

  it('the test timeout is the check time limit plus the shrink limit plus a margin, never vitest’s 5 s', () => {
    expect(crashTestBudget({ timeLimitMs: 1_000, shrinkTimeLimitMs: 2_000 })).toEqual({
      options: { timeLimitMs: 1_000, shrinkTimeLimitMs: 2_000 },
      timeoutMs: 3_000 + CRASH_TEST_MARGIN_MS,
    });
    expect(crashTestBudget().timeoutMs).toBeGreaterThan(30_000);
  });
});

describe('checkWal and its environment', () => {
  it('an aborted signal stops the check with EABORTED, never a pass', async () => {
    const plugin = await loadPluginModule('test/fixtures/wals/correct-simple.ts');
    const controller = new AbortController();
    controller.abort();
    await expect(checkWal(plugin, { runs: 5, seed: 1, signal: controller.signal })).rejects.toMatchObject({ code: 'EABORTED' });
    const late = new AbortController();
    const checking = checkWal(plugin, {
      runs: 100_000,
      seed: 1,
      signal: late.signal,
      onProgress: (p) => {
        if (p.runs === 3) late.abort();
      },
    });
    await expect(checking).rejects.toMatchObject({ code: 'EABORTED' });
  }, 60_000);

  it('FAULTLINE_SEED with FAULTLINE_PATH reruns the reported failure without shrinking it again', async () => {
    const plugin = await loadPluginModule('test/fixtures/wals/ack-before-fsync.ts');
    const found = await checkWal(plugin, { runs: 50, seed: 4, faults: ['crash'] });
    const path = found.failure?.fastCheck.path ?? '';
    process.env['FAULTLINE_SEED'] = '4';
    process.env['FAULTLINE_PATH'] = path;
    try {
      const again = await checkWal(plugin, { runs: 50, faults: ['crash'] });
      expect(again.failure?.traceHash).toBe(found.failure?.traceHash);
      expect(again.failure?.fastCheck).toEqual({ seed: 4, path });
      await expect(checkWal(plugin, { runs: 5, seed: 9, faults: ['crash'] })).rejects.toMatchObject({ code: 'EINVAL' });
    } finally {
      delete process.env['FAULTLINE_SEED'];
      delete process.env['FAULTLINE_PATH'];
    }
  }, 60_000);

  it('FAULTLINE_RUNS, FAULTLINE_SEED and FAULTLINE_PATH are read, and refused when malformed', () => {
    expect(checkEnvironment({ FAULTLINE_RUNS: '7', FAULTLINE_SEED: '42', FAULTLINE_PATH: '3:1:0' })).toEqual({
      runs: 7,
      seed: 42,
      path: '3:1:0',
    });
    expect(checkEnvironment({})).toEqual({});
    for (const env of [{ FAULTLINE_RUNS: '0' }, { FAULTLINE_RUNS: 'many' }, { FAULTLINE_SEED: '4294967296' }, { FAULTLINE_PATH: '1::2' }]) {
      expect(() => checkEnvironment(env)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    }
  });
});
