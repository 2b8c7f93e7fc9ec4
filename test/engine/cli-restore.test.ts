/** faultline recovery-points and restore on a real disk: a log and a store, and the exit status of a target outside the log. */
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { backup, Wal } from '../../src/engine/index.js';
import { openStore } from '../../src/store/index.js';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import { runFaultline } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmpdir.js';
import { dec, enc } from './support.js';

it('recovery-points lists the points; restore --to-lsn writes the log up to there; a target past the log is usage (2)', async () => {
  const { dir, cleanup } = await makeTempDir();
  try {
    const fs = new NodeFileSystem(dir);
    const wal = await Wal.open({ fs, clock: new RealClock(), dir: 'log' }, { segmentSize: 4096 });
    for (let i = 1; i <= 30; i++) await wal.append(enc(`r${i}-${'x'.repeat(200)}`));
    await wal.close();
    const points = await runFaultline(['recovery-points', join(dir, 'log')]);
    expect(points.code).toBe(0);
    expect(points.stdout).toContain('restore to any LSN from 1 to 30');
    const r = await runFaultline(['restore', join(dir, 'log'), '--to-lsn', '12', '--out', join(dir, 'at12')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('up to LSN 12 (target 12)');
    const back = await Wal.open({ fs, clock: new RealClock(), dir: 'at12' }, { segmentSize: 4096 });
    expect(back.recovered.map((x) => dec(x.data).split('-')[0])).toEqual(Array.from({ length: 12 }, (_, i) => `r${i + 1}`));
    await back.close();
    const past = await runFaultline(['restore', join(dir, 'log'), '--to-lsn', '99', '--out', join(dir, 'nope')]);
    expect(past.code).toBe(2);
    expect(past.stderr).toContain('after the newest record 30');

    const store = await openStore({ fs, clock: new RealClock(), dir: 'db' });
    let mid = 0;
    for (let i = 0; i < 6; i++) {
      await store.transaction(async (tx) => tx.put('n', enc(String(i))));
      if (i === 2) mid = store.stats().appliedLsn;
    }
    await store.close();
    const s = await runFaultline(['restore', join(dir, 'db'), '--store', '--to-lsn', String(mid), '--out', join(dir, 'db-at-mid')]);
    expect(s.code).toBe(0);
    const restored = await openStore({ fs, clock: new RealClock(), dir: 'db-at-mid' });
    expect(dec((await restored.get('n')) ?? enc('?'))).toBe('2');
    await restored.close();
  } finally {
    await cleanup();
  }
}, 60_000);

/** A real clock whose wall time the test sets: commits get the times the test names, on a real disk. */
class SetWallClock extends RealClock {
  wall = Date.parse('2026-06-01T12:00:00Z');
  override wallNow(): number {
    return this.wall;
  }
}

it('restore --to-time: a log and a store written with timestamps restore to a time; bad times and logs without them are usage (2)', async () => {
  const { dir, cleanup } = await makeTempDir();
  try {
    const fs = new NodeFileSystem(dir);
    const clock = new SetWallClock();
    const wal = await Wal.open({ fs, clock, dir: 'log' }, { segmentSize: 4096, timestamps: true });
    for (let i = 1; i <= 20; i++) {
      clock.wall = Date.parse('2026-06-01T12:00:00Z') + i * 60_000; // record i at 12:0i
      await wal.append(enc(`r${i}-${'x'.repeat(200)}`));
    }
    await wal.close();
    const points = await runFaultline(['recovery-points', join(dir, 'log')]);
    expect(points.code).toBe(0);
    expect(points.stdout).toContain('restore to any time from 2026-06-01T12:01:00.000Z to 2026-06-01T12:20:00.000Z');
    expect(points.stdout).toMatch(/committed 2026-06-01T12:01:00.000Z\.\.2026-06-01T12:\d\d:00.000Z/);
    // 14:07:30 at +02:00 is 12:07:30Z: records 1..7.
    const r = await runFaultline(['restore', join(dir, 'log'), '--to-time', '2026-06-01T14:07:30+02:00', '--out', join(dir, 'at7')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('up to LSN 7 (target 2026-06-01T12:07:30.000Z; last commit 2026-06-01T12:07:00.000Z)');
    const back = await Wal.open({ fs, clock, dir: 'at7' }, { segmentSize: 4096 });
    expect(back.recovered.map((x) => dec(x.data).split('-')[0])).toEqual(Array.from({ length: 7 }, (_, i) => `r${i + 1}`));
    await back.close();
    for (const [args, message] of [
      [['--to-time', '2026-06-01T12:07:30'], 'with a zone'],
      [['--to-time', '2026-02-30T12:00:00Z'], 'does not exist'],
      [['--to-time', '2026-06-01T11:00:00Z'], 'before the oldest commit time'],
      [['--to-time', '2026-06-01T13:00:00Z'], 'after the newest commit time'],
      [['--to-time', '2026-06-01T12:05:00Z', '--to-lsn', '3'], 'cannot be used with'],
      [[], 'needs a target'],
    ] as const) {
      const bad = await runFaultline(['restore', join(dir, 'log'), ...args, '--out', join(dir, 'nope')]);
      expect(bad.code, args.join(' ')).toBe(2);
      expect(bad.stderr).toContain(message);
    }

    const plain = await Wal.open({ fs, clock, dir: 'plain' }, { segmentSize: 4096 });
    await plain.append(enc('x'));
    await plain.close();
    const none = await runFaultline(['restore', join(dir, 'plain'), '--to-time', '2026-06-01T12:00:00Z', '--out', join(dir, 'nope')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('without timestamps');

    const store = await openStore({ fs, clock, dir: 'db' }, { wal: { timestamps: true } });
    for (let i = 0; i < 6; i++) {
      clock.wall = Date.parse('2026-06-01T13:00:00Z') + i * 1000;
      await store.transaction(async (tx) => tx.put('n', enc(String(i))));
    }
    await store.close();
    const s = await runFaultline([
      'restore',
      join(dir, 'db'),
      '--store',
      '--to-time',
      '2026-06-01T13:00:02.500Z',
      '--out',
      join(dir, 'db-at'),
    ]);
    expect(s.stderr).toBe('');
    expect(s.code).toBe(0);
    const restored = await openStore({ fs, clock, dir: 'db-at' });
    expect(dec((await restored.get('n')) ?? enc('?'))).toBe('2');
    await restored.close();
  } finally {
    await cleanup();
  }
}, 60_000);

it('restore --archive: a backup read with the segments archived after it restores past the backup; --store with --archive is usage (2)', async () => {
  const { dir, cleanup } = await makeTempDir();
  try {
    const fs = new NodeFileSystem(dir);
    const wal = await Wal.open({ fs, clock: new RealClock(), dir: 'log' }, { segmentSize: 4096, preallocate: false });
    for (let i = 1; i <= 10; i++) await wal.append(enc(`r${i}-${'x'.repeat(400)}`));
    await backup(wal, fs, 'backup');
    for (let i = 11; i <= 40; i++) await wal.append(enc(`r${i}-${'x'.repeat(400)}`));
    await wal.close();
    // The operator's archive: every segment but the active one, copied after they were sealed.
    const names = (await readdir(join(dir, 'log'))).filter((n) => n.endsWith('.log')).sort();
    await mkdir(join(dir, 'archive'));
    for (const n of names.slice(0, -1)) await copyFile(join(dir, 'log', n), join(dir, 'archive', n));
    const points = await runFaultline(['recovery-points', join(dir, 'backup'), '--archive', join(dir, 'archive'), '--json']);
    expect(points.code).toBe(0);
    const newest = (JSON.parse(points.stdout) as { newest: number }).newest;
    expect(newest).toBeGreaterThan(10);
    const r = await runFaultline([
      'restore',
      join(dir, 'backup'),
      '--archive',
      join(dir, 'archive'),
      '--to-lsn',
      String(newest),
      '--out',
      join(dir, 'r'),
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const back = await Wal.open({ fs, clock: new RealClock(), dir: 'r' }, { segmentSize: 4096 });
    expect(back.recovered.length).toBe(newest);
    await back.close();
    const bad = await runFaultline([
      'restore',
      join(dir, 'backup'),
      '--store',
      '--archive',
      join(dir, 'archive'),
      '--to-lsn',
      '3',
      '--out',
      join(dir, 'nope'),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--archive is not offered with --store');
  } finally {
    await cleanup();
  }
}, 60_000);
