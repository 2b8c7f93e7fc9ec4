import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/rng.js';
import { diskImageKey, loadDiskImage, saveDiskImage, type DiskImage, type SimWorld } from '../../src/sim/index.js';
import { fileOf, fill, world } from './helpers.js';

async function sim<T>(w: SimWorld, body: () => Promise<T>): Promise<T> {
  return w.scheduler.run(body());
}

/** A world whose disk holds /a (1024 zero bytes), durable in data and name. */
async function withDurableA(seed: string): Promise<SimWorld> {
  const w = world(seed);
  await sim(w, async () => {
    const h = await w.fs.open('a', 'w+');
    await h.write(new Uint8Array(1024), 0);
    await h.sync();
    await h.close();
    await w.fs.syncDir('/');
  });
  return w;
}

const keys = (images: DiskImage[]): Set<string> => new Set(images.map(diskImageKey));

describe('crash images', () => {
  it('exhaustive: two unsynced single-sector writes plus one unsynced create give exactly 8 images', async () => {
    const w = await withDurableA('hand-count');
    expect(w.fs.crashImages(100).images).toHaveLength(1); // all durable: one image
    await sim(w, async () => {
      const h = await w.fs.open('a', 'r+');
      await h.write(fill(512, 0xaa), 0);
      await h.write(fill(512, 0xbb), 512);
      await h.close();
      await (await w.fs.open('b', 'w+')).close();
    });
    const r = w.fs.crashImages(1000);
    // Hand count: sector 0 old/new (2) x sector 1 old/new (2) x /b absent/present (2) = 8.
    expect(r.images).toHaveLength(8);
    expect(r.explored).toBe(8);
    expect(r.capped).toBe(false);
    const expected = new Set<string>();
    for (const s0 of [0, 0xaa]) {
      for (const s1 of [0, 0xbb]) {
        for (const withB of [false, true]) {
          const a = new Uint8Array(1024);
          a.fill(s0, 0, 512);
          a.fill(s1, 512, 1024);
          const files = [{ path: '/a', data: a }];
          if (withB) files.push({ path: '/b', data: new Uint8Array(0) });
          expected.add(diskImageKey({ dirs: [], files }));
        }
      }
    }
    expect(keys(r.images)).toEqual(expected);
  });

  it('exhaustive: an extending unsynced write gives the old size, or the new size with each sector kept or zero (5 images)', async () => {
    const w = world('extend');
    await sim(w, async () => {
      const h = await w.fs.open('f', 'w+');
      await h.sync();
      await w.fs.syncDir('.');
      await h.write(fill(1000, 7), 0); // sectors [0,512) and [512,1000)
    });
    const r = w.fs.crashImages(1000);
    expect(r.explored).toBe(8); // size old/new x 2 sectors
    const seen = r.images.map((im) => Array.from(fileOf(im, '/f') ?? [-1]));
    expect(seen).toHaveLength(5);
    const expected = [[] as number[]];
    for (const s0 of [0, 7])
      for (const s1 of [0, 7]) expected.push([...new Array<number>(512).fill(s0), ...new Array<number>(488).fill(s1)]);
    expect(new Set(seen.map((x) => JSON.stringify(x)))).toEqual(new Set(expected.map((x) => JSON.stringify(x))));
  });

  it('sector size is configurable: with 4096-byte sectors a 1000-byte write cannot tear', async () => {
    const w = world('sector4k', { sectorSize: 4096 });
    await sim(w, async () => {
      const h = await w.fs.open('f', 'w+');
      await h.write(fill(1000, 9), 0);
      await h.sync();
      await w.fs.syncDir('/');
      await h.write(fill(1000, 3), 0);
    });
    const contents = w.fs.crashImages(100).images.map((im) => (fileOf(im, '/f') ?? new Uint8Array()).join(','));
    expect(new Set(contents)).toEqual(new Set([fill(1000, 9).join(','), fill(1000, 3).join(',')]));
  });

  it('a synced file in a new directory survives only when every new parent is synced', async () => {
    const w = world('parents');
    await sim(w, async () => {
      await w.fs.mkdir('d/e', { recursive: true });
      const h = await w.fs.open('d/e/f', 'w+');
      await h.write(fill(10, 1), 0);
      await h.sync();
      await h.close();
    });
    const has = (im: DiskImage): boolean => fileOf(im, '/d/e/f') !== undefined;
    const before = w.fs.crashImages(1000);
    expect(before.images.some(has)).toBe(true);
    expect(before.images.some((im) => !has(im))).toBe(true);
    await sim(w, () => w.fs.syncDir('d/e'));
    await sim(w, () => w.fs.syncDir('d'));
    const mid = w.fs.crashImages(1000);
    expect(mid.images.some((im) => !has(im))).toBe(true); // '/d' itself is not yet durable in '/'
    await sim(w, () => w.fs.syncDir('/'));
    const after = w.fs.crashImages(1000);
    expect(after.images).toHaveLength(1);
    expect(Array.from(fileOf(after.images[0] as DiskImage, '/d/e/f') ?? [])).toEqual(Array.from(fill(10, 1)));
  });

  it('sync makes data durable but not the name; syncDir makes the name durable but not the data', async () => {
    const w = world('names');
    await sim(w, async () => {
      const h = await w.fs.open('f', 'w+');
      await h.write(fill(4, 5), 0);
      await w.fs.syncDir('/');
    });
    // Name durable, data not: the file is always there, empty or with the data.
    const a = w.fs.crashImages(100).images.map((im) => fileOf(im, '/f')?.join(','));
    expect(new Set(a)).toEqual(new Set(['', '5,5,5,5', '0,0,0,0']));
  });

  it('rename is atomic: the crash shows the old pair or the replaced target, never a mix', async () => {
    const w = world('rename');
    await sim(w, async () => {
      for (const [name, v] of [
        ['a', 1],
        ['b', 2],
      ] as const) {
        const h = await w.fs.open(name, 'w+');
        await h.write(fill(3, v), 0);
        await h.sync();
        await h.close();
      }
      await w.fs.syncDir('/');
      await w.fs.rename('a', 'b');
    });
    const shown = w.fs.crashImages(100).images.map((im) => im.files.map((f) => `${f.path}=${f.data.join('')}`).join(' '));
    expect(new Set(shown)).toEqual(new Set(['/a=111 /b=222', '/b=111']));
  });

  it('unlink is durable only after syncDir; an open unlinked file keeps its inode', async () => {
    const w = await withDurableA('unlink');
    await sim(w, async () => {
      const h = await w.fs.open('a', 'r+');
      await w.fs.unlink('a');
      await h.write(fill(2, 4), 0);
      await h.sync();
    });
    const r = w.fs.crashImages(100);
    const contents = r.images.map((im) => fileOf(im, '/a')?.subarray(0, 2).join(',') ?? 'gone');
    // Either the unlink did not persist (the synced data of the same inode shows) or it did.
    expect(new Set(contents)).toEqual(new Set(['4,4', 'gone']));
  });

  it('sampled images are seeded and always among the exhaustive ones', async () => {
    const w = await withDurableA('sampled');
    await sim(w, async () => {
      const h = await w.fs.open('a', 'r+');
      await h.write(fill(700, 1), 100);
      await h.write(fill(300, 2), 900);
      await h.truncate(600);
      await (await w.fs.open('c', 'w+')).close();
    });
    const all = keys(w.fs.crashImages(100_000).images);
    const draw = (seed: string): string[] => {
      const rng = new Rng(seed);
      return Array.from({ length: 40 }, () => diskImageKey(w.fs.crash(rng)));
    };
    const first = draw('s1');
    expect(draw('s1')).toEqual(first);
    for (const k of first) expect(all.has(k)).toBe(true);
    expect(new Set(first).size).toBeGreaterThan(1);
  });

  it('the cap bounds exploration and says so', async () => {
    const w = world('cap');
    await sim(w, async () => {
      const h = await w.fs.open('f', 'w+');
      for (let i = 0; i < 12; i++) await h.write(fill(512, i + 1), i * 512);
    });
    const r = w.fs.crashImages(50);
    expect(r.explored).toBe(50);
    expect(r.capped).toBe(true);
    expect(r.total).toBeGreaterThan(50);
    expect(() => w.fs.crashImages(0)).toThrow(/cap/);
  });

  it('after crash() every call rejects ECRASHED', async () => {
    const w = await withDurableA('crashed');
    const image = w.fs.crash(new Rng(1));
    expect(fileOf(image, '/a')).toHaveLength(1024);
    await expect(w.scheduler.run(w.fs.stat('a'))).rejects.toMatchObject({ code: 'ECRASHED' });
    expect(w.fs.crashed).toBe(true);
  });
});

describe('disk images save and load', () => {
  it('round-trips every byte value and the tree', () => {
    const data = new Uint8Array(70_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 9)) & 0xff;
    const image: DiskImage = {
      dirs: ['/d', '/d/e'],
      files: [
        { path: '/d/e/x', data },
        { path: '/y', data: new Uint8Array(0) },
      ],
    };
    const back = loadDiskImage(saveDiskImage(image));
    expect(diskImageKey(back)).toBe(diskImageKey(image));
    expect(Array.from(fileOf(back, '/d/e/x') ?? []).slice(0, 600)).toEqual(Array.from(data.subarray(0, 600)));
    expect(() => loadDiskImage('{"format":"other"}')).toThrow(/disk image/);
    expect(() => loadDiskImage('not json')).toThrow(/JSON/);
  });

  it('a new world started from an image sees exactly its files, all durable', async () => {
    const image: DiskImage = { dirs: ['/w'], files: [{ path: '/w/log', data: fill(1500, 8) }] };
    const w = world('from-image', { image });
    const st = await w.scheduler.run(w.fs.stat('w/log'));
    expect(st.size).toBe(1500);
    expect(w.fs.crashImages(10).images.map(diskImageKey)).toEqual([diskImageKey(image)]);
  });
});

describe('fdatasync covers what completed before it was called', () => {
  it('a write that completes while the flush is in flight stays pending: a crash may lose it', async () => {
    // Search the seeds for an interleaving where the write completes after the
    // datasync was called but before it completed: that write must stay pending.
    let seen = 0;
    for (let seed = 0; seed < 64 && seen === 0; seed++) {
      const w = await withDurableA(`inflight-${seed}`);
      const order: string[] = [];
      await sim(w, async () => {
        const h = await w.fs.open('a', 'r+');
        await h.write(fill(512, 0x11), 0);
        const flush = h.datasync().then(() => order.push('sync'));
        const late = h.write(fill(512, 0x22), 512).then(() => order.push('write'));
        await Promise.all([flush, late]);
        await h.close();
      });
      if (order[0] !== 'write') continue; // the write completed after the flush: trivially pending
      seen++;
      const { images } = w.fs.crashImages(100);
      const second = images.map((img) => img.files.find((f) => f.path === '/a' || f.path === 'a')?.data.subarray(512, 1024));
      // The first write was covered: every image has it. The late one is lost in some image, kept in another.
      for (const img of images) {
        const a = img.files.find((f) => f.path === '/a' || f.path === 'a');
        expect(a?.data[0]).toBe(0x11);
      }
      expect(second.some((d) => d?.[0] === 0x22)).toBe(true);
      expect(second.some((d) => d?.[0] === 0)).toBe(true);
    }
    expect(seen).toBeGreaterThan(0);
  });
});
