/**
 * Point-in-time restore by LSN: the restored log holds exactly the source's
 * records up to the newest restore point at or below the target (whole
 * transactions, whole compressed frames), keeps every LSN, opens and appends,
 * and the source is never touched. A store restores its snapshot with the log.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Wal, type WalOptions } from '../../src/engine/index.js';
import { recoveryPoints, restoreToLsn } from '../../src/engine/restore.js';
import { openStore } from '../../src/store/index.js';
import { restoreStoreToLsn } from '../../src/store/restore-store.js';
import type { FileSystem } from '../../src/ports.js';
import { MemfsFileSystem } from '../helpers/memfs-file-system.js';
import { dec, enc, memEnv } from './support.js';

const now = (): number => 0;
const OPTIONS: WalOptions = { transactions: true, segmentSize: 4096, preallocate: false };

async function digest(fs: FileSystem, dir: string): Promise<string> {
  const h = createHash('sha256');
  for (const name of (await fs.readdir(dir)).sort()) {
    const f = await fs.open(`${dir}/${name}`, 'r');
    const size = (await f.stat()).size;
    const buf = new Uint8Array(size);
    await f.read(buf, 0);
    await f.close();
    h.update(name).update(buf);
  }
  return h.digest('hex');
}

describe('restoreToLsn', () => {
  it('restores exactly the records and whole transactions up to the target, for every target, keeping LSNs; the source is untouched', async () => {
    const src = memEnv();
    const wal = await Wal.open(src, OPTIONS);
    const units: { last: number; lsns: number[] }[] = []; // each plain record or transaction, with its LSNs
    for (let i = 0; i < 30; i++) {
      if (i % 3 === 0) {
        const lsn = await wal.appendTransaction([enc(`t${i}a`), enc(`t${i}b`)]);
        units.push({ last: lsn, lsns: [lsn - 2, lsn - 1] });
      } else {
        const lsn = await wal.append(enc(`p${i}-${'x'.repeat(200)}`));
        units.push({ last: lsn, lsns: [lsn] });
      }
    }
    await wal.close();
    const before = await digest(src.fs, src.dir);
    const lastLsn = units.at(-1)?.last ?? 0;
    const points = await recoveryPoints(src.fs, src.dir, now);
    expect(points.oldest).toBe(units[0]?.last);
    expect(points.newest).toBe(lastLsn);
    expect(points.segments.length).toBeGreaterThan(1);
    for (let target = units[0]?.last ?? 1; target <= lastLsn; target++) {
      const out = new MemfsFileSystem();
      const r = await restoreToLsn(src.fs, src.dir, out, '/restored', target, now);
      const expected = units.filter((u) => u.last <= target).flatMap((u) => u.lsns);
      expect(r.lsn).toBe(units.filter((u) => u.last <= target).at(-1)?.last);
      const restored = await Wal.open({ fs: out, clock: src.clock, dir: '/restored' }, OPTIONS);
      expect(restored.recovered.map((x) => x.lsn)).toEqual(expected);
      expect(restored.report.corruption).toEqual([]);
      expect(await restored.append(enc('after'))).toBe(r.lsn + 1);
      await restored.close();
    }
    expect(await digest(src.fs, src.dir)).toBe(before);
  });

  it('with compression, a restore point never splits a frame: whatever is restored is a prefix of whole frames and records', async () => {
    const src = memEnv();
    const wal = await Wal.open(src, { ...OPTIONS, compression: 'lz4', segmentSize: 64 * 1024 });
    const text = enc('y'.repeat(600));
    for (let round = 0; round < 6; round++) await Promise.all(Array.from({ length: 6 }, () => wal.append(text)));
    expect(wal.stats().compressedFrames).toBeGreaterThan(0);
    await wal.close();
    const all = (await Wal.open({ ...src }, { ...OPTIONS, compression: 'lz4', segmentSize: 64 * 1024 })).recovered.map((x) => x.lsn);
    for (const target of [1, 7, 13, 20, 36]) {
      const out = new MemfsFileSystem();
      const r = await restoreToLsn(src.fs, src.dir, out, '/r', target, now);
      expect(r.lsn).toBeLessThanOrEqual(target);
      const restored = await Wal.open({ fs: out, clock: src.clock, dir: '/r' }, { ...OPTIONS, compression: 'lz4', segmentSize: 64 * 1024 });
      const got = restored.recovered.map((x) => x.lsn);
      expect(got).toEqual(all.slice(0, got.length));
      expect(got.at(-1)).toBe(r.lsn);
      await restored.close();
    }
  });

  it('refuses a target before the oldest point or after the newest record, and a destination that is not empty', async () => {
    const src = memEnv();
    const wal = await Wal.open(src, { segmentSize: 4096, preallocate: false });
    for (let i = 0; i < 40; i++) await wal.append(new Uint8Array(200).fill(i));
    await wal.truncatePrefix(30);
    await wal.close();
    const points = await recoveryPoints(src.fs, src.dir, now);
    expect(points.oldest).toBeGreaterThan(1);
    await expect(restoreToLsn(src.fs, src.dir, new MemfsFileSystem(), '/r', 1, now)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(restoreToLsn(src.fs, src.dir, new MemfsFileSystem(), '/r', 41, now)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(restoreToLsn(src.fs, src.dir, new MemfsFileSystem(), '/r', 0, now)).rejects.toMatchObject({ code: 'EINVAL' });
    const busy = new MemfsFileSystem();
    await busy.mkdir('/r', { recursive: true });
    await (await busy.open('/r/x', 'w+')).close();
    await expect(restoreToLsn(src.fs, src.dir, busy, '/r', 35, now)).rejects.toMatchObject({ code: 'EINVAL' });
  });
});

describe('restoreStoreToLsn', () => {
  it('restores the state as of each commit after the snapshot; before a released snapshot it refuses', async () => {
    const fs = new MemfsFileSystem();
    const env = { fs, clock: memEnv().clock, dir: '/store' };
    const store = await openStore(env, { wal: { segmentSize: 4096, preallocate: false } });
    const states: { lsn: number; entries: [string, string][] }[] = [];
    for (let i = 0; i < 40; i++) {
      if (i === 25) await store.checkpoint();
      await store.transaction(async (tx) => {
        tx.put(`k${i % 7}`, enc(`v${i}-${'z'.repeat(300)}`));
      });
      states.push({ lsn: store.stats().appliedLsn, entries: (await store.entries()).map(([k, v]) => [k, dec(v)]) });
    }
    await store.close();
    for (const s of states.slice(26)) {
      const out = new MemfsFileSystem();
      const r = await restoreStoreToLsn(fs, '/store', out, '/restored', s.lsn, () => 0);
      expect(r.lsn).toBe(s.lsn);
      expect(r.snapshotLsn).toBe(states[24]?.lsn);
      const restored = await openStore({ fs: out, clock: env.clock, dir: '/restored' }, { wal: { segmentSize: 4096, preallocate: false } });
      expect((await restored.entries()).map(([k, v]) => [k, dec(v)])).toEqual(s.entries);
      await restored.close();
    }
    await expect(restoreStoreToLsn(fs, '/store', new MemfsFileSystem(), '/r', states[3]?.lsn ?? 1, () => 0)).rejects.toMatchObject({
      code: 'EINVAL',
    });
  });

  it('before the snapshot, while the log still holds every record from LSN 1, the state is rebuilt from the log alone', async () => {
    const fs = new MemfsFileSystem();
    const env = { fs, clock: memEnv().clock, dir: '/store' };
    const options = { wal: { segmentSize: 1 << 20, preallocate: false } };
    const store = await openStore(env, options);
    const states: { lsn: number; entries: [string, string][] }[] = [];
    for (let i = 0; i < 12; i++) {
      if (i === 8) await store.checkpoint(); // one segment: nothing released
      await store.transaction(async (tx) => tx.put(`k${i % 3}`, enc(`v${i}`)));
      states.push({ lsn: store.stats().appliedLsn, entries: (await store.entries()).map(([k, v]) => [k, dec(v)]) });
    }
    await store.close();
    const target = states[4] as { lsn: number; entries: [string, string][] };
    const out = new MemfsFileSystem();
    const r = await restoreStoreToLsn(fs, '/store', out, '/restored', target.lsn, () => 0);
    expect(r.snapshotLsn).toBeUndefined();
    const restored = await openStore({ fs: out, clock: env.clock, dir: '/restored' }, options);
    expect(restored.report.snapshot).toBe('none');
    expect((await restored.entries()).map(([k, v]) => [k, dec(v)])).toEqual(target.entries);
    await restored.close();
  });
});
