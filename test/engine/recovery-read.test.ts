/**
 * Recovery's read path on large segments: the zero-fill detection in 64 KiB
 * blocks, the chunked read that keeps the zero tail out of the result, the
 * record views handed out instead of copies, and the one-segment read-ahead.
 */
import { describe, expect, it } from 'vitest';
import { Wal } from '../../src/engine/index.js';
import { isZero, nonZeroEnd, RECORD_HEADER_SIZE, SEGMENT_HEADER_SIZE } from '../../src/engine/format.js';
import { isWalError } from '../../src/errors.js';
import { MemfsFileSystem } from '../helpers/memfs-file-system.js';
import { FailingFileSystem, memEnv, readFileBytes, writeFileBytes } from './support.js';

const MiB = 1024 * 1024;

describe('zero checks over large buffers', () => {
  it('isZero and nonZeroEnd find a single non-zero byte anywhere, also across 64 KiB block edges', () => {
    const size = 3 * 65536 + 777;
    const positions = [0, 15, 16, 63, 64, 65535, 65536, 65537, 2 * 65536 - 1, 3 * 65536, size - 1];
    for (const p of positions) {
      const b = new Uint8Array(size);
      b[p] = 0x80;
      expect(isZero(b, 0), `byte ${p}`).toBe(false);
      expect(isZero(b, p + 1), `after ${p}`).toBe(true);
      expect(isZero(b, 0, p), `before ${p}`).toBe(true);
      expect(nonZeroEnd(b, 0), `end ${p}`).toBe(p + 1);
      expect(nonZeroEnd(b, p + 1), `end after ${p}`).toBe(p + 1);
    }
    // Views with an offset into a larger buffer.
    const big = new Uint8Array(200_000);
    big[150_000] = 1;
    const view = big.subarray(100_000);
    expect(isZero(view, 0)).toBe(false);
    expect(nonZeroEnd(view, 0)).toBe(50_001);
    expect(isZero(big.subarray(150_001), 0)).toBe(true);
  });
});

describe('recovery of large preallocated segments', () => {
  it('recovers a record whose all-zero payload reaches far into the zero-filled tail', async () => {
    const fs = new MemfsFileSystem();
    const opts = { segmentSize: 8 * MiB, maxRecordSize: 3 * MiB, preallocate: false, durability: { kind: 'everyWrite' as const } };
    const wal = await Wal.open(memEnv(fs), opts);
    const head = new Uint8Array(1000).fill(7);
    const zeros = new Uint8Array(2 * MiB + 12345); // all zero: looks like zero fill from the second 1 MiB chunk on
    expect(await wal.append(head)).toBe(1);
    expect(await wal.append(zeros)).toBe(2);
    await wal.close();
    const again = await Wal.open(memEnv(fs), opts);
    try {
      expect(again.recovered.map((r) => r.lsn)).toEqual([1, 2]);
      const big = again.recovered[1]?.data ?? new Uint8Array(0);
      expect(big.length).toBe(zeros.length);
      expect(isZero(big, 0)).toBe(true);
      expect(again.recovered[0]?.data).toEqual(head);
      expect(again.report.corruption).toEqual([]);
      expect(await again.append(head)).toBe(3);
    } finally {
      await again.close();
    }
  });

  it('finds damage (and the valid record after it) far behind a run of zero chunks', async () => {
    const fs = new MemfsFileSystem();
    const opts = { segmentSize: 6 * MiB, durability: { kind: 'everyWrite' as const } };
    const wal = await Wal.open(memEnv(fs), opts);
    await wal.append(new Uint8Array(100).fill(1));
    await wal.close();
    const seg = (await fs.readdir('/wal')).find((n) => n.endsWith('.log')) as string;
    const bytes = await readFileBytes(fs, `/wal/${seg}`);
    // Garbage 4 MiB in (after three all-zero chunks): not zero fill, so the newest segment has a torn tail.
    bytes[4 * MiB + 5] = 0x42;
    await writeFileBytes(fs, `/wal/${seg}`, bytes);
    const r = await Wal.open(memEnv(fs), { ...opts, recoveryMode: 'skipCorrupted' });
    try {
      expect(r.recovered.map((x) => x.lsn)).toEqual([1]);
      expect(r.report.tornBytesTruncated).toBe(4 * MiB + 6 - (SEGMENT_HEADER_SIZE + RECORD_HEADER_SIZE + 100));
    } finally {
      await r.close();
    }
  });

  it('hands out payload views that stay intact after the log is written on, and compact ones for a mostly empty segment', async () => {
    const fs = new MemfsFileSystem();
    const opts = { segmentSize: 4 * MiB, durability: { kind: 'groupCommit' as const } };
    const wal = await Wal.open(memEnv(fs), opts);
    const payloads = Array.from({ length: 50 }, (_, i) => new Uint8Array(100 + i).fill(i + 1));
    await Promise.all(payloads.map((p) => wal.append(p)));
    await wal.close();
    const r = await Wal.open(memEnv(fs), opts);
    try {
      expect(r.recovered.map((x) => x.data)).toEqual(payloads);
      // 50 small records in a 4 MiB file: the views share one compact buffer, not the whole segment.
      const buffers = new Set(r.recovered.map((x) => x.data.buffer));
      expect(buffers.size).toBe(1);
      expect([...buffers][0]?.byteLength).toBeLessThan(64 * 1024);
      for (let i = 0; i < 20; i++) await r.append(new Uint8Array(64).fill(0xee));
      expect(r.recovered.map((x) => x.data)).toEqual(payloads);
    } finally {
      await r.close();
    }
  });

  it('a read error in a segment read ahead rejects open with EIO and changes nothing', async () => {
    const mem = new MemfsFileSystem();
    const opts = { segmentSize: 4096, durability: { kind: 'everyWrite' as const } };
    const wal = await Wal.open(memEnv(mem), opts);
    for (let i = 0; i < 120; i++) await wal.append(new Uint8Array(100).fill(i));
    await wal.close();
    const names = (await mem.readdir('/wal')).filter((n) => n.endsWith('.log')).sort();
    expect(names.length).toBeGreaterThan(2);
    const before = await Promise.all(names.map((n) => readFileBytes(mem, `/wal/${n}`)));
    const fs = new FailingFileSystem(mem);
    fs.fail({ op: 'read', nth: 1, code: 'EIO', pathIncludes: names[2] as string });
    const err = await Wal.open(memEnv(fs), opts).then(
      async (w) => {
        await w.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(isWalError(err) && err.code).toBe('EIO');
    const after = await Promise.all(names.map((n) => readFileBytes(mem, `/wal/${n}`)));
    expect(after).toEqual(before);
    expect((await mem.readdir('/wal')).filter((n) => n.endsWith('.log')).sort()).toEqual(names);
  });

  it('a leftover wal-next.prealloc is refilled with zeros by the next preparation when preallocating, removed otherwise', async () => {
    const fs = new MemfsFileSystem();
    const opts = { segmentSize: 4096, durability: { kind: 'everyWrite' as const } };
    const wal = await Wal.open(memEnv(fs), opts);
    await wal.append(new Uint8Array(10).fill(3));
    await wal.close();
    await writeFileBytes(fs, '/wal/wal-next.prealloc', new Uint8Array(5000).fill(0x5a));
    const again = await Wal.open(memEnv(fs), opts);
    expect(again.recovered.map((r) => r.lsn)).toEqual([1]);
    // Left in place until the active segment is half full and the next one is prepared.
    expect((await readFileBytes(fs, '/wal/wal-next.prealloc')).length).toBe(5000);
    for (let i = 0; i < 30; i++) await again.append(new Uint8Array(50).fill(i));
    await again.close(); // waits for the background preparation
    const refilled = await readFileBytes(fs, '/wal/wal-next.prealloc');
    expect(refilled.length).toBe(4096);
    expect(isZero(refilled, 0)).toBe(true);
    await writeFileBytes(fs, '/wal/wal-next.prealloc', new Uint8Array(100).fill(0x5a));
    const plain = await Wal.open(memEnv(fs), { ...opts, preallocate: false });
    try {
      expect(plain.recovered.map((r) => r.lsn)).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));
      expect(await fs.readdir('/wal')).not.toContain('wal-next.prealloc');
    } finally {
      await plain.close();
    }
  });
});
