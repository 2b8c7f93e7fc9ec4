import { describe, expect, it } from 'vitest';
import { Wal, type WalOptions } from '../../src/engine/index.js';
import {
  encodeRecords,
  encodeSegmentHeader,
  decodeSegmentHeader,
  saltSeed,
  segmentName,
  SEGMENT_HEADER_SIZE,
  RECORD_HEADER_SIZE,
} from '../../src/engine/format.js';
import { isWalError } from '../../src/errors.js';
import type { FileSystem } from '../../src/ports.js';
import { MemfsFileSystem } from '../helpers/memfs-file-system.js';
import { dec, enc, FailingFileSystem, memEnv, openRejection, readFileBytes, writeFileBytes } from './support.js';

const DIR = '/wal';
const base: WalOptions = { segmentSize: 4096, durability: { kind: 'everyWrite' } };

/** Appends the payloads one at a time (each its own batch), closes, and returns the segment names. */
async function buildLog(fs: FileSystem, payloads: string[], options: WalOptions = base): Promise<string[]> {
  const wal = await Wal.open(memEnv(fs), options);
  for (const p of payloads) await wal.append(enc(p));
  await wal.close();
  return (await fs.readdir(DIR)).filter((n) => n.startsWith('wal-') && n.endsWith('.log')).sort();
}

const names = (n: number, len = 10): string[] => Array.from({ length: n }, (_, i) => `rec-${String(i + 1).padStart(len - 4, '0')}`);

const openError = (fs: FileSystem, options: WalOptions = base): Promise<unknown> => openRejection(fs, options);

/** Offset just after the first `count` records of the given lengths in a segment. */
const offsetAfter = (lengths: number[]): number => lengths.reduce((o, l) => o + RECORD_HEADER_SIZE + l, SEGMENT_HEADER_SIZE);

describe('recovery on hand-built damaged logs (memfs through the port)', () => {
  it('truncates a torn tail, reports it, and a second recovery gives the same result', async () => {
    const fs = new MemfsFileSystem();
    const payloads = names(5);
    const [seg] = await buildLog(fs, payloads);
    const path = `${DIR}/${seg}`;
    const bytes = await readFileBytes(fs, path);
    const salt = (decodeSegmentHeader(bytes) as { header: { salt: Uint8Array } }).header.salt;
    // Half of a valid sixth record, where the sixth record would go.
    const sixth = encodeRecords([{ lsn: 6, syncedThrough: 5, data: enc('rec-000006') }], saltSeed(salt));
    const at = offsetAfter(payloads.map((p) => p.length));
    const h = await fs.open(path, 'r+');
    await h.write(sixth.subarray(0, 20), at);
    await h.close();

    const wal = await Wal.open(memEnv(fs), base);
    expect(wal.recovered.map((r) => dec(r.data))).toEqual(payloads);
    // Counted up to the last non-zero byte: the 20-byte prefix ends in 3 zero bytes (high bytes of synced-through).
    expect(wal.report.tornBytesTruncated).toBe(17);
    expect(wal.report.corruption).toEqual([expect.objectContaining({ kind: 'torn-tail', segment: seg, offset: at, lsn: 6 })]);
    expect(await wal.append(enc('after'))).toBe(6);
    await wal.close();
    const again = await Wal.open(memEnv(fs), base);
    expect(again.recovered.map((r) => dec(r.data))).toEqual([...payloads, 'after']);
    expect(again.report.corruption).toEqual([]);
    await again.close();
  });

  it('reads a zero-filled preallocated tail as the clean end of the log', async () => {
    const fs = new MemfsFileSystem();
    const [seg] = await buildLog(fs, names(3));
    expect((await fs.stat(`${DIR}/${seg}`)).size).toBe(4096); // preallocated
    const wal = await Wal.open(memEnv(fs), base);
    expect(wal.recovered.map((r) => r.lsn)).toEqual([1, 2, 3]);
    expect(wal.report.tornBytesTruncated).toBe(0);
    expect(wal.report.corruption).toEqual([]);
    expect((await fs.stat(`${DIR}/${seg}`)).size).toBe(4096);
    await wal.close();
  });

  describe('a bit flip mid-log (valid records synced after it follow)', () => {
    async function flipped(): Promise<{ fs: MemfsFileSystem; seg: string; at: number; payloads: string[] }> {
      const fs = new MemfsFileSystem();
      const payloads = names(6);
      const [seg] = await buildLog(fs, payloads);
      const path = `${DIR}/${seg}`;
      const bytes = await readFileBytes(fs, path);
      const at = offsetAfter(payloads.slice(0, 2).map((p) => p.length)); // record 3
      bytes[at + RECORD_HEADER_SIZE + 2] = (bytes[at + RECORD_HEADER_SIZE + 2] as number) ^ 0x04;
      await writeFileBytes(fs, path, bytes);
      return { fs, seg: seg as string, at, payloads };
    }

    it('tolerateCorruptedTail refuses with ECORRUPT naming segment and offset', async () => {
      const { fs, seg, at } = await flipped();
      const err = await openError(fs);
      expect(isWalError(err, 'ECORRUPT')).toBe(true);
      expect((err as { details: Record<string, unknown> }).details).toMatchObject({ kind: 'mid-log', segment: seg, offset: at, lsn: 3 });
      expect((err as Error).message).toContain(seg);
    });

    it('absoluteConsistency refuses too, and nothing was changed on disk', async () => {
      const { fs, seg } = await flipped();
      const before = await readFileBytes(fs, `${DIR}/${seg}`);
      expect(isWalError(await openError(fs, { ...base, recoveryMode: 'absoluteConsistency' }), 'ECORRUPT')).toBe(true);
      expect(await readFileBytes(fs, `${DIR}/${seg}`)).toEqual(before);
    });

    it('pointInTime keeps the consistent prefix and reports what it dropped', async () => {
      const { fs, payloads, at } = await flipped();
      const wal = await Wal.open(memEnv(fs), { ...base, recoveryMode: 'pointInTime' });
      expect(wal.recovered.map((r) => dec(r.data))).toEqual(payloads.slice(0, 2));
      expect(wal.report.corruption[0]).toMatchObject({ kind: 'mid-log', offset: at });
      expect(wal.report.dropped.bytes).toBeGreaterThan(0);
      expect(await wal.append(enc('x'))).toBe(3);
      await wal.close();
      const again = await Wal.open(memEnv(fs), base);
      expect(again.recovered.map((r) => dec(r.data))).toEqual([...payloads.slice(0, 2), 'x']);
      await again.close();
    });

    it('skipCorrupted salvages around the hole (documented to break no-holes)', async () => {
      const { fs, payloads } = await flipped();
      const wal = await Wal.open(memEnv(fs), { ...base, recoveryMode: 'skipCorrupted' });
      expect(wal.recovered.map((r) => r.lsn)).toEqual([1, 2, 4, 5, 6]);
      expect(wal.recovered.map((r) => dec(r.data))).toEqual(payloads.filter((_, i) => i !== 2));
      expect(await wal.append(enc('x'))).toBe(7);
      await wal.close();
    });
  });

  it('damage in a sealed segment is mid-log corruption even at its last record', async () => {
    const fs = new MemfsFileSystem();
    const payloads = names(40, 300);
    const segs = await buildLog(fs, payloads);
    expect(segs.length).toBeGreaterThan(2);
    const first = `${DIR}/${segs[0]}`;
    const bytes = await readFileBytes(fs, first);
    // The last record of the first segment: payloads fit 13 per 4096-byte segment.
    const perSegment = Math.floor((4096 - SEGMENT_HEADER_SIZE) / (RECORD_HEADER_SIZE + 300));
    const at = offsetAfter(new Array<number>(perSegment - 1).fill(300));
    bytes[at + 40] = (bytes[at + 40] as number) ^ 1;
    await writeFileBytes(fs, first, bytes);
    const err = await openError(fs);
    expect(isWalError(err, 'ECORRUPT')).toBe(true);
    expect((err as { details: Record<string, unknown> }).details).toMatchObject({ segment: segs[0], offset: at, lsn: perSegment });
  });

  it('stale records of an older log in a reused file never validate (the salt), though with the same salt they would', async () => {
    const run = async (saltB: number): Promise<string[]> => {
      const fs = new MemfsFileSystem();
      const [segA] = await buildLog(fs, ['old-1', 'old-2', 'old-3'], { ...base, random: () => 0.25 });
      const old = await readFileBytes(fs, `${DIR}/${segA}`);
      await fs.unlink(`${DIR}/${segA}`);
      const [segB] = await buildLog(fs, ['new-1'], { ...base, random: () => saltB });
      // Reuse: the old log's records 2 and 3 sit right where the new log's record 2 goes.
      const at = offsetAfter([5]);
      const h = await fs.open(`${DIR}/${segB}`, 'r+');
      await h.write(old.subarray(at, offsetAfter([5, 5, 5])), at);
      await h.close();
      const wal = await Wal.open(memEnv(fs), base);
      const got = wal.recovered.map((r) => dec(r.data));
      await wal.close();
      return got;
    };
    expect(await run(0.75)).toEqual(['new-1']);
    expect(await run(0.25)).toEqual(['new-1', 'old-2', 'old-3']); // control: the salt is what keeps them out
  });

  it('a missing middle segment is corruption; pointInTime keeps what precedes it, skipCorrupted jumps it', async () => {
    const build = async (): Promise<{ fs: MemfsFileSystem; segs: string[] }> => {
      const fs = new MemfsFileSystem();
      const segs = await buildLog(fs, names(40, 300));
      await fs.unlink(`${DIR}/${segs[1]}`);
      return { fs, segs };
    };
    const a = await build();
    const err = await openError(a.fs);
    expect(isWalError(err, 'ECORRUPT')).toBe(true);
    expect((err as { details: Record<string, unknown> }).details).toMatchObject({ segment: a.segs[2], offset: 0 });
    expect((err as Error).message).toContain('missing segment');

    const b = await build();
    const pit = await Wal.open(memEnv(b.fs), { ...base, recoveryMode: 'pointInTime' });
    const firstOfThird = Number(b.segs[2]?.slice(4, 20));
    const firstOfSecond = Number(b.segs[1]?.slice(4, 20));
    expect(pit.recovered.map((r) => r.lsn)).toEqual(Array.from({ length: firstOfSecond - 1 }, (_, i) => i + 1));
    expect(pit.report.dropped.segments).toContain(b.segs[2]);
    expect(await pit.append(enc('x'))).toBe(firstOfSecond);
    await pit.close();

    const c = await build();
    const skip = await Wal.open(memEnv(c.fs), { ...base, recoveryMode: 'skipCorrupted' });
    const lsns = skip.recovered.map((r) => r.lsn);
    expect(lsns).not.toContain(firstOfSecond);
    expect(lsns).toContain(firstOfThird);
    expect(lsns.at(-1)).toBe(40);
    await skip.close();
  });

  it('an empty newest segment (valid header, no records) keeps the LSNs going', async () => {
    const fs = new MemfsFileSystem();
    const [seg] = await buildLog(fs, names(3));
    const header = decodeSegmentHeader(await readFileBytes(fs, `${DIR}/${seg}`));
    if (!header.ok) throw new Error(header.reason);
    const empty = new Uint8Array(4096);
    empty.set(encodeSegmentHeader({ ...header.header, firstLsn: 4 }), 0);
    await writeFileBytes(fs, `${DIR}/${segmentName(4)}`, empty);
    const wal = await Wal.open(memEnv(fs), base);
    expect(wal.recovered.map((r) => r.lsn)).toEqual([1, 2, 3]);
    expect(wal.report.corruption).toEqual([]);
    expect(await wal.append(enc('four'))).toBe(4);
    await wal.close();
    const again = await Wal.open(memEnv(fs), base);
    expect(again.recovered.map((r) => r.lsn)).toEqual([1, 2, 3, 4]);
    await again.close();
  });

  it('a newest segment left empty by a crash during its creation is removed as a torn tail', async () => {
    const fs = new MemfsFileSystem();
    await buildLog(fs, names(3));
    await writeFileBytes(fs, `${DIR}/${segmentName(4)}`, new Uint8Array(0));
    const wal = await Wal.open(memEnv(fs), base);
    expect(wal.recovered.map((r) => r.lsn)).toEqual([1, 2, 3]);
    expect(wal.report.corruption).toEqual([expect.objectContaining({ kind: 'torn-tail', segment: segmentName(4) })]);
    expect(wal.report.dropped.segments).toEqual([segmentName(4)]);
    expect(await fs.readdir(DIR)).not.toContain(segmentName(4));
    expect(await wal.append(enc('four'))).toBe(4);
    await wal.close();
  });

  it('absoluteConsistency refuses a torn tail', async () => {
    const fs = new MemfsFileSystem();
    const payloads = names(2);
    const [seg] = await buildLog(fs, payloads);
    const h = await fs.open(`${DIR}/${seg}`, 'r+');
    await h.write(Uint8Array.from([7, 0, 0, 0, 1, 0]), offsetAfter(payloads.map((p) => p.length)));
    await h.close();
    expect(isWalError(await openError(fs, { ...base, recoveryMode: 'absoluteConsistency' }), 'ECORRUPT')).toBe(true);
  });

  it('EIO on read during recovery rejects open with EIO and truncates nothing', async () => {
    const mem = new MemfsFileSystem();
    const payloads = names(4);
    const [seg] = await buildLog(mem, payloads);
    const path = `${DIR}/${seg}`;
    const h = await mem.open(path, 'r+');
    await h.write(Uint8Array.from([9, 9, 9]), offsetAfter(payloads.map((p) => p.length))); // a torn tail recovery would cut
    await h.close();
    const before = await readFileBytes(mem, path);
    const fs = new FailingFileSystem(mem);
    fs.fail({ op: 'read', nth: 1, code: 'EIO' });
    const err = await openError(fs);
    expect(isWalError(err, 'EIO')).toBe(true);
    expect(fs.calls.truncate).toBe(0);
    expect(await readFileBytes(mem, path)).toEqual(before);
  });

  it('a crash in the middle of recovery (its fsync fails) and another recovery give the same result', async () => {
    const mem = new MemfsFileSystem();
    const payloads = names(4);
    const [seg] = await buildLog(mem, payloads);
    const h = await mem.open(`${DIR}/${seg}`, 'r+');
    await h.write(Uint8Array.from([9, 9, 9, 9, 9]), offsetAfter(payloads.map((p) => p.length)));
    await h.close();
    const fs = new FailingFileSystem(mem);
    fs.fail({ op: 'datasync', nth: 1, code: 'EIO' });
    expect(isWalError(await openError(fs), 'EFAILSTOP')).toBe(true);
    fs.clear();
    const wal = await Wal.open(memEnv(fs), base);
    expect(wal.recovered.map((r) => dec(r.data))).toEqual(payloads);
    expect(await wal.append(enc('five'))).toBe(5);
    await wal.close();
  });
});
