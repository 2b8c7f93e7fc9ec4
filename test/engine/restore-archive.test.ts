/**
 * Restore from a backup plus segments archived after it (segment-union.ts):
 * the union reaches every record of the whole chain, at every target; a
 * segment missing from the middle stops it there; a copy that differs from
 * the backup's, or a segment of another log, is refused or stopped at,
 * never mixed in.
 */
import { describe, expect, it } from 'vitest';
import { backup, segmentUnion, Wal, type WalOptions } from '../../src/engine/index.js';
import { recoveryPoints, restoreToLsn } from '../../src/engine/restore.js';
import type { FileSystem } from '../../src/ports.js';
import { MemfsFileSystem } from '../helpers/memfs-file-system.js';
import { dec, enc, memEnv } from './support.js';

const now = (): number => 0;
const OPTIONS: WalOptions = { segmentSize: 4096, preallocate: false };

async function copyInto(from: FileSystem, path: string, to: FileSystem, dest: string): Promise<void> {
  const f = await from.open(path, 'r');
  const buf = new Uint8Array((await f.stat()).size);
  await f.read(buf, 0);
  await f.close();
  const h = await to.open(dest, 'w+');
  await h.write(buf, 0);
  await h.close();
}

/** A log backed up after 20 records, then 40 more appended; the sealed segments archived, the oldest released from the log. */
async function scenario(): Promise<{ fs: MemfsFileSystem; sealed: string[]; last: number; mid: number }> {
  const fs = new MemfsFileSystem();
  const env = memEnv(fs, undefined, '/live');
  const wal = await Wal.open(env, OPTIONS);
  for (let i = 1; i <= 20; i++) await wal.append(enc(`r${i}-${'x'.repeat(400)}`));
  await backup(wal, fs, '/backup');
  for (let i = 21; i <= 60; i++) await wal.append(enc(`r${i}-${'x'.repeat(400)}`));
  const names = (await fs.readdir('/live')).filter((n) => n.endsWith('.log')).sort();
  const sealed = names.slice(0, -1);
  await fs.mkdir('/archive');
  for (const n of sealed) await copyInto(fs, `/live/${n}`, fs, `/archive/${n}`);
  await wal.truncatePrefix(30);
  await wal.close();
  const lastSealed = (await recoveryPoints(await segmentUnion([{ fs, dir: '/archive' }]), '.', now)).newest ?? 0;
  return { fs, sealed, last: lastSealed, mid: 20 };
}

describe('restore from a backup plus archived segments', () => {
  it('reaches every record of the chain, at every target, and the result opens and appends', async () => {
    const { fs, sealed, last } = await scenario();
    expect(sealed.length).toBeGreaterThan(3);
    const union = await segmentUnion([
      { fs, dir: '/backup' },
      { fs, dir: '/archive' },
    ]);
    const points = await recoveryPoints(union, '.', now);
    expect(points.oldest).toBe(1);
    expect(points.newest).toBe(last);
    expect(last).toBeGreaterThan(20); // past what the backup alone holds
    const alone = await recoveryPoints(fs, '/backup', now);
    expect(alone.newest).toBe(20);
    for (let target = 1; target <= last; target += 7) {
      const out = new MemfsFileSystem();
      const r = await restoreToLsn(union, '.', out, '/r', target, now);
      expect(r.lsn).toBe(target);
      const back = await Wal.open({ fs: out, clock: memEnv().clock, dir: '/r' }, OPTIONS);
      expect(back.recovered.map((x) => dec(x.data).split('-')[0])).toEqual(Array.from({ length: target }, (_, i) => `r${i + 1}`));
      expect(await back.append(enc('next'))).toBe(target + 1);
      await back.close();
    }
    await expect(restoreToLsn(union, '.', new MemfsFileSystem(), '/r', last + 1, now)).rejects.toMatchObject({ code: 'EINVAL' });
  });

  it('a segment missing from the archive stops the chain there', async () => {
    const { fs, sealed } = await scenario();
    const missing = sealed[Math.floor(sealed.length / 2) + 1] ?? '';
    await fs.unlink(`/archive/${missing}`);
    const union = await segmentUnion([
      { fs, dir: '/backup' },
      { fs, dir: '/archive' },
    ]);
    const points = await recoveryPoints(union, '.', now);
    const before = sealed.slice(0, sealed.indexOf(missing)).at(-1) ?? '';
    const stop = points.segments.find((s) => s.name === before)?.lastLsn ?? 0;
    expect(points.newest).toBe(stop);
    expect(points.segments.map((s) => s.name)).not.toContain(missing);
  });

  it('a copy that differs from the backup is refused; a segment of another log is stopped at', async () => {
    const { fs, sealed } = await scenario();
    const first = sealed[0] ?? '';
    const h = await fs.open(`/archive/${first}`, 'r+');
    await h.write(enc('Z'), 100);
    await h.close();
    await expect(
      segmentUnion([
        { fs, dir: '/backup' },
        { fs, dir: '/archive' },
      ]),
    ).rejects.toMatchObject({ code: 'ECORRUPT', message: expect.stringContaining(first) });

    // Another log's segment under the next name after the backup: recovery reads it as damage and the chain ends before it.
    const other = await scenario();
    const foreign = new MemfsFileSystem();
    const fenv = memEnv(foreign, undefined, '/other');
    const w = await Wal.open(fenv, OPTIONS);
    for (let i = 1; i <= 60; i++) await w.append(enc(`o${i}-${'y'.repeat(400)}`));
    await w.close();
    const target = other.sealed.at(-2) ?? '';
    await copyInto(foreign, `/other/${target}`, other.fs, `/archive/${target}`);
    const union = await segmentUnion([
      { fs: other.fs, dir: '/backup' },
      { fs: other.fs, dir: '/archive' },
    ]);
    const points = await recoveryPoints(union, '.', now);
    expect(points.segments.map((s) => s.name)).not.toContain(target);
    expect(points.newest ?? 0).toBeLessThan(other.last);
  });

  it('the union is read-only', async () => {
    const { fs } = await scenario();
    const union = await segmentUnion([{ fs, dir: '/backup' }]);
    const name = (await union.readdir('.'))[0] ?? '';
    await expect(union.open(name, 'r+')).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(union.unlink(name)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(union.open('wal-9999999999999999.log', 'r')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
