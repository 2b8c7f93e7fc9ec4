/**
 * Transactions in the log (format v3): a transaction's data records and its
 * commit are applied whole or not at all, whatever is cut off or damaged;
 * plain records around them recover as before; an old log takes
 * transactions from a new v3 segment on.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Wal, type WalOptions } from '../../src/engine/index.js';
import {
  commitCount,
  decodeRecord,
  decodeSegmentHeader,
  encodeCommitPayload,
  encodeRecords,
  FORMAT_VERSION_TRANSACTIONS,
  RECORD_HEADER_SIZE,
  saltSeed,
  segmentName,
  TXN_COMMIT,
  TXN_DATA,
  TXN_NONE,
} from '../../src/engine/format.js';
import { resolveTransactions } from '../../src/engine/recovery-transactions.js';
import type { FileSystem, RecoveredRecord } from '../../src/ports.js';
import { isWalError } from '../../src/errors.js';
import { dec, enc, memEnv } from './support.js';
import { MemfsFileSystem } from '../helpers/memfs-file-system.js';

const TXN: WalOptions = { transactions: true, preallocate: false, segmentSize: 64 * 1024 };

async function fileSize(fs: FileSystem, path: string): Promise<number> {
  return (await fs.stat(path)).size;
}

async function segmentFiles(fs: FileSystem, dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).filter((n) => n.endsWith('.log')).sort();
}

describe('appendTransaction', () => {
  it('is refused without the transactions option, and for empty, oversized or non-byte transactions', async () => {
    const plain = await Wal.open(memEnv(), { preallocate: false });
    await expect(plain.appendTransaction([enc('a')])).rejects.toMatchObject({ code: 'EINVAL' });
    await plain.close();
    const wal = await Wal.open(memEnv(), { ...TXN, segmentSize: 4096, maxRecordSize: 1024 });
    await expect(wal.appendTransaction([])).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(wal.appendTransaction(['x' as unknown as Uint8Array])).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(wal.appendTransaction([new Uint8Array(2000)])).rejects.toMatchObject({ code: 'ETOOLARGE' });
    // Each record fits, the whole does not fit one segment.
    const big = Array.from({ length: 5 }, () => new Uint8Array(1000));
    await expect(wal.appendTransaction(big)).rejects.toMatchObject({ code: 'ETOOLARGE' });
    // Nothing of the refused ones took an LSN.
    expect(await wal.append(enc('after'))).toBe(1);
    expect(wal.stats().appendsRejected).toBe(4);
    await wal.close();
  });

  it('resolves with the commit LSN; the data records take the LSNs just before it; recovery hands back the transaction whole', async () => {
    const env = memEnv();
    const wal = await Wal.open(env, TXN);
    expect(await wal.append(enc('p1'))).toBe(1);
    const [t1, p2, t2] = await Promise.all([
      wal.appendTransaction([enc('a1'), enc('a2'), enc('a3')]),
      wal.append(enc('p2')),
      wal.appendTransaction([enc('b1')]),
    ]);
    expect([t1, p2, t2]).toEqual([5, 6, 8]);
    expect(wal.stats()).toMatchObject({ transactions: 2, appends: 4, nextLsn: 9 });
    await wal.close();

    const again = await Wal.open(env, TXN);
    expect(again.recovered.map((r) => [r.lsn, dec(r.data)])).toEqual([
      [1, 'p1'],
      [2, 'a1'],
      [3, 'a2'],
      [4, 'a3'],
      [6, 'p2'],
      [7, 'b1'],
    ]);
    expect(again.recoveredTransactions.map((t) => [t.lsn, t.records.map((r) => dec(r.data))])).toEqual([
      [5, ['a1', 'a2', 'a3']],
      [8, ['b1']],
    ]);
    expect(again.report.transactions).toEqual({ committed: 2, incomplete: 0, incompleteRecords: 0 });
    expect(again.report.records).toBe(6);
    expect(await again.appendTransaction([enc('c1')])).toBe(10);
    await again.close();
    const [name] = await segmentFiles(env.fs, env.dir);
    const head = new Uint8Array(64);
    const h = await env.fs.open(`${env.dir}/${String(name)}`, 'r');
    await h.read(head, 0);
    await h.close();
    const decoded = decodeSegmentHeader(head);
    expect(decoded.ok && decoded.header.version).toBe(FORMAT_VERSION_TRANSACTIONS);
  });

  it('cut at every byte of a transaction: the transaction is applied whole or not at all, and what came before stays', async () => {
    const fs = new MemfsFileSystem();
    const env = memEnv(fs);
    const wal = await Wal.open(env, TXN);
    await wal.append(enc('before'));
    await wal.appendTransaction([enc('one'), enc('two-two'), enc('three')]);
    await wal.close();
    const path = `${env.dir}/${segmentName(1)}`;
    const full = await fileSize(fs, path);
    const image = new Uint8Array(full);
    const h = await fs.open(path, 'r');
    await h.read(image, 0);
    await h.close();
    const txnStart = 64 + RECORD_HEADER_SIZE + 'before'.length;
    for (let cut = txnStart; cut <= full; cut++) {
      const copy = new MemfsFileSystem();
      await copy.mkdir(env.dir, { recursive: true });
      const w = await copy.open(path, 'w+');
      await w.write(image.subarray(0, cut), 0);
      await w.close();
      const reopened = await Wal.open(memEnv(copy), TXN);
      const got = reopened.recovered.map((r) => dec(r.data));
      if (cut === full) {
        expect(got).toEqual(['before', 'one', 'two-two', 'three']);
        expect(reopened.report.transactions.committed).toBe(1);
      } else {
        expect(got).toEqual(['before']);
        expect(reopened.report.transactions.committed).toBe(0);
        // The data records that verified are counted as rolled back; a cut inside the first one leaves none.
        expect(reopened.report.transactions.incomplete).toBe(reopened.report.transactions.incompleteRecords > 0 ? 1 : 0);
      }
      // LSNs never go back: the next append comes after everything the log still holds.
      const next = await reopened.append(enc('next'));
      expect(next).toBeGreaterThanOrEqual(2);
      await reopened.close();
      const third = await Wal.open(memEnv(copy), TXN);
      expect(third.recovered.map((r) => dec(r.data)).at(-1)).toBe('next');
      expect(third.recovered.map((r) => dec(r.data)).slice(0, -1)).toEqual(got);
      await third.close();
    }
  });

  it('a compressing log writes plain records as frames and transactions as plain records, and recovers both', async () => {
    const env = memEnv();
    const wal = await Wal.open(env, { ...TXN, compression: 'lz4' });
    const text = enc('x'.repeat(400));
    await Promise.all([wal.append(text), wal.append(text), wal.appendTransaction([text, text]), wal.append(text), wal.append(text)]);
    expect(wal.stats().compressedFrames).toBeGreaterThan(0);
    await wal.close();
    const again = await Wal.open(env, { ...TXN, compression: 'lz4' });
    expect(again.recovered.map((r) => r.lsn)).toEqual([1, 2, 3, 4, 6, 7]);
    expect(again.recoveredTransactions.map((t) => t.lsn)).toEqual([5]);
    await again.close();
  });

  it('an existing log without transactions takes its first transaction in a new format v3 segment', async () => {
    const env = memEnv();
    const old = await Wal.open(env, { preallocate: false });
    await old.append(enc('old'));
    await old.close();
    const wal = await Wal.open(env, TXN);
    expect(await wal.appendTransaction([enc('t')])).toBe(3);
    expect(wal.stats().rotations).toBe(1);
    await wal.close();
    const names = await segmentFiles(env.fs, env.dir);
    expect(names).toEqual([segmentName(1), segmentName(2)]);
    const again = await Wal.open(env, TXN);
    expect(again.recovered.map((r) => dec(r.data))).toEqual(['old', 't']);
    await again.close();
    // An empty old segment is rewritten as v3 in place instead.
    const env2 = memEnv();
    (await Wal.open(env2, { preallocate: false })).close();
    const w2 = await Wal.open(env2, TXN);
    expect(await w2.appendTransaction([enc('t')])).toBe(2);
    expect(w2.stats().rotations).toBe(0);
    await w2.close();
  });

  it('a transaction record in a segment of format v1 or v2 is damage, as before v3 existed', () => {
    const seed = saltSeed(new Uint8Array(8));
    const bytes = encodeRecords([{ lsn: 2, syncedThrough: 0, data: encodeCommitPayload(1), txn: TXN_COMMIT }], seed);
    expect(decodeRecord(bytes, 0, seed, 1024)).toMatchObject({ ok: false, reason: 'bad record type 3' });
    expect(decodeRecord(bytes, 0, seed, 1024, undefined, true)).toMatchObject({ ok: true, record: { txn: TXN_COMMIT } });
    const data = encodeRecords([{ lsn: 1, syncedThrough: 0, data: enc('d'), txn: TXN_DATA }], seed);
    expect(decodeRecord(data, 0, seed, 1024)).toMatchObject({ ok: false, reason: 'unsupported flags 0x2' });
    // A commit that claims more data records than LSNs below it is refused.
    const wild = encodeRecords([{ lsn: 2, syncedThrough: 0, data: encodeCommitPayload(2), txn: TXN_COMMIT }], seed);
    expect(decodeRecord(wild, 0, seed, 1024, undefined, true).ok).toBe(false);
    expect(commitCount(encodeCommitPayload(7))).toBe(7);
  });
});

describe('resolveTransactions', () => {
  const rec = (lsn: number, text = `r${lsn}`): RecoveredRecord => ({ lsn, data: enc(text) });
  const commit = (lsn: number, count: number): RecoveredRecord => ({ lsn, data: encodeCommitPayload(count) });

  it('applies a commit to exactly the data records just before it; what no commit covers is rolled back', () => {
    // 1 plain; 2,3 data without a commit (a write that failed after them was rolled back); 4,5 data + 6 commit of 2; 7 plain; 8 data at the end.
    const records = [rec(1), rec(2), rec(3), rec(4), rec(5), commit(6, 2), rec(7), rec(8)];
    const marks = Uint8Array.from([TXN_NONE, TXN_DATA, TXN_DATA, TXN_DATA, TXN_DATA, TXN_COMMIT, TXN_NONE, TXN_DATA]);
    const r = resolveTransactions(records, marks);
    expect(r.records.map((x) => x.lsn)).toEqual([1, 4, 5, 7]);
    expect(r.transactions.map((t) => [t.lsn, t.records.map((x) => x.lsn)])).toEqual([[6, [4, 5]]]);
    expect(r.counts).toEqual({ committed: 1, incomplete: 2, incompleteRecords: 3 });
  });

  it('a commit whose data records are not all there (a hole, a plain record between) applies nothing', () => {
    const hole = resolveTransactions([rec(1), rec(3), commit(4, 3)], Uint8Array.from([TXN_DATA, TXN_DATA, TXN_COMMIT]));
    expect(hole.records).toEqual([]);
    expect(hole.counts).toEqual({ committed: 0, incomplete: 2, incompleteRecords: 2 });
    const between = resolveTransactions([rec(1), rec(2), commit(3, 2)], Uint8Array.from([TXN_DATA, TXN_NONE, TXN_COMMIT]));
    expect(between.records.map((x) => x.lsn)).toEqual([2]);
    expect(between.counts.committed).toBe(0);
    const orphan = resolveTransactions([commit(5, 1)], Uint8Array.from([TXN_COMMIT]));
    expect(orphan.counts).toEqual({ committed: 0, incomplete: 1, incompleteRecords: 0 });
  });

  it('without marks, the records are returned as they are', () => {
    const records = [rec(1), rec(2)];
    expect(resolveTransactions(records, undefined)).toEqual({
      records,
      transactions: [],
      counts: { committed: 0, incomplete: 0, incompleteRecords: 0 },
    });
  });

  it('property: every transaction is applied whole or not at all, in LSN order, whatever records are lost', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4 })), { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (shape, lost) => {
          // A log of plain records (0) and transactions (n data records + a commit).
          const records: RecoveredRecord[] = [];
          const marks: number[] = [];
          const txns: number[][] = [];
          let lsn = 1;
          for (const n of shape) {
            if (n === 0) {
              records.push(rec(lsn++));
              marks.push(TXN_NONE);
              continue;
            }
            const lsns: number[] = [];
            for (let k = 0; k < n; k++) {
              lsns.push(lsn);
              records.push(rec(lsn++));
              marks.push(TXN_DATA);
            }
            records.push(commit(lsn++, n));
            marks.push(TXN_COMMIT);
            txns.push(lsns);
          }
          const drop = new Set(lost.map((i) => i % records.length));
          const keptRecords = records.filter((_, i) => !drop.has(i));
          const keptMarks = Uint8Array.from(marks.filter((_, i) => !drop.has(i)));
          const r = resolveTransactions(keptRecords, keptMarks);
          const got = new Set(r.records.map((x) => x.lsn));
          for (const lsns of txns) {
            const applied = lsns.filter((l) => got.has(l)).length;
            expect(applied === 0 || applied === lsns.length).toBe(true);
          }
          const out = r.records.map((x) => x.lsn);
          expect(out).toEqual([...out].sort((a, b) => a - b));
          for (const t of r.transactions) expect(t.records.map((x) => x.lsn)).toEqual(txns.find((l) => l.at(-1) === t.lsn - 1));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('transactions and truncatePrefix', () => {
  it('releasing whole segments below a transaction keeps it whole', async () => {
    const env = memEnv();
    const wal = await Wal.open(env, { ...TXN, segmentSize: 4096 });
    let last = 0;
    for (let i = 0; i < 40; i++) last = await wal.appendTransaction([new Uint8Array(100).fill(i), new Uint8Array(100).fill(i)]);
    expect(wal.stats().segments).toBeGreaterThan(2);
    await wal.truncatePrefix(last - 2);
    await wal.close();
    const again = await Wal.open(env, { ...TXN, segmentSize: 4096 });
    expect(again.report.transactions.incomplete).toBe(0);
    for (const t of again.recoveredTransactions) expect(t.records.length).toBe(2);
    expect(again.recoveredTransactions.at(-1)?.lsn).toBe(last);
    await again.close();
  });
});

it('WalError codes are data', async () => {
  const wal = await Wal.open(memEnv(), TXN);
  const err: unknown = await wal.appendTransaction([]).catch((e: unknown) => e);
  expect(isWalError(err, 'EINVAL')).toBe(true);
  await wal.close();
});
