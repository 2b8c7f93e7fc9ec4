/**
 * The Store with the LMDB state store on a real disk: commits land in LMDB
 * with their LSN, a reopen replays only what LMDB lacks, a checkpoint flushes
 * LMDB and releases the log, and an LMDB directory of another store, a
 * non-durable log level or a key limit LMDB cannot take are refused.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { lmdbState } from '../../src/store-lmdb/lmdb-state.js';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import { makeTempDir } from '../helpers/tmpdir.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const { dir, cleanup } = await makeTempDir('faultline-store-lmdb-');
  try {
    await fn(dir);
  } finally {
    await cleanup();
  }
}

describe('Store with the LMDB state store', () => {
  it('commits, reopens from LMDB without replaying what it holds, checkpoints (flush, then the log released)', async () => {
    await withDir(async (root) => {
      const env = { fs: new NodeFileSystem(root), clock: new RealClock(), dir: 'db' };
      const options = { state: lmdbState({ path: join(root, 'lmdb') }), wal: { segmentSize: 8192, preallocate: false } };
      const store = await openStore(env, options);
      expect(store.stateKind).toBe('lmdb');
      await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          store.transaction(async (tx) => {
            tx.put(`k${i % 15}`, new Uint8Array(90).fill(i));
            tx.put(`last`, enc(String(i)));
          }),
        ),
      );
      const before = store.stats();
      expect(before.commits).toBe(60);
      expect(before.wal.segments).toBeGreaterThan(1);
      const expected = await store.entries();
      await store.close();

      const again = await openStore(env, options);
      expect(again.report.snapshot).toBe('persistent');
      expect(again.report.replayed).toBe(0); // LMDB committed every transaction with its LSN
      expect(await again.entries()).toEqual(expected);
      await again.checkpoint();
      expect(again.stats().wal.segments).toBeLessThan(before.wal.segments);
      expect(again.stats().lastCheckpointLsn).toBe(again.stats().appliedLsn);
      await again.transaction(async (tx) => tx.delete('last'));
      // A hot backup of the store does not reach an LMDB environment outside it: refused, not half done.
      await expect(again.backup(new NodeFileSystem(root), 'bak')).rejects.toMatchObject({ code: 'ENOTSUP' });
      await again.close();

      const third = await openStore(env, options);
      expect(dec(await third.get('last'))).toBeUndefined();
      expect((await third.entries()).length).toBe(15);
      await third.close();
    });
  }, 60_000);

  it("refuses another store's LMDB directory, a log level that could lose what LMDB holds, and a key limit LMDB cannot take", async () => {
    await withDir(async (root) => {
      const fs = new NodeFileSystem(root);
      const clock = new RealClock();
      const lmdb = join(root, 'lmdb');
      const a = await openStore({ fs, clock, dir: 'a' }, { state: lmdbState({ path: lmdb }) });
      await a.transaction(async (tx) => tx.put('x', enc('1')));
      await a.close();
      // Store b is another log (another salt): the LMDB environment is a's.
      await expect(openStore({ fs, clock, dir: 'b' }, { state: lmdbState({ path: lmdb }) })).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(
        openStore({ fs, clock, dir: 'c' }, { state: lmdbState({ path: lmdb }), wal: { durability: { kind: 'none' } } }),
      ).rejects.toMatchObject({
        code: 'EINVAL',
      });
      await expect(openStore({ fs, clock, dir: 'a' }, { state: lmdbState({ path: lmdb }), maxKeyBytes: 5000 })).rejects.toMatchObject({
        code: 'EINVAL',
      });
      // Store a still opens, with its data.
      const back = await openStore({ fs, clock, dir: 'a' }, { state: lmdbState({ path: lmdb }) });
      expect(dec(await back.get('x'))).toBe('1');
      await back.close();
    });
  }, 60_000);
});
