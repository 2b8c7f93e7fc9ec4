/**
 * `faultline check` and `faultline replay` as a user runs them: the exit
 * statuses of the contract (0 no violation, 1 violation, 2 bad usage or an
 * unloadable plugin), --json, and a replay that writes trace and report.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runFaultline } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmpdir.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

const faultline = (...args: string[]) => runFaultline(args);

const BUGGY = 'test/fixtures/wals/ack-before-fsync.ts';
const CORRECT = 'test/fixtures/wals/correct-simple.ts';

describe('faultline check', () => {
  it('exit 0 and a summary for a correct plugin', async () => {
    const r = await faultline('check', CORRECT, '--runs', '15', '--seed', '4');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/runs 15 \(seed 4, stopped by runs\), epochs \d+, power cuts \d+/);
    expect(r.stdout).toMatch(/records appended \d+, acknowledged \d+, recovered \d+/);
    expect(r.stdout).toContain('OK: no violation');
  }, 60_000);

  it('exit 1 with --json naming seed, faults, rule, message and the replay command; the replay reproduces it', async () => {
    const r = await faultline('check', BUGGY, '--runs', '100', '--seed', '9', '--json', '--faults', 'crash,fsync-error');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as {
      ok: boolean;
      runs: number;
      failure: { seed: number; faults: string[]; rule: string; message: string; replayCommand: string; traceHash: string };
    };
    expect(out.ok).toBe(false);
    expect(out.runs).toBeGreaterThan(0);
    expect(out.failure.seed).toBe(9);
    expect(out.failure.faults).toEqual(['crash', 'fsync-error']);
    expect(out.failure.replayCommand).toContain('--faults crash,fsync-error');

    const { dir, cleanup } = await makeTempDir('faultline-replay-');
    cleanups.push(cleanup);
    const args = out.failure.replayCommand.split(' ').slice(2); // drop "npx faultline"
    const rep = await faultline(...args, '--out', dir, '--json');
    expect(rep.code).toBe(1);
    const got = JSON.parse(rep.stdout) as { reproduced: boolean; failure: { rule: string; message: string }; traceHash: string };
    expect(got.reproduced).toBe(true);
    expect(got.failure.rule).toBe(out.failure.rule);
    expect(got.failure.message).toBe(out.failure.message);
    expect(got.traceHash).toBe(out.failure.traceHash);
    const trace = (await readFile(join(dir, 'trace.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { ev: string });
    expect(trace.some((e) => e.ev === 'crash' || e.ev === 'op')).toBe(true);
    expect(await readFile(join(dir, 'report.html'), 'utf8')).toContain(`data-rule="${out.failure.rule}"`);
  }, 60_000);

  it('exit 2 for a bad --faults value, a bad --runs, or a plugin that cannot be loaded', async () => {
    expect((await faultline('check', CORRECT, '--faults', 'crash,gremlins')).code).toBe(2);
    expect((await faultline('check', CORRECT, '--runs', 'many')).code).toBe(2);
    const missing = await faultline('check', 'test/fixtures/wals/no-such-wal.ts');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot import plugin module');
    expect((await faultline('check', 'test/fixtures/wals/framing.ts')).code).toBe(2);
    expect((await faultline('replay', CORRECT, '--seed', '1', '--path', 'x:y')).code).toBe(2);
    // a path this seed's generator cannot walk (another version's report, other options): usage error, not a crash
    const wrongPath = await faultline('replay', CORRECT, '--seed', '1', '--path', '999:999:999');
    expect(wrongPath.code).toBe(2);
    expect(wrongPath.stderr).toContain('cannot replay seed 1');
  }, 60_000);
});
