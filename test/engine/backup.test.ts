/**
 * Hot backup: a consistent copy of a live log. On an in-memory disk: what a
 * backup holds, verify and restore, bad input. On the simulator: a backup
 * running beside appends and truncatePrefix, cut by a power failure after
 * every operation of the disk: whenever the manifest is durable, the backup
 * verifies and restores every record acknowledged before it began; before
 * that, a restore refuses it.
 */
import { describe, expect, it } from 'vitest';
import { backup, restoreBackup, verifyBackup, Wal, type WalOptions } from '../../src/engine/index.js';
import { createSimWorld, type DiskImage } from '../../src/sim/index.js';
import { Rng } from '../../src/rng.js';
import type { FileSystem } from '../../src/ports.js';
import { MemfsFileSystem } from '../helpers/memfs-file-system.js';
import { memEnv } from './support.js';

const hostYield = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const payload = (i: number): Uint8Array => new Uint8Array(300).fill(i % 251);
const OPTIONS: WalOptions = { segmentSize: 4096, preallocate: true };

async function flip(fs: FileSystem, path: string, at: number): Promise<void> {
  const h = await fs.open(path, 'r+');
  const b = new Uint8Array(1);
  await h.read(b, at);
  b[0] = (b[0] ?? 0) ^ 0x10;
  await h.write(b, at);
  await h.close();
}

describe('backup (in memory)', () => {
  it('copies sealed segments and the active one; verify and restore give back every record; zero fill is not copied', async () => {
    const src = memEnv();
    const wal = await Wal.open(src, OPTIONS);
    for (let i = 1; i <= 40; i++) await wal.append(payload(i));
    const dest = new MemfsFileSystem();
    const manifest = await backup(wal, dest, '/backup');
    expect(manifest.durableThrough).toBe(40);
    expect(manifest.segments.length).toBe(wal.stats().segments);
    expect(manifest.logId).toBe(wal.logId);
    // The active segment is preallocated to 4096 bytes, the copy holds only what was written.
    expect(manifest.segments.at(-1)?.bytes).toBeLessThan(4096);
    await wal.append(payload(41)); // the log goes on
    await wal.close();
    await expect(verifyBackup(dest, '/backup')).resolves.toEqual(manifest);
    const out = new MemfsFileSystem();
    await restoreBackup(dest, '/backup', out, '/restored');
    const restored = await Wal.open({ fs: out, clock: src.clock, dir: '/restored' }, OPTIONS);
    expect(restored.recovered.map((r) => r.lsn)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    for (const r of restored.recovered) expect(r.data).toEqual(payload(r.lsn));
    await restored.close();
  });

  it('a record whose payload ends in zero bytes survives the copy of a sealed segment (the copy ends where the records end, not at the last non-zero byte)', async () => {
    const src = memEnv();
    const wal = await Wal.open(src, OPTIONS);
    // Payloads that end in zeros fill several segments, so every sealed segment's last record ends in zeros.
    for (let i = 1; i <= 40; i++) {
      const p = new Uint8Array(300);
      p.fill(i, 0, 100);
      await wal.append(p);
    }
    expect(wal.stats().segments).toBeGreaterThan(2);
    const dest = new MemfsFileSystem();
    await backup(wal, dest, '/backup');
    await wal.close();
    const out = new MemfsFileSystem();
    await restoreBackup(dest, '/backup', out, '/restored');
    const restored = await Wal.open({ fs: out, clock: src.clock, dir: '/restored' }, OPTIONS);
    expect(restored.report.corruption).toEqual([]);
    expect(restored.recovered.map((r) => r.lsn)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    await restored.close();
  });

  it('refuses a destination that is not empty, a damaged manifest, a damaged or missing file, and an unfinished backup', async () => {
    const wal = await Wal.open(memEnv(), OPTIONS);
    for (let i = 1; i <= 20; i++) await wal.append(payload(i));
    const busy = new MemfsFileSystem();
    await busy.mkdir('/d', { recursive: true });
    await (await busy.open('/d/other', 'w+')).close();
    await expect(backup(wal, busy, '/d')).rejects.toMatchObject({ code: 'EINVAL' });

    const dest = new MemfsFileSystem();
    const m = await backup(wal, dest, '/b');
    await wal.close();
    await flip(dest, '/b/backup-manifest.json', 20);
    await expect(verifyBackup(dest, '/b')).rejects.toMatchObject({ code: 'ECORRUPT' });
    await flip(dest, '/b/backup-manifest.json', 20);
    await verifyBackup(dest, '/b');
    const first = m.segments[0]?.name ?? '';
    await flip(dest, `/b/${first}`, 100);
    await expect(restoreBackup(dest, '/b', new MemfsFileSystem(), '/r')).rejects.toMatchObject({ code: 'ECORRUPT' });
    await flip(dest, `/b/${first}`, 100);
    await dest.unlink('/b/backup-manifest.json');
    await expect(verifyBackup(dest, '/b')).rejects.toMatchObject({ code: 'ECORRUPT' });
  });
});

describe('backup under power failures (simulator)', () => {
  /** One run: 30 acknowledged appends, then a backup beside 10 more appends and a truncatePrefix; stops after `stopAfter` disk operations of the backup phase (undefined: runs to the end). */
  async function run(stopAfter: number | undefined): Promise<{ operations: number; image: DiskImage }> {
    const world = createSimWorld({ seed: 'hot-backup', hostYield });
    const env = { fs: world.fs, clock: world.clock, dir: '/wal' };
    const wal = await world.scheduler.run(Wal.open(env, OPTIONS));
    for (let i = 1; i <= 30; i++) await world.scheduler.run(wal.append(payload(i)));
    const start = world.fs.operations;
    const more = Array.from({ length: 10 }, (_, k) => wal.append(payload(31 + k)));
    const truncate = wal.truncatePrefix(12);
    const copy = backup(wal, world.fs, '/backup');
    for (const p of [...more, truncate, copy]) (p as Promise<unknown>).catch(() => undefined);
    const all = Promise.allSettled([...more, truncate, copy]);
    if (stopAfter === undefined) {
      await world.scheduler.run(all);
      const outcome = await copy;
      expect(outcome.durableThrough).toBeGreaterThanOrEqual(30);
      return { operations: world.fs.operations - start, image: world.fs.crash(new Rng('end')) };
    }
    const reached = new Promise<void>((resolve) => {
      const tick = (): void => (world.fs.operations - start >= stopAfter ? resolve() : void setImmediate(tick));
      tick();
    });
    await world.scheduler.run(Promise.race([reached, all]));
    return { operations: world.fs.operations - start, image: world.fs.crash(new Rng(`cut-${stopAfter}`)) };
  }

  it('after a cut at any operation: a durable manifest means a backup that verifies and restores every record acknowledged before it began', async () => {
    const full = await run(undefined);
    expect(full.operations).toBeGreaterThan(10);
    let complete = 0;
    let unfinished = 0;
    for (let k = 0; k <= full.operations; k++) {
      const { image } = await run(k);
      const w = createSimWorld({ seed: `after-${k}`, hostYield, image });
      const hasManifest = await w.scheduler.run(
        w.fs.readdir('/backup').then(
          (names) => names.includes('backup-manifest.json'),
          () => false,
        ),
      );
      if (!hasManifest) {
        unfinished += 1;
        await expect(w.scheduler.run(verifyBackup(w.fs, '/backup'))).rejects.toMatchObject({ code: 'ECORRUPT' });
        continue;
      }
      complete += 1;
      await w.scheduler.run(restoreBackup(w.fs, '/backup', w.fs, '/restored'));
      const restored = await w.scheduler.run(Wal.open({ fs: w.fs, clock: w.clock, dir: '/restored' }, OPTIONS));
      const lsns = restored.recovered.map((r) => r.lsn);
      // Every record acknowledged before the backup began (1..30) is there; truncatePrefix may have released some below 12.
      for (let l = 12; l <= 30; l++) expect(lsns).toContain(l);
      for (const r of restored.recovered) expect(r.data).toEqual(payload(r.lsn));
      expect(lsns).toEqual([...lsns].sort((a, b) => a - b));
      await w.scheduler.run(restored.close());
    }
    expect(complete).toBeGreaterThan(0);
    expect(unfinished).toBeGreaterThan(0);
  }, 120_000);
});
