/**
 * The CLI's output for fixed seeds, pinned byte for byte (wall-clock times
 * and temporary paths masked). A refactoring must leave every report, summary
 * and replay exactly as it was; a deliberate change of output regenerates the
 * files with FAULTLINE_UPDATE_PINNED=1 and says so in its commit.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runFaultline } from './helpers/cli.js';

const FIXTURES = 'test/fixtures/cli-output';
const out = mkdtempSync(join(tmpdir(), 'faultline-pinned-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const FSYNC_RETRY_PATH = '15:11:6:5:2:3:4:3:3:3:4:5:4:4:5:5:5:2:3:3:4:3:3:3:4:4:4';

/** `files`: written by the command; their SHA-256 is pinned too. */
const cases: { name: string; args: string[]; code: number; files?: string[] }[] = [
  { name: 'check-builtin', args: ['check', '--seed', '11', '--runs', '40'], code: 0 },
  { name: 'check-builtin-json', args: ['check', '--seed', '11', '--runs', '10', '--json'], code: 0 },
  { name: 'check-fsync-retry', args: ['check', 'test/fixtures/wals/fsync-retry.ts', '--seed', '5', '--runs', '300'], code: 1 },
  {
    name: 'check-no-dir-fsync-crash-only',
    args: ['check', 'test/fixtures/wals/no-dir-fsync.ts', '--seed', '7', '--runs', '200', '--faults', 'crash'],
    code: 1,
  },
  {
    name: 'replay-fsync-retry',
    args: ['replay', 'test/fixtures/wals/fsync-retry.ts', '--seed', '5', '--path', FSYNC_RETRY_PATH, '--out', join(out, 'replay')],
    code: 1,
    files: ['replay/trace.jsonl', 'replay/history.json'],
  },
  {
    // The failure check-fsync-retry reports, shrunk with its fault schedule: --schedule-path replays it, trace hash and all.
    name: 'replay-fsync-retry-schedule',
    args: [
      'replay',
      'test/fixtures/wals/fsync-retry.ts',
      '--seed',
      '5',
      '--path',
      FSYNC_RETRY_PATH,
      '--schedule-path',
      '0',
      '--out',
      join(out, 'replay-schedule'),
    ],
    code: 1,
    files: ['replay-schedule/trace.jsonl', 'replay-schedule/history.json'],
  },
  {
    name: 'campaign-builtin',
    args: ['campaign', '--runs', '40', '--workers', '1', '--seed', '3', '--out', join(out, 'campaign')],
    code: 0,
  },
];

/** Masks what differs between equal runs: wall-clock times and the temporary folder. */
function masked(text: string): string {
  return text
    .split(out)
    .join('<tmp>')
    .replace(/time \d+(\.\d+)? s/g, 'time <t> s')
    .replace(/ in \d+(\.\d+)? s/g, ' in <t> s')
    .replace(/"wallMs":\d+/g, '"wallMs":<t>');
}

describe('CLI output for fixed seeds is pinned', () => {
  for (const c of cases) {
    it(`faultline ${c.args.join(' ')}`, async () => {
      const r = await runFaultline(c.args);
      expect(r.code).toBe(c.code);
      let got = `exit ${r.code}\n--- stdout\n${masked(r.stdout)}\n--- stderr\n${masked(r.stderr)}\n`;
      for (const f of c.files ?? [])
        got += `--- sha256 ${f}: ${createHash('sha256')
          .update(readFileSync(join(out, f)))
          .digest('hex')}\n`;
      const file = join(FIXTURES, `${c.name}.txt`);
      if (process.env['FAULTLINE_UPDATE_PINNED'] === '1') writeFileSync(file, got);
      expect(got).toBe(readFileSync(file, 'utf8'));
    });
  }
});
