import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isWalError } from '../../src/errors.js';
import { FaultyFileSystem } from '../../src/real/faulty-file-system.js';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { describeFilesystemConformance } from '../helpers/conformance.js';
import { makeTempDir } from '../helpers/tmpdir.js';

describeFilesystemConformance('FaultyFileSystem (disarmed) over NodeFileSystem', async () => {
  const { dir, cleanup } = await makeTempDir();
  const fs = new FaultyFileSystem(new NodeFileSystem(dir), {
    seed: 1,
    probabilities: { 'disk-full': 1, 'read-error': 1, 'fsync-error': 1 },
    armed: false,
  });
  return { fs, cleanup };
});

describe('FaultyFileSystem', () => {
  it('disk-full writes a strict prefix for real, then rejects ENOSPC', async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const fs = new FaultyFileSystem(new NodeFileSystem(dir), { seed: 'p', probabilities: { 'disk-full': 1 }, armed: false });
      const h = await fs.open('f', 'w+');
      const data = new Uint8Array(4096).map((_, i) => (i % 251) + 1);
      fs.armed = true;
      await expect(h.write(data, 0)).rejects.toMatchObject({ code: 'ENOSPC' });
      await h.close();
      const fault = fs.injected[0];
      expect(fault).toMatchObject({ kind: 'disk-full', op: 'write', path: 'f' });
      const onDisk = await readFile(join(dir, 'f'));
      expect(onDisk.length).toBe(fault?.written);
      expect(onDisk.length).toBeLessThan(data.length);
      expect(Buffer.from(data.subarray(0, onDisk.length)).equals(onDisk)).toBe(true);
    } finally {
      await cleanup();
    }
  });

  it('read-error and fsync-error reject with EIO on the calls they name, and only while armed', async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const fs = new FaultyFileSystem(new NodeFileSystem(dir), { seed: 3, probabilities: { 'read-error': 1, 'fsync-error': 1 } });
      const h = await fs.open('f', 'w+');
      await h.write(new Uint8Array([1, 2, 3]), 0); // writes are not in this plan
      await expect(h.read(new Uint8Array(3), 0)).rejects.toMatchObject({ code: 'EIO', syscall: 'read' });
      await expect(h.datasync()).rejects.toMatchObject({ code: 'EIO' });
      await expect(h.sync()).rejects.toMatchObject({ code: 'EIO' });
      await expect(fs.syncDir('.')).rejects.toMatchObject({ code: 'EIO' });
      expect(fs.injected.map((f) => f.kind)).toEqual(['read-error', 'fsync-error', 'fsync-error', 'fsync-error']);
      fs.armed = false;
      const buf = new Uint8Array(3);
      expect(await h.read(buf, 0)).toBe(3);
      expect([...buf]).toEqual([1, 2, 3]);
      await h.datasync();
      await h.close();
      expect(fs.injected).toHaveLength(4);
    } finally {
      await cleanup();
    }
  });

  it('arm(kinds) limits faults to those kinds until disarm()', async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const fs = new FaultyFileSystem(new NodeFileSystem(dir), {
        seed: 9,
        probabilities: { 'read-error': 1, 'fsync-error': 1 },
        armed: false,
      });
      const h = await fs.open('f', 'w+');
      fs.arm(['read-error']);
      await h.datasync(); // fsync-error is not armed
      await expect(h.read(new Uint8Array(1), 0)).rejects.toMatchObject({ code: 'EIO' });
      fs.disarm();
      expect(await h.read(new Uint8Array(1), 0)).toBe(0);
      await h.close();
      expect(fs.injected.map((f) => f.kind)).toEqual(['read-error']);
    } finally {
      await cleanup();
    }
  });

  it('is seeded (same seed, same faults) and bounded by maxFaults', async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const pattern = async (seed: number, maxFaults: number): Promise<boolean[]> => {
        const fs = new FaultyFileSystem(new NodeFileSystem(dir), { seed, probabilities: { 'fsync-error': 0.5 }, maxFaults });
        const out: boolean[] = [];
        for (let i = 0; i < 64; i++)
          out.push(
            await fs.syncDir('.').then(
              () => false,
              () => true,
            ),
          );
        return out;
      };
      const a = await pattern(42, 1000);
      expect(await pattern(42, 1000)).toEqual(a);
      expect(a.filter(Boolean).length).toBeGreaterThan(10);
      expect(a.filter((x) => !x).length).toBeGreaterThan(10);
      expect(await pattern(43, 1000)).not.toEqual(a);
      expect((await pattern(42, 3)).filter(Boolean)).toHaveLength(3);
    } finally {
      await cleanup();
    }
  });

  it('rejects bad options with EINVAL', () => {
    const inner = new NodeFileSystem('.');
    for (const probabilities of [{ 'disk-full': 2 }, { 'read-error': -0.1 }, { bogus: 0.5 }]) {
      let caught: unknown;
      try {
        new FaultyFileSystem(inner, { seed: 1, probabilities: probabilities as never });
      } catch (err) {
        caught = err;
      }
      expect(isWalError(caught, 'EINVAL')).toBe(true);
    }
  });
});
