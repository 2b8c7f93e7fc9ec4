/**
 * Recovery of format v2 segments with compressed frames, hand-built with the
 * format's own encoders: a frame that fails its checks (damaged header,
 * damaged payload, lying lengths, a decompression bomb) is damage exactly as a
 * record that fails its CRC, and the synced-through rule classifies it.
 */
import { describe, expect, it } from 'vitest';
import { Wal, type WalOptions } from '../../src/engine/index.js';
import { compress } from '../../src/engine/compression.js';
import {
  CODEC_LZ4,
  encodeFrameContent,
  encodeFrameInto,
  encodeRecords,
  encodeSegmentHeader,
  FORMAT_VERSION_FRAMES,
  FRAME_HEADER_SIZE,
  frameContentSize,
  saltSeed,
  SEGMENT_HEADER_SIZE,
  segmentName,
  type FrameToEncode,
} from '../../src/engine/format.js';
import { isWalError } from '../../src/errors.js';
import { MemfsFileSystem } from '../helpers/memfs-file-system.js';
import { dec, enc, memEnv, openRejection, readFileBytes, writeFileBytes } from './support.js';

const DIR = '/wal';
const SALT = Uint8Array.from([11, 22, 33, 44, 55, 66, 77, 88]);
const SEED = saltSeed(SALT);
const MAX = 4096;
const base: WalOptions = { segmentSize: 65536, maxRecordSize: MAX, durability: { kind: 'everyWrite' }, compression: 'lz4' };

const payload = (lsn: number): Uint8Array => enc(JSON.stringify({ event: 'click', lsn, page: '/products/shoes', user: 'user-42' }));
const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);

/** One frame of the records LSN first.., with fields of its header overridable (the CRC is computed over what is written). */
function frame(first: number, n: number, syncedThrough: number, lie: Partial<FrameToEncode> = {}): Uint8Array {
  const payloads = range(first, n).map((lsn) => ({ data: payload(lsn) }));
  const content = new Uint8Array(frameContentSize(payloads, 0, n));
  encodeFrameContent(content, payloads, 0, n);
  const stored = compress(CODEC_LZ4, content);
  const f: FrameToEncode = { firstLsn: first, count: n, syncedThrough, codec: CODEC_LZ4, contentLength: content.length, stored, ...lie };
  const out = new Uint8Array(FRAME_HEADER_SIZE + f.stored.length);
  encodeFrameInto(out, 0, f, SEED);
  return out;
}

const plain = (lsn: number, syncedThrough: number): Uint8Array => encodeRecords([{ lsn, syncedThrough, data: payload(lsn) }], SEED);

async function writeSegment(fs: MemfsFileSystem, entries: Uint8Array[], version: 1 | 2 = FORMAT_VERSION_FRAMES): Promise<string> {
  await fs.mkdir(DIR).catch(() => undefined);
  const header = encodeSegmentHeader({ version, firstLsn: 1, salt: SALT, maxRecordSize: MAX });
  const size = entries.reduce((n, e) => n + e.length, SEGMENT_HEADER_SIZE);
  const bytes = new Uint8Array(size);
  bytes.set(header, 0);
  let at = SEGMENT_HEADER_SIZE;
  for (const e of entries) {
    bytes.set(e, at);
    at += e.length;
  }
  const path = `${DIR}/${segmentName(1)}`;
  await writeFileBytes(fs, path, bytes);
  return path;
}

/** The entry with one byte xored at `at` (counted from the entry's start). */
function flipped(entry: Uint8Array, at: number): Uint8Array {
  const copy = entry.slice();
  copy[at] = (copy[at] as number) ^ 0x10;
  return copy;
}

const openErr = (fs: MemfsFileSystem, options: WalOptions = base): Promise<unknown> => openRejection(fs, options);

async function recovered(fs: MemfsFileSystem, options: WalOptions = base): Promise<{ lsns: number[]; wal: Wal }> {
  const wal = await Wal.open(memEnv(fs), options);
  return { lsns: wal.recovered.map((r) => r.lsn), wal };
}

describe('recovery of compressed frames', () => {
  it('reads frames and plain records side by side, payloads intact', async () => {
    const fs = new MemfsFileSystem();
    await writeSegment(fs, [frame(1, 10, 0), plain(11, 10), frame(12, 5, 11)]);
    const { lsns, wal } = await recovered(fs);
    expect(lsns).toEqual(range(1, 16));
    expect(wal.recovered.map((r) => dec(r.data))).toEqual(range(1, 16).map((l) => dec(payload(l))));
    expect(wal.report.corruption).toEqual([]);
    await wal.close();
  });

  it('a damaged header of the last frame is a torn tail: truncated, the frames before it kept', async () => {
    const fs = new MemfsFileSystem();
    const path = await writeSegment(fs, [frame(1, 10, 0), flipped(frame(11, 10, 10), 9)]);
    const { lsns, wal } = await recovered(fs);
    expect(lsns).toEqual(range(1, 10));
    expect(wal.report.corruption).toMatchObject([{ kind: 'torn-tail', lsn: 11, reason: 'frame checksum mismatch' }]);
    expect(wal.report.tornBytesTruncated).toBeGreaterThan(FRAME_HEADER_SIZE);
    await wal.append(enc('after'));
    await wal.close();
    const again = await recovered(fs);
    expect(again.lsns).toEqual(range(1, 11));
    await again.wal.close();
    expect((await readFileBytes(fs, path)).length).toBeGreaterThan(SEGMENT_HEADER_SIZE);
  });

  it('a damaged payload followed by a frame that says it was synced is mid-log corruption (ECORRUPT)', async () => {
    const fs = new MemfsFileSystem();
    const first = frame(1, 10, 0);
    await writeSegment(fs, [flipped(first, FRAME_HEADER_SIZE + 20), frame(11, 10, 10)]);
    const err = await openErr(fs);
    expect(isWalError(err) && err.code).toBe('ECORRUPT');
    expect(String((err as Error).message)).toContain('frame checksum mismatch');
    // pointInTime keeps the consistent prefix (nothing here) and drops the rest.
    const { lsns, wal } = await recovered(fs, { ...base, recoveryMode: 'pointInTime' });
    expect(lsns).toEqual([]);
    await wal.close();
  });

  it('a damaged frame before a plain record that says it was synced is mid-log; with no such record, torn', async () => {
    const fs = new MemfsFileSystem();
    await writeSegment(fs, [frame(1, 10, 0), flipped(frame(11, 10, 10), FRAME_HEADER_SIZE + 3), plain(21, 20)]);
    expect(isWalError(await openErr(fs)) && 'ECORRUPT').toBe('ECORRUPT');
    const fs2 = new MemfsFileSystem();
    await writeSegment(fs2, [frame(1, 10, 0), flipped(frame(11, 10, 10), FRAME_HEADER_SIZE + 3), plain(21, 10)]);
    const { lsns, wal } = await recovered(fs2);
    expect(lsns).toEqual(range(1, 10));
    expect(wal.report.corruption[0]).toMatchObject({ kind: 'torn-tail', lsn: 11 });
    await wal.close();
  });

  it('a frame is durable evidence for damage before it in a plain record', async () => {
    const fs = new MemfsFileSystem();
    await writeSegment(fs, [plain(1, 0), flipped(plain(2, 1), 30), frame(3, 10, 2)]);
    const err = await openErr(fs);
    expect(isWalError(err) && err.code).toBe('ECORRUPT');
    expect(String((err as Error).message)).toContain('LSN 3');
  });

  const lies: { name: string; lie: (f: FrameToEncode) => Partial<FrameToEncode>; reason: string | RegExp }[] = [
    { name: 'a content length below the real one', lie: (f) => ({ contentLength: f.contentLength - 5 }), reason: /lz4 data declares/ },
    { name: 'a content length above the real one', lie: (f) => ({ contentLength: f.contentLength + 5 }), reason: /lz4 data declares/ },
    {
      name: 'a content length above the max record size (a bomb)',
      lie: () => ({ contentLength: 64 * 1024 * 1024 }),
      reason: /above the maximum/,
    },
    { name: 'a record count above the real one', lie: (f) => ({ count: f.count + 1 }), reason: /ends before record 11/ },
    { name: 'a record count below the real one', lie: (f) => ({ count: f.count - 1 }), reason: /bytes after its last record/ },
    { name: 'a count that cannot fit its content', lie: () => ({ count: 100_000 }), reason: /does not fit its content/ },
    {
      name: 'lz4 bytes that declare 2 GiB (their allocation) under a small header length',
      lie: (f) => {
        const stored = f.stored.slice();
        new DataView(stored.buffer).setUint32(0, 0x7fff_ffff, true);
        return { stored };
      },
      reason: /lz4 data declares 2147483647 bytes/,
    },
    {
      name: 'stored bytes that do not decompress',
      lie: (f) => {
        const stored = f.stored.slice();
        stored.fill(0xff, 4);
        return { stored };
      },
      reason: /does not decompress|decompressed to/,
    },
  ];

  it.each(lies)('a frame (valid CRC) with $name is damage: torn at the tail, mid-log before synced data', async ({ lie, reason }) => {
    const build = (synced: number): Uint8Array[] => {
      const honest: FrameToEncode = {
        firstLsn: 11,
        count: 10,
        syncedThrough: 10,
        codec: CODEC_LZ4,
        contentLength: 0,
        stored: new Uint8Array(),
      };
      const payloads = range(11, 10).map((lsn) => ({ data: payload(lsn) }));
      const content = new Uint8Array(frameContentSize(payloads, 0, 10));
      encodeFrameContent(content, payloads, 0, 10);
      honest.contentLength = content.length;
      honest.stored = compress(CODEC_LZ4, content);
      return [frame(1, 10, 0), frame(11, 10, 10, lie(honest)), plain(21, synced)];
    };
    const torn = new MemfsFileSystem();
    await writeSegment(torn, build(10));
    const { lsns, wal } = await recovered(torn);
    expect(lsns).toEqual(range(1, 10));
    expect(wal.report.corruption).toHaveLength(1);
    expect(wal.report.corruption[0]).toMatchObject({ kind: 'torn-tail', lsn: 11, reason: expect.stringMatching(reason) as unknown });
    await wal.close();
    const mid = new MemfsFileSystem();
    await writeSegment(mid, build(20));
    const err = await openErr(mid);
    expect(isWalError(err) && err.code).toBe('ECORRUPT');
  });

  it('a lying stored length above the frame bound is refused from the header alone', async () => {
    const fs = new MemfsFileSystem();
    const f = frame(1, 10, 0);
    new DataView(f.buffer).setUint32(0, 0xffff_fff0, true);
    await writeSegment(fs, [f]);
    const { lsns, wal } = await recovered(fs);
    expect(lsns).toEqual([]);
    expect(wal.report.corruption[0]?.reason).toMatch(/frame length \d+ above the maximum/);
    await wal.close();
  });

  it('a frame in a v1 segment is damage, as any unknown record type in v1', async () => {
    const fs = new MemfsFileSystem();
    await writeSegment(fs, [plain(1, 0), frame(2, 10, 1)], 1);
    const { lsns, wal } = await recovered(fs);
    expect(lsns).toEqual([1]);
    expect(wal.report.corruption[0]).toMatchObject({ kind: 'torn-tail', reason: 'bad record type 2' });
    await wal.close();
  });

  it('skipCorrupted resynchronises past a damaged frame onto the next one', async () => {
    const fs = new MemfsFileSystem();
    await writeSegment(fs, [frame(1, 10, 0), flipped(frame(11, 10, 10), FRAME_HEADER_SIZE + 7), frame(21, 10, 20)]);
    const { lsns, wal } = await recovered(fs, { ...base, recoveryMode: 'skipCorrupted' });
    expect(lsns).toEqual([...range(1, 10), ...range(21, 10)]);
    expect(wal.report.corruption[0]).toMatchObject({ kind: 'mid-log', lsn: 11 });
    await wal.close();
  });
});
