import { describe, expect, it } from 'vitest';
import { Bytes, PAGE_SIZE } from '../../src/sim/bytes.js';
import {
  diskImageBytes,
  diskImageKey,
  imageFileBytes,
  imageFileSize,
  loadDiskImage,
  saveDiskImage,
  sparseImageFile,
  type DiskImage,
} from '../../src/sim/image.js';
import { Scheduler } from '../../src/sim/scheduler.js';
import { SimFileSystem } from '../../src/sim/sim-file-system.js';
import { Rng } from '../../src/rng.js';

const hostYield = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('sparse image files (crash and shutdown images hold pages, not buffers)', () => {
  it('data reads as the content, is enumerable like a plain entry, and can be replaced', () => {
    const content = new Bytes();
    content.write(new Uint8Array([1, 2, 3]), 2 * PAGE_SIZE);
    content.truncate(64 * PAGE_SIZE);
    const f = sparseImageFile('/wal/a', content);
    expect(imageFileSize(f)).toBe(64 * PAGE_SIZE);
    expect(diskImageBytes({ dirs: ['/wal'], files: [f] })).toBe(64 * PAGE_SIZE);
    expect(Object.keys(f)).toEqual(['path', 'data']);
    expect(f.data.length).toBe(64 * PAGE_SIZE);
    expect([...f.data.subarray(2 * PAGE_SIZE - 1, 2 * PAGE_SIZE + 4)]).toEqual([0, 1, 2, 3, 0]);
    expect(f.data).toBe(f.data);
    const plain = { ...f };
    expect(plain.data).toBe(f.data);
    const image: DiskImage = { dirs: ['/wal'], files: [f] };
    const again = loadDiskImage(saveDiskImage(image));
    expect(diskImageKey(again)).toBe(diskImageKey(image));
    f.data = new Uint8Array([9]);
    expect([...f.data]).toEqual([9]);
    expect(imageFileSize(f)).toBe(1);
    expect([...imageFileBytes(f).toUint8Array()]).toEqual([9]);
  });

  it('a file system loaded from the image shares its pages copy-on-write: writing to it never changes the image', async () => {
    const scheduler = new Scheduler({ seed: 1, hostYield });
    const fs = new SimFileSystem({ scheduler });
    const write = async (): Promise<void> => {
      await fs.mkdir('/wal', { recursive: true });
      const h = await fs.open('/wal/seg', 'w+');
      await h.write(new Uint8Array(8 * PAGE_SIZE), 0); // preallocated zeros
      await h.write(new Uint8Array([5, 6]), PAGE_SIZE);
      await h.datasync();
      await h.close();
      await fs.syncDir('/');
      await fs.syncDir('/wal');
    };
    await scheduler.run(write());
    const image = fs.crash(new Rng(1));
    const file = image.files.find((x) => x.path === '/wal/seg');
    if (file === undefined) throw new Error('the synced file is in the image');
    const before = Buffer.from(imageFileBytes(file).toUint8Array());
    const next = new SimFileSystem({ scheduler, image });
    const change = async (): Promise<void> => {
      const h = await next.open('/wal/seg', 'r+');
      await h.write(new Uint8Array([1, 1, 1]), PAGE_SIZE);
      await h.write(new Uint8Array([4]), 5 * PAGE_SIZE);
      const back = new Uint8Array(8 * PAGE_SIZE).fill(0xaa);
      expect(await h.read(back, 0)).toBe(8 * PAGE_SIZE);
      expect([...back.subarray(PAGE_SIZE, PAGE_SIZE + 3)]).toEqual([1, 1, 1]);
      expect(back[5 * PAGE_SIZE]).toBe(4);
      expect(back[0]).toBe(0);
      await h.close();
    };
    await scheduler.run(change());
    expect(Buffer.from(file.data).equals(before)).toBe(true);
    expect(file.data[PAGE_SIZE]).toBe(5);
    expect(file.data.length).toBe(8 * PAGE_SIZE);
  });
});
