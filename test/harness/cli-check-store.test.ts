/**
 * `faultline check --store` and `faultline replay --store` as a user runs
 * them: a buggy store is exit 1 with a report whose printed replay command,
 * run as printed, reproduces the same run (exit 1, same trace hash, an HTML
 * report); a correct one is exit 0; a log module given to --store is exit 2.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runFaultline } from '../helpers/cli.js';

const out = mkdtempSync(join(tmpdir(), 'faultline-store-cli-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('faultline check --store', () => {
  it('finds a buggy store, and its printed replay command reproduces the run', async () => {
    const check = await runFaultline(['check', '--store', 'test/fixtures/stores/dirty-read.ts', '--seed', '3', '--runs', '20']);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('VIOLATION of rule "order"');
    expect(check.stdout).toContain('faultline check --store: dirty-read');
    const command = /replay with: {3}npx faultline (replay .*)$/m.exec(check.stdout)?.[1];
    const hash = /trace hash ([0-9a-f]+)/.exec(check.stdout)?.[1];
    expect(command).toMatch(/^replay --store test\/fixtures\/stores\/dirty-read\.ts --seed 3 --path /);
    const args = (command as string).split(' ');
    const replay = await runFaultline([...args, '--out', join(out, 'replay')]);
    expect(replay.code).toBe(1);
    expect(replay.stdout).toContain(`trace hash ${hash}`);
    expect(readFileSync(join(out, 'replay', 'report.html'), 'utf8')).toContain('data-rule="order"');
    expect(JSON.parse(readFileSync(join(out, 'replay', 'history.json'), 'utf8'))).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'transaction' })]),
    );
  }, 60_000);

  it('passes a correct store (exit 0), and --json says so', async () => {
    const r = await runFaultline([
      'check',
      '--store',
      'test/fixtures/stores/correct-log-store.ts',
      '--seed',
      '5',
      '--runs',
      '30',
      '--workload',
      '{"transactionTimeoutMs":100}',
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, runs: 30, store: true, plugin: 'correct-log-store' });
  }, 60_000);

  it('refuses a log module, and a log workload knob, as usage (exit 2)', async () => {
    const wal = await runFaultline(['check', '--store', 'test/fixtures/wals/correct-simple.ts', '--runs', '1']);
    expect(wal.code).toBe(2);
    expect(wal.stderr).toContain('StorePlugin');
    const knob = await runFaultline(['check', '--store', '--runs', '1', '--workload', '{"maxRecordBytes":10}']);
    expect(knob.code).toBe(2);
    expect(knob.stderr).toContain('log workload knob');
  }, 60_000);
});
