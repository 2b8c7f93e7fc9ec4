/**
 * `faultline verify` and `dump` on compressed logs (frames shown and checked),
 * on a directory with no segment (its own outcome, exit 2, not "OK"), and the
 * error line of an unreadable directory (the code printed once).
 */
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Wal } from '../../src/engine/index.js';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import { runFaultline } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmpdir.js';
import { enc } from './support.js';

const event = (i: number): string => JSON.stringify({ event: 'view', id: i, page: '/catalogue/shoes/red', user: `user-${i % 9}` });

async function compressedLog(dir: string): Promise<string> {
  const wal = await Wal.open(
    { fs: new NodeFileSystem(dir), clock: new RealClock(), dir: 'log' },
    { segmentSize: 64 * 1024, compression: 'lz4', durability: { kind: 'groupCommit' } },
  );
  await Promise.all(Array.from({ length: 40 }, (_, i) => wal.append(enc(event(i + 1)))));
  await Promise.all(Array.from({ length: 40 }, (_, i) => wal.append(enc(event(i + 41)))));
  await wal.close();
  return join(dir, 'log');
}

describe('faultline verify and dump on compressed logs', () => {
  it('dump shows each frame; verify checks them, and a flipped frame byte before synced data is corruption', async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const logDir = await compressedLog(dir);
      const dump = await runFaultline(['dump', logDir, '--json']);
      expect(dump.code, dump.stderr).toBe(0);
      const parsed = JSON.parse(dump.stdout) as {
        segments: { formatVersion: number }[];
        frames: { offset: number; firstLsn: number; records: number; codec: string; storedBytes: number; contentBytes: number }[];
        records: { lsn: number; base64: string }[];
      };
      expect(parsed.segments[0]?.formatVersion).toBe(2);
      expect(parsed.frames.length).toBeGreaterThanOrEqual(2);
      expect(parsed.frames.every((f) => f.codec === 'lz4' && f.storedBytes < f.contentBytes)).toBe(true);
      expect(parsed.records.map((r) => Buffer.from(r.base64, 'base64').toString())).toEqual(
        Array.from({ length: 80 }, (_, i) => event(i + 1)),
      );
      const text = await runFaultline(['dump', logDir]);
      expect(text.stdout).toMatch(/format v2/);
      expect(text.stdout).toMatch(
        /frame wal-0000000000000001\.log offset \d+: LSN \d+\.\.\d+ \(\d+ records\), lz4 \d+ B stored for \d+ B, ratio \d+\.\d\d/,
      );

      const ok = await runFaultline(['verify', logDir]);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/compressed frames \d+ \(lz4, \d+ records, each decompressed and checked\)/);
      expect(ok.stdout.trim().endsWith('OK')).toBe(true);

      // A byte inside the first frame's stored bytes: the later frames were synced after it.
      const first = parsed.frames[0];
      if (first === undefined) throw new Error('no frame');
      const fh = await open(join(logDir, 'wal-0000000000000001.log'), 'r+');
      const at = first.offset + 36 + 5;
      const b = Buffer.alloc(1);
      await fh.read(b, 0, 1, at);
      b[0] = (b[0] as number) ^ 0x01;
      await fh.write(b, 0, 1, at);
      await fh.close();
      const bad = await runFaultline(['verify', logDir]);
      expect(bad.code).toBe(1);
      expect(bad.stdout).toContain(
        `CORRUPTION: wal-0000000000000001.log offset ${first.offset} (LSN ${first.firstLsn}): frame checksum mismatch`,
      );
    } finally {
      await cleanup();
    }
  }, 60_000);

  it('verify on a directory with no segment: its own outcome, exit 2, never OK', async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      await mkdir(join(dir, 'empty'));
      const r = await runFaultline(['verify', join(dir, 'empty')]);
      expect(r.code).toBe(2);
      expect(r.stdout).not.toContain('OK');
      expect(r.stderr).toContain('no segment found in');
      const j = await runFaultline(['verify', join(dir, 'empty'), '--json']);
      expect(j.code).toBe(2);
      expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, outcome: 'no-segment' });
    } finally {
      await cleanup();
    }
  }, 60_000);

  it('verify and dump of a missing directory print the error code once', async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      for (const cmd of ['verify', 'dump']) {
        const r = await runFaultline([cmd, join(dir, 'nope')]);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain(`faultline ${cmd}: cannot read`);
        expect(r.stderr.match(/ENOENT/g)?.length, r.stderr).toBe(1);
      }
    } finally {
      await cleanup();
    }
  }, 60_000);
});
