/**
 * The dead-letter queue (in memory): skipCorrupted's salvaged bytes kept before any repair and never twice,
 * applyRecovered's rejected records and transactions, replay, purge and compaction, and what bad input gets.
 */
import { describe, expect, it } from 'vitest';
import {
  applyRecovered,
  backup,
  DEAD_LETTER_DIR,
  DeadLetterQueue,
  openDeadLetterQueue,
  restoreBackup,
  verifyBackup,
  Wal,
  type DeadLetter,
  type RecoveredTransaction,
  type WalOptions,
} from '../../src/engine/index.js';
import { decodeDeadLetterRecord, encodeDeadLetter, encodeResolution } from '../../src/engine/dead-letter-entry.js';
import { RECORD_HEADER_SIZE, SEGMENT_HEADER_SIZE } from '../../src/engine/format.js';
import { isWalError } from '../../src/errors.js';
import type { FileSystem } from '../../src/ports.js';
import type { RecoveredRecord } from '../../src/ports.js';
import { MemfsFileSystem } from '../helpers/memfs-file-system.js';
import { dec, enc, FailingFileSystem, memEnv, readFileBytes, writeFileBytes } from './support.js';

const DIR = '/wal';
const base: WalOptions = { segmentSize: 4096, durability: { kind: 'everyWrite' } };
const payload = (i: number): string => `record-${String(i).padStart(3, '0')}-${'y'.repeat(150)}`;

async function buildLog(fs: FileSystem, count: number, options: WalOptions = base): Promise<string[]> {
  const wal = await Wal.open(memEnv(fs), options);
  for (let i = 1; i <= count; i++) await wal.append(enc(payload(i)));
  await wal.close();
  return (await fs.readdir(DIR)).filter((n) => n.startsWith('wal-') && n.endsWith('.log')).sort();
}

/** Flips one payload byte of the `index`-th record (0-based) of segment `seg`; returns the record's offset. */
async function flipRecord(fs: FileSystem, seg: string, index: number): Promise<number> {
  const path = `${DIR}/${seg}`;
  const bytes = await readFileBytes(fs, path);
  const at = SEGMENT_HEADER_SIZE + index * (RECORD_HEADER_SIZE + payload(1).length);
  bytes[at + RECORD_HEADER_SIZE + 5] = (bytes[at + RECORD_HEADER_SIZE + 5] as number) ^ 0x20;
  await writeFileBytes(fs, path, bytes);
  return at;
}

const recordBytes = RECORD_HEADER_SIZE + payload(1).length;

describe('skipCorrupted: what it passes over goes to the dead-letter queue', () => {
  it('a hole mid-segment: its raw bytes, where they lie and why, once, across reopenings', async () => {
    const fs = new MemfsFileSystem();
    const segs = await buildLog(fs, 40);
    expect(segs.length).toBeGreaterThanOrEqual(2);
    const seg = segs[0] as string;
    const at = await flipRecord(fs, seg, 2); // LSN 3
    const file = await readFileBytes(fs, `${DIR}/${seg}`);
    const wal = await Wal.open(memEnv(fs), { ...base, recoveryMode: 'skipCorrupted' });
    expect(wal.recovered.map((r) => r.lsn)).not.toContain(3);
    const q = wal.deadLetters;
    expect(q).toBeDefined();
    const entries = q?.list() ?? [];
    expect(entries).toHaveLength(1);
    const e = entries[0] as DeadLetter;
    expect(e).toMatchObject({ kind: 'salvaged', segment: seg, offset: at, firstLsn: 3, logId: wal.logId, status: 'live' });
    expect(e.reason.code).toBe('ECORRUPT');
    expect(e.reason.message).toContain('checksum mismatch');
    expect(e.parts[0]?.data).toEqual(file.subarray(at, at + recordBytes));
    expect(q?.stats().deadLettered.salvaged).toBe(1);
    await wal.close();

    const again = await Wal.open(memEnv(fs), { ...base, recoveryMode: 'skipCorrupted' });
    expect(again.deadLetters?.list().map((x) => x.id)).toEqual([e.id]);
    expect(again.deadLetters?.stats()).toMatchObject({ duplicatesSkipped: 1, deadLettered: { salvaged: 0 } });
    await again.close();
  });

  it('the damaged end of a sealed segment is kept up to its last non-zero byte; deadLetters: false keeps nothing', async () => {
    const fs = new MemfsFileSystem();
    const segs = await buildLog(fs, 40);
    const seg = segs[0] as string;
    const file = await readFileBytes(fs, `${DIR}/${seg}`);
    const perSegment = Math.floor((4096 - SEGMENT_HEADER_SIZE) / recordBytes);
    const at = await flipRecord(fs, seg, perSegment - 1); // the segment's last record
    const off = await Wal.open(memEnv(fs), { ...base, recoveryMode: 'skipCorrupted', deadLetters: false });
    expect(off.deadLetters).toBeUndefined();
    await off.close();
    expect(await fs.readdir(DIR)).not.toContain(DEAD_LETTER_DIR);
    const wal = await Wal.open(memEnv(fs), { ...base, recoveryMode: 'skipCorrupted' });
    const [e] = wal.deadLetters?.list() ?? [];
    expect(e).toMatchObject({ kind: 'salvaged', segment: seg, offset: at, firstLsn: perSegment });
    const flippedFile = await readFileBytes(fs, `${DIR}/${seg}`);
    expect(e?.parts[0]?.data).toEqual(flippedFile.subarray(at, at + recordBytes));
    expect(file.subarray(at + recordBytes).every((b) => b === 0)).toBe(true);
    await wal.close();
  });

  it('a first segment whose header is destroyed is passed over whole: kept from offset 0 to its last non-zero byte', async () => {
    const fs = new MemfsFileSystem();
    const segs = await buildLog(fs, 40);
    const seg = segs[0] as string;
    const path = `${DIR}/${seg}`;
    const bytes = await readFileBytes(fs, path);
    bytes.fill(0, 0, SEGMENT_HEADER_SIZE);
    await writeFileBytes(fs, path, bytes);
    const end = bytes.length - [...bytes].reverse().findIndex((b) => b !== 0);
    const wal = await Wal.open(memEnv(fs), { ...base, recoveryMode: 'skipCorrupted' });
    const [e, ...rest] = wal.deadLetters?.list() ?? [];
    expect(rest).toEqual([]);
    expect(e).toMatchObject({ kind: 'salvaged', segment: seg, offset: 0 });
    expect(e?.reason.message).toContain('segment header');
    expect(e?.parts[0]?.data).toEqual(bytes.subarray(0, end));
    await wal.close();
  });

  it('other modes keep no queue unless asked; a clean log under skipCorrupted creates none', async () => {
    const fs = new MemfsFileSystem();
    await buildLog(fs, 5);
    const wal = await Wal.open(memEnv(fs), { ...base, recoveryMode: 'skipCorrupted' });
    expect(wal.deadLetters?.list()).toEqual([]);
    await wal.close();
    expect(await fs.readdir(DIR)).not.toContain(DEAD_LETTER_DIR);
    const plain = await Wal.open(memEnv(fs), base);
    expect(plain.deadLetters).toBeUndefined();
    await plain.close();
  });

  it('a queue that cannot be written fails the open before the log is repaired (nothing lost from both)', async () => {
    const mem = new MemfsFileSystem();
    const segs = await buildLog(mem, 40);
    await flipRecord(mem, segs[0] as string, 1);
    // A torn tail in the newest segment: the open would truncate it, after the queue.
    const newest = `${DIR}/${segs.at(-1) as string}`;
    const tail = await readFileBytes(mem, newest);
    const end = tail.length - [...tail].reverse().findIndex((b) => b !== 0);
    tail.set(enc('torn-garbage'), end + 3);
    await writeFileBytes(mem, newest, tail);
    const before = await Promise.all(segs.map((s) => readFileBytes(mem, `${DIR}/${s}`)));
    const fs = new FailingFileSystem(mem);
    fs.fail({ op: 'syncDir', nth: 1, code: 'EIO', pathIncludes: DEAD_LETTER_DIR });
    await expect(Wal.open(memEnv(fs), { ...base, recoveryMode: 'skipCorrupted' })).rejects.toMatchObject({ code: 'EFAILSTOP' });
    expect(fs.fired).toHaveLength(1);
    expect(await Promise.all(segs.map((s) => readFileBytes(mem, `${DIR}/${s}`)))).toEqual(before);
    const wal = await Wal.open(memEnv(mem), { ...base, recoveryMode: 'skipCorrupted' });
    expect(wal.deadLetters?.list()).toHaveLength(1);
    expect(wal.report.tornBytesTruncated).toBeGreaterThan(0);
    await wal.close();
  });

  it('a log directory whose dlq is not a directory is refused (EINVAL)', async () => {
    const fs = new MemfsFileSystem();
    await buildLog(fs, 3);
    await (await fs.open(`${DIR}/${DEAD_LETTER_DIR}`, 'w+')).close();
    await expect(Wal.open(memEnv(fs), { ...base, deadLetters: true })).rejects.toMatchObject({ code: 'EINVAL' });
  });
});

describe('a damaged queue', () => {
  it('is refused (ECORRUPT, naming the queue) by the open of its log and by inspect, and nothing is changed', async () => {
    const fs = new MemfsFileSystem();
    const q = await openDeadLetterQueue(memEnv(fs));
    for (let lsn = 1; lsn <= 3; lsn++) {
      await q.reject({
        kind: 'record',
        logId: '0011223344556677',
        records: [{ lsn, data: enc(`r${lsn}`) }],
        lastLsn: lsn,
        segment: '',
        error: 'x',
      });
    }
    await q.close();
    const [seg] = (await fs.readdir(`${DIR}/${DEAD_LETTER_DIR}`)).filter((n) => n.endsWith('.log'));
    const path = `${DIR}/${DEAD_LETTER_DIR}/${seg as string}`;
    const bytes = await readFileBytes(fs, path);
    bytes[SEGMENT_HEADER_SIZE + RECORD_HEADER_SIZE + 30] = (bytes[SEGMENT_HEADER_SIZE + RECORD_HEADER_SIZE + 30] as number) ^ 1;
    await writeFileBytes(fs, path, bytes);
    const err = await Wal.open(memEnv(fs), { ...base, deadLetters: true }).catch((e: unknown) => e);
    expect(isWalError(err, 'ECORRUPT')).toBe(true);
    expect((err as Error).message).toContain(`dead-letter queue ${DIR}/${DEAD_LETTER_DIR}`);
    await expect(DeadLetterQueue.inspect(memEnv(fs))).rejects.toMatchObject({ code: 'ECORRUPT' });
    expect(await readFileBytes(fs, path)).toEqual(bytes);
  });
});

describe('applyRecovered', () => {
  const txOptions: WalOptions = { ...base, transactions: true };

  async function mixedLog(fs: FileSystem): Promise<void> {
    const wal = await Wal.open(memEnv(fs), txOptions);
    for (let i = 1; i <= 5; i++) await wal.append(enc(`plain-${i}`)); // LSNs 1..5
    await wal.appendTransaction([enc('tx-a1'), enc('tx-a2')]); // 6, 7, commit 8
    await wal.append(enc('plain-9')); // 9
    await wal.appendTransaction([enc('tx-b1')]); // 10, commit 11
    await wal.close();
  }

  it('a rejected record and a rejected transaction go to the queue with the error; a second run hands them over no more', async () => {
    const fs = new MemfsFileSystem();
    await mixedLog(fs);
    const seen: string[] = [];
    const handler = {
      record(r: RecoveredRecord): void {
        seen.push(`r${r.lsn}`);
        if (dec(r.data) === 'plain-3') throw Object.assign(new Error('cannot parse plain-3'), { code: 'EPARSE' });
      },
      async transaction(t: RecoveredTransaction): Promise<void> {
        seen.push(`t${t.lsn}`);
        if (t.lsn === 8) throw new TypeError('schema mismatch');
      },
    };
    const wal = await Wal.open(memEnv(fs), { ...txOptions, deadLetters: true });
    const out = await applyRecovered(wal, handler);
    expect(seen).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 't8', 'r9', 't11']);
    expect(out).toMatchObject({ applied: 6, alreadyDeadLettered: 0 });
    expect(out.deadLettered).toHaveLength(2);
    const [rec, tx] = wal.deadLetters?.list() ?? [];
    expect(rec).toMatchObject({ kind: 'record', firstLsn: 3, lastLsn: 3, reason: { code: 'EPARSE', message: 'cannot parse plain-3' } });
    expect(rec?.segment).toMatch(/^wal-\d{16}\.log$/);
    expect(rec?.parts.map((p) => dec(p.data))).toEqual(['plain-3']);
    expect(tx).toMatchObject({ kind: 'transaction', firstLsn: 6, lastLsn: 8, reason: { code: 'TypeError', message: 'schema mismatch' } });
    expect(tx?.parts.map((p) => [p.lsn, dec(p.data)])).toEqual([
      [6, 'tx-a1'],
      [7, 'tx-a2'],
    ]);
    expect(wal.deadLetters?.stats()).toMatchObject({ deadLettered: { record: 1, transaction: 1, salvaged: 0 }, live: 2 });
    await wal.close();

    seen.length = 0;
    const again = await Wal.open(memEnv(fs), { ...txOptions, deadLetters: true });
    const second = await applyRecovered(again, handler);
    expect(second).toMatchObject({ applied: 6, deadLettered: [], alreadyDeadLettered: 2 });
    expect(seen).toEqual(['r1', 'r2', 'r4', 'r5', 'r9', 't11']);
    expect(again.deadLetters?.list()).toHaveLength(2);
    await again.close();
  });

  it('logs every dead letter with its context: segment and LSN, the commit LSN (txLsn) of a transaction, the offset of salvaged bytes', async () => {
    const fs = new MemfsFileSystem();
    await mixedLog(fs);
    const events: { level: string; fields: Record<string, unknown>; message: string }[] = [];
    const at =
      (level: string) =>
      (fields: Record<string, unknown>, message: string): void =>
        void events.push({ level, fields, message });
    const logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
    const wal = await Wal.open(memEnv(fs), { ...txOptions, deadLetters: true, logger });
    await applyRecovered(wal, {
      record: () => undefined,
      transaction: () => {
        throw new Error('no');
      },
    });
    const dead = events.filter((e) => e.message === 'rejected transaction dead-lettered');
    expect(dead.map((e) => e.fields)).toEqual([
      expect.objectContaining({ kind: 'transaction', lsn: 6, txLsn: 8, segment: expect.stringMatching(/^wal-/), id: 1, code: 'Error' }),
      expect.objectContaining({ kind: 'transaction', lsn: 10, txLsn: 11, id: 2 }),
    ]);
    for (const e of dead) expect(e.level).toBe('warn');
    await wal.close();
  });

  it('refuses a log without a queue, and a handler missing a method the log needs, before handing anything over', async () => {
    const fs = new MemfsFileSystem();
    await mixedLog(fs);
    const plain = await Wal.open(memEnv(fs), txOptions);
    await expect(applyRecovered(plain, { record: () => undefined })).rejects.toMatchObject({ code: 'EINVAL' });
    await plain.close();
    const wal = await Wal.open(memEnv(fs), { ...txOptions, deadLetters: true });
    let calls = 0;
    await expect(applyRecovered(wal, { record: () => void (calls += 1) })).rejects.toMatchObject({ code: 'EINVAL' });
    expect(calls).toBe(0);
    await wal.close();
  });
});

describe('replay and purge', () => {
  async function queueWithRejects(fs: FileSystem, n: number): Promise<void> {
    const wal = await Wal.open(memEnv(fs), { ...base, deadLetters: true });
    for (let i = 1; i <= n; i++) await wal.append(enc(`item-${i}`));
    await wal.close();
    const reopened = await Wal.open(memEnv(fs), { ...base, deadLetters: true });
    await applyRecovered(reopened, {
      record: () => {
        throw new Error('downstream unavailable');
      },
    });
    await reopened.close();
  }

  it('replay resolves what the handler takes and records each failure; the state survives a reopen', async () => {
    const fs = new MemfsFileSystem();
    await queueWithRejects(fs, 3);
    const q = await openDeadLetterQueue(memEnv(fs));
    const ids = q.list().map((e) => e.id);
    expect(ids).toHaveLength(3);
    const out = await q.replay((e) => {
      if (dec(e.parts[0]?.data ?? new Uint8Array()) === 'item-2') throw Object.assign(new Error('still broken'), { code: 'EBROKEN' });
    });
    expect(out.replayed).toEqual([ids[0], ids[2]]);
    expect(out.failed).toEqual([{ id: ids[1], error: { code: 'EBROKEN', message: 'still broken' } }]);
    expect(q.stats()).toMatchObject({ replayed: 2, replayFailures: 1, live: 1 });
    await q.close();

    const back = await openDeadLetterQueue(memEnv(fs));
    expect(back.list().map((e) => e.id)).toEqual([ids[1]]);
    expect(back.get(ids[1] as number)).toMatchObject({ failedReplays: 1, lastError: { code: 'EBROKEN' } });
    expect(back.get(ids[0] as number).status).toBe('replayed');
    await expect(back.replay(() => undefined, { ids: [ids[0] as number] })).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(back.purge([999])).rejects.toMatchObject({ code: 'EINVAL' });
    expect(await back.purge([ids[1] as number])).toEqual([ids[1]]);
    expect(back.list()).toEqual([]);
    await back.close();
  });

  it('compaction releases the queue segments once every entry in them is resolved and its source is gone from the log', async () => {
    const fs = new MemfsFileSystem();
    const q = await openDeadLetterQueue(memEnv(fs), { segmentSize: 4096 });
    const logId = '00112233445566aa';
    const ids: number[] = [];
    for (let lsn = 1; lsn <= 12; lsn++) {
      const records = [{ lsn, data: enc(`gone-${lsn}-${'z'.repeat(600)}`) }];
      ids.push(await q.reject({ kind: 'record', logId, records, lastLsn: lsn, segment: '', error: new Error('no') }));
    }
    const dlqSegments = async (): Promise<string[]> => (await fs.readdir(`${DIR}/${DEAD_LETTER_DIR}`)).filter((n) => n.endsWith('.log'));
    expect((await dlqSegments()).length).toBeGreaterThan(2);
    // The same source again: not added.
    const dup = await q.reject({ kind: 'record', logId, records: [{ lsn: 1, data: enc('x') }], lastLsn: 1, segment: '', error: 'again' });
    expect(dup).toBe(ids[0]);
    await q.purge(ids.slice(0, 11));
    // The parent log has no segment: every source is gone, so only the segments holding entry 12 (live) and later stay.
    const left = await dlqSegments();
    expect(left.length).toBeLessThan(3);
    expect(q.list().map((e) => e.id)).toEqual([ids[11]]);
    await q.close();
    const back = await openDeadLetterQueue(memEnv(fs), { segmentSize: 4096 });
    expect(back.list().map((e) => e.id)).toEqual([ids[11]]);
    expect(back.list({ all: true }).every((e) => e.id >= Number(left[0]?.slice(4, 20)))).toBe(true);
    await back.close();
  });
});

describe('entry encoding', () => {
  const entry = {
    kind: 'transaction' as const,
    logId: '0123456789abcdef',
    atMs: 17,
    firstLsn: 6,
    lastLsn: 8,
    segment: 'wal-0000000000000001.log',
    offset: 0,
    reason: { code: 'EPARSE', message: 'bad ✓' },
    parts: [
      { lsn: 6, data: enc('a') },
      { lsn: 7, data: enc('bc') },
    ],
  };

  it('round-trips entries and resolutions; every truncation and a changed reserved byte or kind is ECORRUPT', () => {
    const bytes = encodeDeadLetter(entry);
    expect(decodeDeadLetterRecord(bytes, 1)).toEqual({ type: 'entry', entry });
    const res = encodeResolution({ action: 'replay-failed', atMs: 3, ids: [1, 2], reason: { code: 'E', message: 'm' } });
    expect(decodeDeadLetterRecord(res, 5)).toEqual({
      type: 'resolution',
      resolution: { action: 'replay-failed', atMs: 3, ids: [1, 2], reason: { code: 'E', message: 'm' } },
    });
    expect(() => decodeDeadLetterRecord(res, 2)).toThrow(/not below it/);
    for (let cut = 0; cut < bytes.length; cut++) {
      let err: unknown;
      try {
        decodeDeadLetterRecord(bytes.subarray(0, cut), 1);
      } catch (e) {
        err = e;
      }
      expect(isWalError(err, 'ECORRUPT')).toBe(true);
    }
    for (const at of [0, 4, 5, 6, 60, 48]) {
      const bad = bytes.slice();
      bad[at] = (bad[at] as number) ^ 0x40;
      expect(() => decodeDeadLetterRecord(bad, 1)).toThrow(/does not decode/);
    }
  });

  it('refuses a reason longer than its bound on decoding, and cuts one on encoding', () => {
    const bytes = encodeDeadLetter(entry);
    const long = bytes.slice();
    new DataView(long.buffer).setUint16(54, 300, true);
    expect(() => decodeDeadLetterRecord(long, 1)).toThrow(/above its bound of 256/);
    const cut = decodeDeadLetterRecord(encodeDeadLetter({ ...entry, reason: { code: 'E', message: '✓'.repeat(3000) } }), 1);
    expect(cut.type === 'entry' && cut.entry.reason.message).toBe('✓'.repeat(1365));
  });

  it('refuses to encode an entry whose parts do not match its kind', () => {
    expect(() => encodeDeadLetter({ ...entry, lastLsn: 9 })).toThrow(/commit LSN/);
    expect(() => encodeDeadLetter({ ...entry, logId: 'nope' })).toThrow(/16 hex digits/);
  });
});

describe('a hot backup carries the dead-letter queue', () => {
  it('backup copies the queue (manifest first), verifyBackup checks it, restoreBackup brings it back; a damaged queue copy is refused', async () => {
    const fs = new MemfsFileSystem();
    const segs = await buildLog(fs, 40);
    await flipRecord(fs, segs[0] as string, 2); // LSN 3, passed over into the queue
    const wal = await Wal.open(memEnv(fs), { ...base, recoveryMode: 'skipCorrupted' });
    const before = wal.deadLetters?.list() ?? [];
    expect(before).toHaveLength(1);
    const manifest = await backup(wal, fs, '/bak');
    await wal.close();
    expect(manifest.deadLetters).toBe(true);
    expect((await fs.readdir('/bak')).sort()).toContain(DEAD_LETTER_DIR);
    expect(await fs.readdir(`/bak/${DEAD_LETTER_DIR}`)).toContain('backup-manifest.json');
    await verifyBackup(fs, '/bak');
    await restoreBackup(fs, '/bak', fs, '/restored');
    const back = await Wal.open(memEnv(fs, undefined, '/restored'), { ...base, recoveryMode: 'skipCorrupted' });
    expect(back.deadLetters?.list()).toEqual(before);
    expect(back.recovered.map((r) => r.lsn)).not.toContain(3);
    await back.close();

    // The queue's copy damaged: the backup as a whole is refused, and nothing is restored.
    const qseg = (await fs.readdir(`/bak/${DEAD_LETTER_DIR}`)).find((n) => n.endsWith('.log')) as string;
    const bytes = await readFileBytes(fs, `/bak/${DEAD_LETTER_DIR}/${qseg}`);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
    await writeFileBytes(fs, `/bak/${DEAD_LETTER_DIR}/${qseg}`, bytes);
    await expect(verifyBackup(fs, '/bak')).rejects.toMatchObject({ code: 'ECORRUPT', message: /dead-letter queue/ });
    await expect(restoreBackup(fs, '/bak', fs, '/restored2')).rejects.toMatchObject({ code: 'ECORRUPT' });
    // A log without a queue log backs up as before: no field, no directory.
    const plain = await Wal.open(memEnv(fs, undefined, '/plain'), base);
    await plain.append(enc('x'));
    const m = await backup(plain, fs, '/bak-plain');
    await plain.close();
    expect(m.deadLetters).toBeUndefined();
    expect(await fs.readdir('/bak-plain')).not.toContain(DEAD_LETTER_DIR);
  });
});
