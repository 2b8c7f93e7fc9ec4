import { describe, expect, it } from 'vitest';
import type { FaultPlan, FaultSpec } from '../../src/faults/index.js';
import { diskImageKey, type DiskImage, type SimWorld } from '../../src/sim/index.js';
import { fileOf, fill, world } from '../sim/helpers.js';

const plan = (...faults: FaultSpec[]): FaultPlan => ({ version: 1, faults });

/** A world whose /f holds `size` bytes of `value`, durable in data and name, with the given faults. */
async function prepared(seed: string, faults: FaultPlan, size = 2048, value = 0): Promise<SimWorld> {
  const w = world(seed, { image: { dirs: [], files: [{ path: '/f', data: fill(size, value) }] }, faults });
  return w;
}

const run = <T>(w: SimWorld, p: Promise<T>): Promise<T> => w.scheduler.run(p);
const faultEvents = (w: SimWorld): string[] => w.trace.lines.filter((l) => l.includes('"ev":"fault"'));

describe('fault injectors', () => {
  it('crash: the nth operation loses power; it and every later call reject ECRASHED; synced state survives', async () => {
    const w = world('crash', { faults: plan({ kind: 'crash', trigger: { nth: 6 } }) });
    const h = await run(w, w.fs.open('f', 'w+')); // 1
    await run(w, h.write(fill(10, 3), 0)); // 2
    await run(w, h.sync()); // 3
    await run(w, w.fs.syncDir('/')); // 4
    await run(w, h.write(fill(10, 4), 0)); // 5
    await expect(run(w, h.sync())).rejects.toMatchObject({ code: 'ECRASHED' }); // 6: crash
    await expect(run(w, w.fs.stat('f'))).rejects.toMatchObject({ code: 'ECRASHED' });
    expect(w.fs.crashed).toBe(true);
    const contents = new Set(w.fs.crashImages(100).images.map((im) => fileOf(im, '/f')?.[0]));
    expect(contents).toEqual(new Set([3, 4])); // the unsynced rewrite may or may not have landed
    expect(faultEvents(w)).toHaveLength(1);
  });

  it('torn-write: a crash keeps only a strict prefix of the write’s sectors', async () => {
    const w = await prepared('torn', plan({ kind: 'torn-write', trigger: { nth: 1 } }));
    const h = await run(w, w.fs.open('f', 'r+'));
    await run(w, h.write(fill(2048, 9), 0)); // four sectors
    const images = w.fs.crashImages(100).images;
    const newSectors = images.map((im) => {
      const d = fileOf(im, '/f') ?? new Uint8Array();
      return [0, 1, 2, 3].map((s) => d[s * 512]).join('');
    });
    expect(new Set(newSectors)).toEqual(new Set(['0000', '9000', '9900', '9990']));
  });

  it('bitflip: a durable bit flips on the medium, reads see it, and the crash image keeps it', async () => {
    const w = await prepared('flip', plan({ kind: 'bitflip', trigger: { phase: 'recovery', path: '^f$', nth: 1 } }), 64, 0);
    w.fs.setPhase('recovery');
    const h = await run(w, w.fs.open('f', 'r'));
    const buf = new Uint8Array(64);
    await run(w, h.read(buf, 0));
    const ones = (a: Uint8Array): number => a.reduce((n, b) => n + (b.toString(2).match(/1/g) ?? []).length, 0);
    expect(ones(buf)).toBe(1);
    const images = w.fs.crashImages(10).images;
    expect(images).toHaveLength(1);
    expect(Array.from(fileOf(images[0] as DiskImage, '/f') ?? [])).toEqual(Array.from(buf));
  });

  it('lying-fsync: sync resolves but the data stays pending, so a crash can lose it', async () => {
    for (const lie of [false, true]) {
      const w = await prepared(`lie-${lie}`, lie ? plan({ kind: 'lying-fsync' }) : plan(), 512, 1);
      const h = await run(w, w.fs.open('f', 'r+'));
      await run(w, h.write(fill(512, 2), 0));
      await run(w, h.datasync());
      const contents = new Set(w.fs.crashImages(100).images.map((im) => fileOf(im, '/f')?.[0]));
      expect(contents).toEqual(lie ? new Set([1, 2]) : new Set([2]));
    }
  });

  it('lying-fsync on syncDir: the create stays pending, so a crash can lose the name', async () => {
    const w = world('lie-dir', { faults: plan({ kind: 'lying-fsync', trigger: { path: '^/$' } }) });
    const h = await run(w, w.fs.open('g', 'w+'));
    await run(w, h.write(fill(3, 1), 0));
    await run(w, h.sync());
    await run(w, w.fs.syncDir('/'));
    const present = new Set(w.fs.crashImages(100).images.map((im) => fileOf(im, '/g') !== undefined));
    expect(present).toEqual(new Set([true, false]));
  });

  it('fsync-error: sync rejects EIO and drops the dirty data; reads still see it, a later sync succeeds, and it never lands', async () => {
    const w = await prepared('fsyncgate', plan({ kind: 'fsync-error', trigger: { nth: 1 } }), 512, 1);
    const h = await run(w, w.fs.open('f', 'r+'));
    await run(w, h.write(fill(512, 2), 0));
    await expect(run(w, h.datasync())).rejects.toMatchObject({ code: 'EIO', syscall: 'fdatasync' });
    const buf = new Uint8Array(1);
    await run(w, h.read(buf, 0));
    expect(buf[0]).toBe(2);
    await run(w, h.sync()); // succeeds: nothing dirty any more
    const images = w.fs.crashImages(100).images;
    expect(images.map((im) => fileOf(im, '/f')?.[0])).toEqual([1]);
  });

  it('disk-full (transient): write rejects ENOSPC after a strict prefix reached the page cache', async () => {
    const w = world('enospc', { faults: plan({ kind: 'disk-full', trigger: { nth: 1 } }) });
    const h = await run(w, w.fs.open('f', 'w+'));
    await expect(run(w, h.write(fill(1000, 5), 0))).rejects.toMatchObject({ code: 'ENOSPC' });
    const size = (await run(w, h.stat())).size;
    expect(size).toBeLessThan(1000);
    await run(w, h.write(fill(10, 6), 0)); // the disk works again
    const images = w.fs.crashImages(1000).images;
    for (const im of images) expect((fileOf(im, '/f') ?? new Uint8Array()).length).toBeLessThanOrEqual(Math.max(size, 10));
  });

  it('disk-full (capacity): writes fail once content would exceed the capacity, keeping what fits; freed space returns', async () => {
    const w = world('capacity', { faults: plan({ kind: 'disk-full', capacityBytes: 1000 }) });
    const h = await run(w, w.fs.open('f', 'w+'));
    await run(w, h.write(fill(800, 1), 0));
    await expect(run(w, h.write(fill(400, 2), 800))).rejects.toMatchObject({ code: 'ENOSPC' });
    expect((await run(w, h.stat())).size).toBe(1000);
    await run(w, h.write(fill(100, 3), 0)); // overwriting inside the file needs no space
    await expect(run(w, h.truncate(2000))).rejects.toMatchObject({ code: 'ENOSPC' });
    await run(w, h.truncate(0));
    await run(w, h.write(fill(900, 4), 0));
    expect((await run(w, h.stat())).size).toBe(900);
  });

  it('read-error: read rejects EIO (bounded by maxTimes), the medium is untouched', async () => {
    const w = await prepared('eio', plan({ kind: 'read-error', trigger: { maxTimes: 1 } }), 16, 7);
    const h = await run(w, w.fs.open('f', 'r'));
    await expect(run(w, h.read(new Uint8Array(16), 0))).rejects.toMatchObject({ code: 'EIO', syscall: 'read' });
    const buf = new Uint8Array(16);
    expect(await run(w, h.read(buf, 0))).toBe(16);
    expect(Array.from(buf)).toEqual(Array.from(fill(16, 7)));
  });

  it('misdirected-write: reads see the data where it was written, the medium got it whole sectors away', async () => {
    const w = await prepared('misdirect', plan({ kind: 'misdirected-write', trigger: { nth: 1 }, maxShiftSectors: 4 }), 4096, 0);
    const h = await run(w, w.fs.open('f', 'r+'));
    await run(w, h.write(fill(512, 0xcc), 1024));
    await run(w, h.sync());
    const buf = new Uint8Array(512);
    await run(w, h.read(buf, 1024));
    expect(buf.every((b) => b === 0xcc)).toBe(true);
    const images = w.fs.crashImages(10).images;
    expect(images).toHaveLength(1);
    const d = fileOf(images[0] as DiskImage, '/f') ?? new Uint8Array();
    expect(d.subarray(1024, 1536).every((b) => b === 0)).toBe(true);
    const landed = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].filter((s) => d[s * 512] === 0xcc);
    expect(landed).toHaveLength(1);
    expect(landed[0]).not.toBe(2);
  });

  it('latency: a spike delays the operation in virtual time', async () => {
    const w = world('latency', { faults: plan({ kind: 'latency', ms: 250, trigger: { nth: 2 } }) });
    await run(w, w.fs.stat('.'));
    expect(w.clock.now()).toBe(0);
    await run(w, w.fs.stat('.'));
    expect(w.clock.now()).toBe(250);
  });

  it('no plan, no faults: the same operations leave one image', async () => {
    const w = await prepared('none', plan(), 512, 1);
    const h = await run(w, w.fs.open('f', 'r+'));
    await run(w, h.write(fill(512, 2), 0));
    await run(w, h.sync());
    expect(w.fs.crashImages(10).images.map(diskImageKey)).toHaveLength(1);
    expect(faultEvents(w)).toHaveLength(0);
  });
});
