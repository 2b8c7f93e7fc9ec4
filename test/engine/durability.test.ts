import { describe, expect, it } from 'vitest';
import { Wal, walPlugin, type Durability, type WalOptions } from '../../src/engine/index.js';
import { isWalError } from '../../src/errors.js';
import type { FileHandle, FileSystem } from '../../src/ports.js';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import { MemfsFileSystem } from '../helpers/memfs-file-system.js';
import { makeTempDir } from '../helpers/tmpdir.js';
import { dec, enc, FailingFileSystem, memEnv, SteppingClock } from './support.js';

const LEVELS: Durability[] = [{ kind: 'none' }, { kind: 'interval', ms: 2 }, { kind: 'everyWrite' }, { kind: 'groupCommit' }];

async function settleAll<T>(ps: Promise<T>[]): Promise<PromiseSettledResult<T>[]> {
  return Promise.allSettled(ps);
}

function codeOf(r: PromiseSettledResult<unknown>): string | undefined {
  return r.status === 'rejected' ? (r.reason as { code?: string }).code : undefined;
}

async function withBackends(fn: (fs: FileSystem) => Promise<void>): Promise<void> {
  await fn(new MemfsFileSystem());
  const { dir, cleanup } = await makeTempDir();
  try {
    await fn(new NodeFileSystem(dir));
  } finally {
    await cleanup();
  }
}

describe('durability levels on NodeFileSystem (temp dir) and memfs (through the port)', () => {
  for (const durability of LEVELS) {
    it(`${durability.kind}: concurrent appends get increasing LSNs, survive close and reopen, and sync the right amount`, async () => {
      await withBackends(async (fs) => {
        const options: WalOptions = { durability, segmentSize: 16 * 1024 };
        const wal = await Wal.open(memEnv(fs, new RealClock(), 'log'), options);
        const before = wal.stats().fsyncs;
        const n = 60;
        const lsns = await Promise.all(Array.from({ length: n }, (_, i) => wal.append(enc(`payload-${i}`))));
        expect(lsns).toEqual(Array.from({ length: n }, (_, i) => i + 1));
        const s = wal.stats();
        expect(s.appends).toBe(n);
        const during = s.fsyncs - before;
        if (durability.kind === 'none') expect(s.dataSyncs).toBe(s.rotations); // only sealing a segment syncs
        if (durability.kind === 'everyWrite') {
          expect(s.batches).toBe(n);
          expect(during).toBeGreaterThanOrEqual(n);
        }
        if (durability.kind === 'groupCommit') expect(s.durableThrough).toBe(n);
        if (durability.kind === 'everyWrite' || durability.kind === 'groupCommit')
          expect(walPlugin({ durability }).durableAppend).toBe(true);
        else expect(walPlugin({ durability }).durableAppend).toBe(false);
        await wal.sync();
        expect(wal.stats().durableThrough).toBe(n);
        await wal.close();
        const again = await Wal.open(memEnv(fs, new RealClock(), 'log'), options);
        expect(again.recovered.map((r) => dec(r.data))).toEqual(lsns.map((l) => `payload-${l - 1}`));
        expect(await again.append(enc('more'))).toBe(n + 1);
        await again.close();
      });
    });
  }

  it('interval: the background flusher makes written appends durable on its own', async () => {
    const clock = new SteppingClock();
    const wal = await Wal.open(memEnv(new MemfsFileSystem(), clock), { segmentSize: 65536, durability: { kind: 'interval', ms: 10 } });
    await wal.append(enc('a'));
    await wal.append(enc('b'));
    expect(wal.stats().durableThrough).toBe(0);
    // Bounded wait: each turn lets the stepping clock run one sleep.
    for (let i = 0; i < 100 && wal.stats().durableThrough < 2; i++) await new Promise((r) => setImmediate(r));
    expect(wal.stats().durableThrough).toBe(2);
    expect(wal.stats().intervalFlushes).toBeGreaterThanOrEqual(1);
    await wal.close();
  });

  it('groupCommit really batches: many concurrent appends, far fewer fsyncs than appends', async () => {
    const fs = new FailingFileSystem(new MemfsFileSystem()); // counts datasync calls; fails nothing
    const wal = await Wal.open(memEnv(fs), { segmentSize: 65536, preallocate: false, durability: { kind: 'groupCommit' } });
    const syncsBefore = fs.calls.datasync + fs.calls.sync;
    const n = 500;
    const lsns = await Promise.all(Array.from({ length: n }, (_, i) => wal.append(enc(`r${i}`))));
    expect(lsns).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    const syncs = fs.calls.datasync + fs.calls.sync - syncsBefore;
    const s = wal.stats();
    expect(s.batches).toBe(syncs);
    expect(syncs).toBeLessThan(n / 10);
    expect(s.largestBatch).toBeGreaterThan(1);
    await wal.close();
  });

  it('groupCommit respects maxBatch and maxBatchBytes', async () => {
    const wal = await Wal.open(memEnv(), { segmentSize: 65536, durability: { kind: 'groupCommit', maxBatch: 4 } });
    await Promise.all(Array.from({ length: 50 }, () => wal.append(enc('x'))));
    expect(wal.stats().largestBatch).toBeLessThanOrEqual(4);
    expect(wal.stats().batches).toBeGreaterThanOrEqual(13);
    await wal.close();
    const bytes = await Wal.open(memEnv(), { segmentSize: 65536, durability: { kind: 'groupCommit', maxBatchBytes: 100 } });
    await Promise.all(Array.from({ length: 20 }, () => bytes.append(new Uint8Array(40))));
    expect(bytes.stats().largestBatch).toBeLessThanOrEqual(2);
    await bytes.close();
  });

  it('groupCommit maxWaitUs gathers appends that arrive within the window into one batch', async () => {
    const clock = new SteppingClock();
    const wal = await Wal.open(memEnv(new MemfsFileSystem(), clock), {
      segmentSize: 65536,
      durability: { kind: 'groupCommit', maxWaitUs: 2000 },
    });
    const first = wal.append(enc('1'));
    await Promise.resolve();
    const rest = [wal.append(enc('2')), wal.append(enc('3'))];
    expect(await Promise.all([first, ...rest])).toEqual([1, 2, 3]);
    expect(wal.stats().batches).toBe(1);
    expect(clock.now()).toBeGreaterThanOrEqual(2);
    await wal.close();
  });

  it('a record above maxRecordSize is refused with ETOOLARGE before anything is queued', async () => {
    const wal = await Wal.open(memEnv(), { segmentSize: 65536, maxRecordSize: 100 });
    await expect(wal.append(new Uint8Array(101))).rejects.toMatchObject({ code: 'ETOOLARGE' });
    expect(wal.stats().batches).toBe(0);
    expect(await wal.append(new Uint8Array(100))).toBe(1);
    await wal.close();
  });

  it('closed: appends, sync and truncatePrefix reject with ECLOSED', async () => {
    const wal = await Wal.open(memEnv(), { segmentSize: 65536 });
    await wal.close();
    await expect(wal.append(enc('x'))).rejects.toMatchObject({ code: 'ECLOSED' });
    await expect(wal.sync()).rejects.toMatchObject({ code: 'ECLOSED' });
    await expect(wal.truncatePrefix(1)).rejects.toMatchObject({ code: 'ECLOSED' });
    await wal.close(); // idempotent
  });

  it('bad options are WalError EINVAL', async () => {
    const bad: unknown[] = [
      { segmentSize: 10 },
      { durability: { kind: 'sometimes' } },
      { durability: { kind: 'interval', ms: 0 } },
      { recoveryMode: 'hope' },
      { retention: { kind: 'keepLast', segments: 0 } },
      { backpressure: { policy: 'wait' } },
      { maxQueueBytes: 10 },
      // 'lz4' was refused here until format v2 (issue 11); an unknown algorithm and zstd (not offered yet) still are.
      { compression: 'lz5' },
      { compression: { kind: 'zstd', level: 3 } },
      { unknownOption: 1 },
    ];
    for (const options of bad) {
      await expect(Wal.open(memEnv(), options as WalOptions), JSON.stringify(options)).rejects.toMatchObject({ code: 'EINVAL' });
    }
  });
});

/** A FileSystem whose datasync waits for a gate while armed (to hold a batch in flight). */
class GatedFileSystem extends FailingFileSystem {
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;
  hold(): void {
    this.gate = new Promise((r) => (this.openGate = r));
  }
  release(): void {
    this.openGate?.();
    this.gate = undefined;
  }
  override async open(path: string, flags: Parameters<FileSystem['open']>[1]): Promise<FileHandle> {
    const h = await super.open(path, flags);
    const datasync = h.datasync.bind(h);
    h.datasync = async () => {
      if (this.gate !== undefined) await this.gate;
      return datasync();
    };
    return h;
  }
}

describe('bounded queue and backpressure', () => {
  it('policy reject: EBACKPRESSURE at once when full; depth and utilisation are readable', async () => {
    const fs = new GatedFileSystem(new MemfsFileSystem());
    const wal = await Wal.open(memEnv(fs), { segmentSize: 65536, maxQueueDepth: 3, backpressure: { policy: 'reject' } });
    fs.hold();
    const ps = Array.from({ length: 5 }, (_, i) => wal.append(enc(`r${i}`)));
    expect(wal.stats().queueDepth).toBe(3);
    expect(wal.stats().queueUtilisation).toBe(1);
    const settled4 = await settleAll(ps.slice(3));
    expect(settled4.map(codeOf)).toEqual(['EBACKPRESSURE', 'EBACKPRESSURE']);
    fs.release();
    expect(await Promise.all(ps.slice(0, 3))).toEqual([1, 2, 3]);
    expect(wal.stats().queueDepth).toBe(0);
    expect(wal.stats().backpressureRejected).toBe(2);
    await wal.close();
  });

  it('policy wait: appends wait their turn in call order and all get in', async () => {
    const wal = await Wal.open(memEnv(), { segmentSize: 65536, maxQueueDepth: 1, backpressure: { policy: 'wait', timeoutMs: 60_000 } });
    const lsns = await Promise.all(Array.from({ length: 20 }, (_, i) => wal.append(enc(`r${i}`))));
    expect(lsns).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(wal.stats().queueDepth).toBe(0);
    expect(wal.stats().backpressureRejected).toBe(0);
    await wal.close();
  });

  it('policy wait: an append still not admitted after timeoutMs rejects with EBACKPRESSURE', async () => {
    const fs = new GatedFileSystem(new MemfsFileSystem());
    const clock = new SteppingClock();
    const wal = await Wal.open(memEnv(fs, clock), { segmentSize: 65536, maxQueueDepth: 1, backpressure: { policy: 'wait', timeoutMs: 5 } });
    fs.hold();
    const first = wal.append(enc('first'));
    const second = wal.append(enc('second'));
    expect(wal.stats().queueWaiting).toBe(1);
    await expect(second).rejects.toMatchObject({ code: 'EBACKPRESSURE' });
    expect(wal.stats().backpressureTimedOut).toBe(1);
    fs.release();
    expect(await first).toBe(1);
    await wal.close();
  });
});

describe('I/O failures', () => {
  it('a failed fdatasync is fail-stop: the batch and everything after reject EFAILSTOP, the sync is never retried, reopening recovers', async () => {
    const mem = new MemfsFileSystem();
    const fs = new FailingFileSystem(mem);
    const wal = await Wal.open(memEnv(fs), { segmentSize: 65536, durability: { kind: 'groupCommit' } });
    expect(await wal.append(enc('durable'))).toBe(1);
    fs.fail({ op: 'datasync', nth: 1, code: 'EIO' });
    const inflight = Array.from({ length: 5 }, (_, i) => wal.append(enc(`lost-${i}`)));
    const results = await settleAll(inflight);
    expect(results.map(codeOf)).toEqual(new Array(5).fill('EFAILSTOP'));
    const syncsAfterFailure = fs.calls.datasync + fs.calls.sync;
    await expect(wal.append(enc('later'))).rejects.toMatchObject({ code: 'EFAILSTOP' });
    await expect(wal.sync()).rejects.toMatchObject({ code: 'EFAILSTOP' });
    expect(fs.calls.datasync + fs.calls.sync).toBe(syncsAfterFailure);
    expect(wal.stats().state).toBe('failStopped');
    await wal.close();
    fs.clear();
    const again = await Wal.open(memEnv(fs), { segmentSize: 65536 });
    expect(again.recovered[0]).toMatchObject({ lsn: 1 });
    expect(dec(again.recovered[0]?.data ?? new Uint8Array())).toBe('durable');
    const next = await again.append(enc('after'));
    expect(next).toBeGreaterThan(again.recovered.at(-1)?.lsn ?? 0);
    await again.close();
  });

  it('ENOSPC on write: the partial bytes are rolled back, the append rejects ENOSPC, the log keeps working', async () => {
    const mem = new MemfsFileSystem();
    const fs = new FailingFileSystem(mem);
    const wal = await Wal.open(memEnv(fs), { segmentSize: 65536, durability: { kind: 'everyWrite' }, preallocate: false });
    expect(await wal.append(enc('one'))).toBe(1);
    const [seg] = (await mem.readdir('/wal')).filter((n) => n.endsWith('.log'));
    const sizeBefore = (await mem.stat(`/wal/${seg}`)).size;
    fs.fail({ op: 'write', nth: 1, code: 'ENOSPC', partialBytes: 17 });
    await expect(wal.append(enc('two-fails'))).rejects.toMatchObject({ code: 'ENOSPC' });
    expect((await mem.stat(`/wal/${seg}`)).size).toBe(sizeBefore);
    expect(wal.stats().rollbacks).toBe(1);
    expect(await wal.append(enc('two'))).toBe(2);
    await wal.close();
    const again = await Wal.open(memEnv(mem), { segmentSize: 65536 });
    expect(again.recovered.map((r) => dec(r.data))).toEqual(['one', 'two']);
    expect(again.report.corruption).toEqual([]);
    await again.close();
  });

  it('ENOSPC inside a preallocated segment: rolled back too (the file is cut to the last good offset)', async () => {
    const mem = new MemfsFileSystem();
    const fs = new FailingFileSystem(mem);
    const wal = await Wal.open(memEnv(fs), { durability: { kind: 'groupCommit' }, segmentSize: 8192 });
    expect(await wal.append(enc('one'))).toBe(1);
    const at = 64 + 28 + 3; // where record 2 goes
    fs.fail({ op: 'write', nth: 1, code: 'ENOSPC', partialBytes: 30, position: at });
    await expect(wal.append(enc('two-fails'))).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(fs.fired).toEqual([expect.objectContaining({ op: 'write' })]);
    fs.clear();
    expect(await wal.append(enc('two'))).toBe(2);
    await wal.close();
    const again = await Wal.open(memEnv(mem), { segmentSize: 65536 });
    expect(again.recovered.map((r) => dec(r.data))).toEqual(['one', 'two']);
    await again.close();
  });

  it('when the rollback itself fails the log goes read-only (EREADONLY), and reopening recovers', async () => {
    const mem = new MemfsFileSystem();
    const fs = new FailingFileSystem(mem);
    const wal = await Wal.open(memEnv(fs), { segmentSize: 65536, durability: { kind: 'everyWrite' } });
    expect(await wal.append(enc('one'))).toBe(1);
    fs.fail({ op: 'write', nth: 1, code: 'ENOSPC', partialBytes: 5, position: 64 + 28 + 3 });
    fs.fail({ op: 'truncate', nth: 1, code: 'EIO' });
    await expect(wal.append(enc('two'))).rejects.toMatchObject({ code: 'ENOSPC' });
    await expect(wal.append(enc('three'))).rejects.toMatchObject({ code: 'EREADONLY' });
    expect(wal.stats().state).toBe('readOnly');
    await wal.close();
    fs.clear();
    const again = await Wal.open(memEnv(fs), { segmentSize: 65536 });
    expect(again.recovered.map((r) => dec(r.data))).toEqual(['one']);
    expect(await again.append(enc('two'))).toBe(2);
    await again.close();
  });

  it('a failed directory fsync while creating a segment is fail-stop too', async () => {
    const fs = new FailingFileSystem(new MemfsFileSystem());
    const wal = await Wal.open(memEnv(fs), { durability: { kind: 'everyWrite' }, segmentSize: 4096, preallocate: false });
    fs.fail({ op: 'syncDir', nth: 1, code: 'EIO' });
    const results = await settleAll(Array.from({ length: 20 }, () => wal.append(new Uint8Array(300))));
    const codes = results.map(codeOf);
    expect(codes).toContain('EFAILSTOP');
    // Everything before the failure resolved; nothing after it did.
    const firstFail = codes.indexOf('EFAILSTOP');
    expect(codes.slice(0, firstFail).every((c) => c === undefined)).toBe(true);
    expect(codes.slice(firstFail).every((c) => c === 'EFAILSTOP')).toBe(true);
    expect(isWalError(await wal.append(enc('x')).catch((e: unknown) => e), 'EFAILSTOP')).toBe(true);
    await wal.close();
    fs.clear();
    const again = await Wal.open(memEnv(fs), { segmentSize: 4096 });
    expect(again.recovered.length).toBe(codes.indexOf('EFAILSTOP'));
    await again.close();
  });
});
