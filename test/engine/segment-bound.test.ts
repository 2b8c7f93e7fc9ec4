import { describe, expect, it } from 'vitest';
import { inspectLog, Wal } from '../../src/engine/index.js';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import { makeTempDir } from '../helpers/tmpdir.js';

// Regression: a group-commit batch used to be written whole into the active
// segment even when it overflowed segmentSize (a 999-record batch made a
// 64 KiB segment ~80 KiB). Batches now stop at the segment's room.
describe('segment size bound', () => {
  for (const preallocate of [false, true]) {
    it(`no segment grows past segmentSize under concurrent appends (preallocate ${preallocate})`, async () => {
      const { dir, cleanup } = await makeTempDir();
      try {
        const fs = new NodeFileSystem(dir);
        const segmentSize = 16 * 1024;
        const wal = await Wal.open(
          { fs, clock: new RealClock(), dir: 'wal' },
          { segmentSize, preallocate, durability: { kind: 'groupCommit' } },
        );
        const sizes = Array.from({ length: 600 }, (_, i) => (i % 97 === 0 ? 3000 : 80));
        const lsns = await Promise.all(sizes.map((n, i) => wal.append(new Uint8Array(n).fill(i & 0xff))));
        expect(lsns).toEqual(lsns.map((_, i) => lsns[0]! + i));
        expect(wal.stats().largestBatch).toBeGreaterThan(1);
        await wal.close();

        const names = (await fs.readdir('wal')).filter((n) => n.endsWith('.log')).sort();
        expect(names.length).toBeGreaterThan(3);
        for (const name of names) expect((await fs.stat(`wal/${name}`)).size).toBeLessThanOrEqual(segmentSize);
        const { records } = await inspectLog(fs, 'wal', () => 0);
        expect(records.map((r) => r.data.length)).toEqual(sizes);
      } finally {
        await cleanup();
      }
    });
  }

  it('a single record larger than a segment still gets a segment of its own', async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const fs = new NodeFileSystem(dir);
      const wal = await Wal.open({ fs, clock: new RealClock(), dir: 'wal' }, { segmentSize: 4096, preallocate: false });
      await Promise.all([wal.append(new Uint8Array(100)), wal.append(new Uint8Array(10_000)), wal.append(new Uint8Array(100))]);
      await wal.close();
      const names = (await fs.readdir('wal')).filter((n) => n.endsWith('.log')).sort();
      const sizes = await Promise.all(names.map(async (n) => (await fs.stat(`wal/${n}`)).size));
      expect(sizes.filter((s) => s > 4096)).toHaveLength(1);
      const { records } = await inspectLog(fs, 'wal', () => 0);
      expect(records.map((r) => r.data.length)).toEqual([100, 10_000, 100]);
    } finally {
      await cleanup();
    }
  });
});
