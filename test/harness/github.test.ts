/**
 * GitHub Actions output (src/harness/github.ts): workflow-command escaping,
 * the annotation and step summary of a failing check and of a campaign, the
 * 1 MiB limit of the step summary, an unwritable summary reported as an
 * error, and the CLI writing all of it only when GITHUB_ACTIONS=true.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkWal } from '../../src/harness/check.js';
import {
  appendStepSummary,
  campaignGithubReport,
  checkGithubReport,
  emitGithubReport,
  errorCommand,
  escapeCommandData,
  escapeCommandProperty,
  STEP_SUMMARY_LIMIT,
  TRUNCATION_NOTE,
  truncateSummary,
} from '../../src/harness/github.js';
import { WalError } from '../../src/errors.js';
import type { CampaignFile } from '../../src/harness/campaign-types.js';
import ackBeforeFsync from '../fixtures/wals/ack-before-fsync.js';
import { runFaultline } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmpdir.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});
async function tempDir(): Promise<string> {
  const t = await makeTempDir('faultline-github-');
  cleanups.push(t.cleanup);
  return t.dir;
}

/** What GitHub's runner does to a command's message and properties (the inverse of the escaping). */
function unescape(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');
}

describe('workflow commands', () => {
  it('escape %, CR and LF in messages, and also : and , in properties', () => {
    expect(escapeCommandData('100% done\r\nnext')).toBe('100%25 done%0D%0Anext');
    expect(escapeCommandData('%0A')).toBe('%250A');
    expect(escapeCommandProperty('rule: a, b\n')).toBe('rule%3A a%2C b%0A');
    const line = errorCommand('t: 1, 2', 'line one\nline two 50%');
    expect(line).toBe('::error title=t%3A 1%2C 2::line one%0Aline two 50%25\n');
    expect(line.slice(0, -1)).not.toMatch(/[\r\n]/);
    const [, title, message] = /^::error title=(.*?)::(.*)\n$/.exec(line) ?? [];
    expect(unescape(title ?? '')).toBe('t: 1, 2');
    expect(unescape(message ?? '')).toBe('line one\nline two 50%');
  });
});

describe('check and campaign reports', () => {
  it('a failing check: one ::error with the rule and the replay command, and a summary with runs, faults and the failure', async () => {
    const r = await checkWal(ackBeforeFsync, { seed: 3, runs: 50, pluginModule: 'test/fixtures/wals/ack-before-fsync.ts' });
    const f = r.failure;
    if (f === undefined) throw new Error('expected a failure');
    const g = checkGithubReport('ack-before-fsync', r);
    const lines = g.commands.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^::error title=/);
    expect(unescape(lines[0] ?? '')).toContain(`rule ${f.rule} broken`);
    expect(unescape(lines[0] ?? '')).toContain(`replay with: ${f.replayCommand}`);
    expect(g.summary).toContain('## faultline check: ack-before-fsync: FAILED');
    expect(g.summary).toContain(`| ${r.summary.runs} | ${r.summary.seed} |`);
    expect(g.summary).toContain(f.replayCommand);
    expect(g.summary).toContain(`Rule \`${f.rule}\``);
    for (const [kind, n] of Object.entries(r.summary.faultsFired)) expect(g.summary).toContain(`| ${kind} | ${n} |`);
  });

  it('a passing check: no annotation, a summary that says OK', async () => {
    const r = await checkWal(ackBeforeFsync, { seed: 3, runs: 2, faults: [] });
    const g = checkGithubReport('x', { ...r, ok: true, failure: undefined } as typeof r);
    expect(g.commands).toBe('');
    expect(g.summary).toContain('OK, no violation');
  });

  it('a campaign: one annotation per bad run up to ten, then one that counts the rest', () => {
    const failed = (run: number): CampaignFile['results'][number] => ({
      run,
      seed: 100 + run,
      status: 'failed',
      wallMs: 1,
      rule: 'durability',
      message: `lost a record\nin run ${run}`,
      replayCommand: `npx faultline replay --seed ${100 + run} --path 1`,
    });
    const file: CampaignFile = {
      format: 'faultline-campaign',
      version: 1,
      campaign: { pluginName: 'p', faults: ['crash'], workload: {}, baseSeed: 100, runs: 14, shardCount: 1 },
      shards: [1],
      ranges: [{ start: 0, end: 14 }],
      startedAt: '2026-01-01T00:00:00.000Z',
      wallMs: 10,
      totals: { runs: 14, passed: 1, failed: 12, errors: 1 },
      ok: false,
      results: [
        { run: 0, seed: 100, status: 'passed', wallMs: 1, epochs: 2, crashes: 1, appends: 3, acknowledged: 2 },
        ...Array.from({ length: 12 }, (_, i) => failed(i + 1)),
        { run: 13, seed: 113, status: 'error', wallMs: 1, error: { code: 'EPLUGIN', message: 'boom' } },
      ],
    };
    const g = campaignGithubReport(file);
    const lines = g.commands.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(11);
    expect(unescape(lines[0] ?? '')).toContain('rule durability broken (run 1, seed 101)');
    expect(unescape(lines[0] ?? '')).toContain('lost a record\nin run 1\nreplay with: npx faultline replay --seed 101 --path 1');
    expect(unescape(lines[10] ?? '')).toContain('3 more failed run(s)');
    expect(g.summary).toContain('FAILED, 12 failed and 1 errored');
    expect(g.summary).toContain('| 14 | 1 | 12 | 1 | 2 | 1 | 3 | 2 |');
    expect(g.summary).toContain('npx faultline replay --seed 112 --path 1');
    expect(g.summary).toContain('### Run 13 (seed 113): error');
  });
});

describe('the step summary file', () => {
  it('is cut to the 1 MiB limit with a note, never inside a UTF-8 character', () => {
    expect(truncateSummary('short')).toBe('short');
    const big = `${'é'.repeat(STEP_SUMMARY_LIMIT)}\n`;
    const cut = truncateSummary(big);
    expect(Buffer.byteLength(cut, 'utf8')).toBeLessThanOrEqual(STEP_SUMMARY_LIMIT);
    expect(cut.endsWith(TRUNCATION_NOTE)).toBe(true);
    expect(cut).not.toContain('\uFFFD');
    const lines = `${Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n')}\n`;
    const small = truncateSummary(lines, 300);
    expect(Buffer.byteLength(small, 'utf8')).toBeLessThanOrEqual(300);
    expect(small.slice(0, -TRUNCATION_NOTE.length)).toMatch(/line \d+$/);
    expect(() => truncateSummary(lines, 10)).toThrow(WalError);
  });

  it('appending counts what the file already holds', async () => {
    const dir = await tempDir();
    const file = join(dir, 'summary.md');
    await writeFile(file, 'x'.repeat(STEP_SUMMARY_LIMIT - 1000));
    await appendStepSummary(file, 'y'.repeat(5000));
    const text = await readFile(file, 'utf8');
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(STEP_SUMMARY_LIMIT);
    expect(text.endsWith(TRUNCATION_NOTE)).toBe(true);
  });

  it('an unwritable summary file is a WalError EIO, not ignored', async () => {
    const dir = await tempDir();
    const asDir = join(dir, 'a-directory');
    await mkdir(asDir);
    await expect(appendStepSummary(asDir, 'text')).rejects.toMatchObject({ name: 'WalError', code: 'EIO' });
    const out: string[] = [];
    await expect(
      emitGithubReport(
        { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: asDir },
        { write: (t: string) => out.push(t) },
        { commands: '::error::x\n', summary: 's' },
      ),
    ).rejects.toMatchObject({ code: 'EIO' });
    expect(out).toEqual(['::error::x\n']);
  });

  it('outside GitHub Actions nothing is written', async () => {
    const out: string[] = [];
    await emitGithubReport(
      { GITHUB_STEP_SUMMARY: '/nonexistent/dir/file' },
      { write: (t: string) => out.push(t) },
      { commands: '::error::x\n', summary: 's' },
    );
    await emitGithubReport({ GITHUB_ACTIONS: 'false' }, { write: (t: string) => out.push(t) }, { commands: '::error::x\n', summary: 's' });
    expect(out).toEqual([]);
  });
});

describe('the CLI under GitHub Actions', () => {
  const FIXTURE = 'test/fixtures/wals/ack-before-fsync.ts';

  it('check: the annotation on stdout and the summary appended, only with GITHUB_ACTIONS=true', async () => {
    const dir = await tempDir();
    const summary = join(dir, 'summary.md');
    await writeFile(summary, '# earlier step\n');
    const args = ['check', FIXTURE, '--seed', '3', '--runs', '50'];
    const plain = await runFaultline(args, { GITHUB_STEP_SUMMARY: summary });
    const gh = await runFaultline(args, { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary });
    expect(plain.code).toBe(1);
    expect(gh.code).toBe(1);
    expect(plain.stdout).not.toContain('::error');
    // The same output (wall-clock times aside), then the annotation.
    const masked = (t: string): string => t.replace(/time \d+(\.\d+)? s/g, 'time <t> s');
    expect(masked(gh.stdout).startsWith(masked(plain.stdout))).toBe(true);
    const extra = masked(gh.stdout).slice(masked(plain.stdout).length);
    expect(extra).toMatch(/^::error title=faultline%3A rule \S+ broken \(ack-before-fsync\)::/);
    expect(extra.split('\n').filter((l) => l !== '')).toHaveLength(1);
    expect(extra).toContain('%0Areplay with: npx faultline replay test/fixtures/wals/ack-before-fsync.ts --seed 3');
    const text = await readFile(summary, 'utf8');
    expect(text.startsWith('# earlier step\n## faultline check: ')).toBe(true);
    expect(text).toContain('npx faultline replay test/fixtures/wals/ack-before-fsync.ts --seed 3');
  }, 120_000);

  it('check --json: the one JSON line stays alone on stdout; the annotation goes to stderr', async () => {
    const r = await runFaultline(['check', FIXTURE, '--seed', '3', '--runs', '50', '--json'], { GITHUB_ACTIONS: 'true' });
    expect(r.code).toBe(1);
    expect(() => JSON.parse(r.stdout) as unknown).not.toThrow();
    expect(r.stderr).toContain('::error title=');
  }, 120_000);

  it('an unwritable GITHUB_STEP_SUMMARY fails the command and says why', async () => {
    const dir = await tempDir();
    // A directory where the file should be: appending fails (EISDIR) even for root.
    const notAFile = join(dir, 'not-a-file');
    await mkdir(notAFile);
    const r = await runFaultline(['check', '--seed', '11', '--runs', '2'], { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: notAFile });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot append to the GitHub step summary');
    expect(r.stderr).not.toContain('internal error');
  }, 120_000);

  it('campaign: an annotation per failed run and the summary', async () => {
    const dir = await tempDir();
    const summary = join(dir, 'summary.md');
    const r = await runFaultline(['campaign', FIXTURE, '--runs', '4', '--workers', '1', '--seed', '3', '--out', join(dir, 'c')], {
      GITHUB_ACTIONS: 'true',
      GITHUB_STEP_SUMMARY: summary,
    });
    expect(r.code).toBe(1);
    const file = JSON.parse(await readFile(join(dir, 'c', 'campaign.json'), 'utf8')) as CampaignFile;
    const bad = file.results.filter((x) => x.status !== 'passed');
    expect(bad.length).toBeGreaterThan(0);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('::error ')).length).toBe(Math.min(10, bad.length));
    const text = await readFile(summary, 'utf8');
    expect(text).toContain('## faultline campaign: ');
    for (const b of bad.slice(0, 3)) expect(text).toContain(b.replayCommand ?? '(missing)');
  }, 180_000);
});
