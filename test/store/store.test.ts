/**
 * The Store over the log, on an in-memory disk: commits, reads of own
 * writes, conflicts, aborts, timeouts, checkpoints (snapshot + released log),
 * a damaged snapshot, and bad input. Crash consistency under faults is the
 * harness's job (checkStore on the simulator); this file pins behaviour.
 */
import { describe, expect, it } from 'vitest';
import { openStore, storePlugin, type StoreOptions } from '../../src/store/index.js';
import { SNAPSHOT_NAME } from '../../src/store/snapshot-file.js';
import type { FileSystem, WalEnv } from '../../src/ports.js';
import { MemfsFileSystem } from '../helpers/memfs-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import { dec, enc } from '../engine/support.js';

function env(fs: FileSystem = new MemfsFileSystem(), clock = new RealClock()): WalEnv {
  return { fs, clock, dir: '/store' };
}

const SMALL: StoreOptions = { wal: { segmentSize: 8192, preallocate: false } };

async function flipByte(fs: FileSystem, path: string, at: number): Promise<void> {
  const h = await fs.open(path, 'r+');
  const b = new Uint8Array(1);
  await h.read(b, at);
  b[0] = (b[0] ?? 0) ^ 0xff;
  await h.write(b, at);
  await h.close();
}

describe('Store', () => {
  it('commits, reads its own writes, and recovers the state from the log', async () => {
    const e = env();
    const store = await openStore(e, SMALL);
    const seen = await store.transaction(async (tx) => {
      tx.put('a', enc('1'));
      tx.put('b', enc('2'));
      const own = await tx.get('a');
      tx.delete('b');
      return [own === undefined ? undefined : dec(own), await tx.get('b')];
    });
    expect(seen).toEqual(['1', undefined]);
    await store.transaction(async (tx) => {
      tx.put('c', enc('3'));
    });
    expect((await store.entries()).map(([k, v]) => [k, dec(v)])).toEqual([
      ['a', '1'],
      ['c', '3'],
    ]);
    expect(store.stats()).toMatchObject({ commits: 2, aborts: 0, appliedLsn: 5 });
    await store.close();
    const again = await openStore(e, SMALL);
    expect(again.report).toMatchObject({ snapshot: 'none', stateLsn: 0, replayed: 2 });
    expect((await again.entries()).map(([k, v]) => [k, dec(v)])).toEqual([
      ['a', '1'],
      ['c', '3'],
    ]);
    await again.close();
  });

  it('a rejected fn, a conflict and a read-only transaction write nothing', async () => {
    const store = await openStore(env(), SMALL);
    await expect(
      store.transaction(async (tx) => {
        tx.put('x', enc('no'));
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await store.get('x')).toBeUndefined();
    // t1 reads k, t2 writes k and commits first: t1's read is stale, so t1 conflicts.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const t1 = store.transaction(async (tx) => {
      await tx.get('k');
      await gate;
      tx.put('k', enc('t1'));
    });
    await store.transaction(async (tx) => {
      tx.put('k', enc('t2'));
    });
    release();
    await expect(t1).rejects.toMatchObject({ code: 'ECONFLICT' });
    expect(dec((await store.get('k')) ?? enc('?'))).toBe('t2');
    const before = store.stats().wal.appends;
    expect(await store.transaction(async (tx) => (await tx.get('k'))?.length)).toBe(2);
    expect(store.stats()).toMatchObject({ aborts: 1, conflicts: 1, readOnlyCommits: 1 });
    expect(store.stats().wal.appends).toBe(before);
    await store.close();
  });

  it('blind writes to the same key do not conflict; the later commit wins', async () => {
    const store = await openStore(env(), SMALL);
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        store.transaction(async (tx) => {
          tx.put('same', enc(String(i)));
        }),
      ),
    );
    expect(dec((await store.get('same')) ?? enc('?'))).toBe('9');
    await store.close();
  });

  it('many concurrent commits share the log group commit: fewer fdatasyncs than commits', async () => {
    const store = await openStore(env(), SMALL);
    await Promise.all(
      Array.from({ length: 64 }, (_, i) =>
        store.transaction(async (tx) => {
          tx.put(`k${i}`, enc(String(i)));
        }),
      ),
    );
    const s = store.stats();
    expect(s.commits).toBe(64);
    expect(s.wal.dataSyncs).toBeLessThan(64);
    expect(s.wal.batches).toBeLessThan(64);
    await store.close();
  });

  it('a transaction open longer than its timeout rejects with ETIMEDOUT, is not applied, and later uses of it are refused', async () => {
    const clock = new RealClock();
    const store = await openStore(env(new MemfsFileSystem(), clock), { ...SMALL, transactionTimeoutMs: 50 });
    let late: unknown;
    const slow = store.transaction(async (tx) => {
      tx.put('slow', enc('x'));
      await clock.sleep(150);
      try {
        tx.put('slow', enc('y'));
      } catch (err) {
        late = err;
      }
    });
    await expect(slow).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    await clock.sleep(200);
    expect(late).toMatchObject({ code: 'ETXNENDED' });
    expect(await store.get('slow')).toBeUndefined();
    // A per-call timeout overrides the store's.
    await expect(
      store.transaction(
        async (tx) => {
          await clock.sleep(80);
          tx.put('ok', enc('1'));
        },
        { timeoutMs: 60_000 },
      ),
    ).resolves.toBeUndefined();
    expect(store.stats().timeouts).toBe(1);
    await store.close();
  });

  it('checkpoint writes a snapshot and releases the log; reopening loads it and replays only what came after', async () => {
    const e = env();
    const store = await openStore(e, SMALL);
    for (let i = 0; i < 60; i++) {
      await store.transaction(async (tx) => {
        tx.put(`k${i % 20}`, new Uint8Array(100).fill(i));
      });
    }
    const segmentsBefore = store.stats().wal.segments;
    expect(segmentsBefore).toBeGreaterThan(1);
    await store.checkpoint();
    expect(store.stats().wal.segments).toBeLessThan(segmentsBefore);
    await store.transaction(async (tx) => {
      tx.put('after', enc('checkpoint'));
    });
    const expected = await store.entries();
    await store.close();
    const again = await openStore(e, SMALL);
    expect(again.report.snapshot).toBe('loaded');
    expect(again.report.replayed).toBe(1);
    expect(await again.entries()).toEqual(expected);
    await again.close();
  });

  it('commits go on while a checkpoint runs, and the state after reopening has all of them', async () => {
    const e = env();
    const store = await openStore(e, SMALL);
    const commits = Array.from({ length: 100 }, (_, i) =>
      store.transaction(async (tx) => {
        tx.put(`k${i}`, enc(String(i)));
      }),
    );
    const checkpoints = [store.checkpoint(), store.checkpoint()];
    await Promise.all([...commits, ...checkpoints]);
    expect(store.stats().checkpoints).toBe(2);
    await store.checkpoint();
    const expected = await store.entries();
    expect(expected).toHaveLength(100);
    await store.close();
    const again = await openStore(e, SMALL);
    expect(await again.entries()).toEqual(expected);
    await again.close();
  });

  it('checkpointEveryBytes starts checkpoints by itself as the log grows, and the state after reopening has every commit', async () => {
    const e = env();
    const options: StoreOptions = { ...SMALL, checkpointEveryBytes: 4096 };
    const store = await openStore(e, options);
    for (let i = 0; i < 80; i++) await store.transaction(async (tx) => tx.put(`k${i}`, new Uint8Array(100).fill(i)));
    await store.sync();
    const s = store.stats();
    expect(s.checkpoints).toBeGreaterThan(2);
    expect(s.checkpointErrors).toBe(0);
    expect(s.lastCheckpointLsn).toBeGreaterThan(0);
    expect(s.wal.segmentsRemoved).toBeGreaterThan(0);
    const expected = await store.entries();
    await store.close();
    const again = await openStore(e, options);
    expect(again.report.snapshot).toBe('loaded');
    expect(await again.entries()).toEqual(expected);
    await again.close();
  });

  it('a damaged snapshot is never loaded: rebuilt from the log while it holds everything, refused once the log was released', async () => {
    const fs = new MemfsFileSystem();
    const e = env(fs);
    const store = await openStore(e, { wal: { segmentSize: 1 << 20, preallocate: false } });
    for (let i = 0; i < 5; i++) await store.transaction(async (tx) => tx.put(`k${i}`, enc(String(i))));
    await store.checkpoint(); // one segment only: nothing released, the log still starts at LSN 1
    const expected = await store.entries();
    await store.close();
    await flipByte(fs, `/store/${SNAPSHOT_NAME}`, 60);
    const rebuilt = await openStore(e, { wal: { segmentSize: 1 << 20, preallocate: false } });
    expect(rebuilt.report.snapshot).toBe('rebuilt');
    expect(await rebuilt.entries()).toEqual(expected);
    await rebuilt.close();

    const fs2 = new MemfsFileSystem();
    const e2 = env(fs2);
    const s2 = await openStore(e2, SMALL);
    for (let i = 0; i < 60; i++) await s2.transaction(async (tx) => tx.put(`k${i}`, new Uint8Array(100)));
    await s2.checkpoint();
    await s2.close();
    await flipByte(fs2, `/store/${SNAPSHOT_NAME}`, 60);
    await expect(openStore(e2, SMALL)).rejects.toMatchObject({ code: 'ECORRUPT' });
  });

  it('a log released past what the state holds is refused', async () => {
    const fs = new MemfsFileSystem();
    const e = env(fs);
    const s = await openStore(e, SMALL);
    for (let i = 0; i < 60; i++) await s.transaction(async (tx) => tx.put(`k${i}`, new Uint8Array(100)));
    await s.close();
    // Lose the oldest segment with no snapshot covering it.
    const names = (await fs.readdir('/store/wal')).filter((n) => n.endsWith('.log')).sort();
    await fs.unlink(`/store/wal/${String(names[0])}`);
    await expect(openStore(e, { ...SMALL, wal: { ...SMALL.wal, recoveryMode: 'skipCorrupted' } })).rejects.toMatchObject({
      code: 'ECORRUPT',
    });
  });

  it('bad input is a WalError with a code, and nothing is applied', async () => {
    await expect(openStore(env(), { nonsense: 1 } as unknown as StoreOptions)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(openStore(env(), { wal: { transactions: false } } as unknown as StoreOptions)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(
      openStore(env(), {
        state: async () => {
          throw new Error('x');
        },
        wal: { durability: { kind: 'none' } },
      }),
    ).rejects.toMatchObject({
      code: 'EINVAL',
    });
    const store = await openStore(env(), { ...SMALL, maxKeyBytes: 8, maxValueBytes: 16 });
    await expect(store.transaction(async (tx) => tx.put('a-very-long-key', enc('v')))).rejects.toMatchObject({ code: 'ETOOLARGE' });
    await expect(store.transaction(async (tx) => tx.put('k', new Uint8Array(17)))).rejects.toMatchObject({ code: 'ETOOLARGE' });
    await expect(store.transaction(async (tx) => tx.put('\ud800', enc('v')))).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(store.transaction(async (tx) => tx.put('k', 'v' as unknown as Uint8Array))).rejects.toMatchObject({ code: 'EINVAL' });
    let kept: { put(k: string, v: Uint8Array): void } | undefined;
    await store.transaction(async (tx) => {
      kept = tx;
    });
    expect(() => kept?.put('k', enc('late'))).toThrow(expect.objectContaining({ code: 'ETXNENDED' }));
    expect(await store.entries()).toEqual([]);
    await store.close();
    await expect(store.transaction(async () => undefined)).rejects.toMatchObject({ code: 'ECLOSED' });
  });

  it('storePlugin: durableCommit follows the durability level; bad options fail at once', () => {
    expect(storePlugin().durableCommit).toBe(true);
    expect(storePlugin({ wal: { durability: { kind: 'none' } } }).durableCommit).toBe(false);
    expect(() => storePlugin({ transactionTimeoutMs: 0 })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});
