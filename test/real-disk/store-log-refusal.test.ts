/**
 * A regression test for a bug found by the store property suite on a real
 * disk, fixed in src/store/store.ts (commit() now handles the log write's
 * promise at once). The bug: the promise of a commit's
 * log write (`const logged = this.wal.appendTransaction(records)`) gets its
 * handler only when the apply tail reaches it (`await logged` inside
 * `this.applyTail.then(...)`). When the log refuses the write (ENOSPC, or
 * EFAILSTOP after a failed fdatasync) while an earlier commit's apply is still
 * running, which an asynchronous state store (LMDB) makes common, the refusal
 * is an unhandled rejection for that while: under Node's default
 * --unhandled-rejections=throw the process dies, although transaction() would
 * have rejected with the error. Found by the store property suite on a real
 * disk with the LMDB state and injected ENOSPC / EIO (store-properties.test.ts).
 *
 */
import { expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { MemoryStateStore } from '../../src/store/memory-state.js';
import type { StateStore } from '../../src/store/state-store.js';
import { FaultyFileSystem } from '../../src/real/faulty-file-system.js';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import { makeTempDir } from '../helpers/tmpdir.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A state store whose applies wait for a gate (as an LMDB commit takes its time). */
function gatedState(): { factory: () => Promise<StateStore>; entered: Promise<void>; open: () => void } {
  let open!: () => void;
  let enter!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const entered = new Promise<void>((r) => (enter = r));
  const factory = (): Promise<StateStore> => {
    const inner = new MemoryStateStore();
    const state: StateStore = {
      kind: 'memory',
      persistent: false,
      get appliedLsn() {
        return inner.appliedLsn;
      },
      get: (key) => inner.get(key),
      apply: async (lsn, writes) => {
        enter();
        await gate;
        await inner.apply(lsn, writes);
      },
      entries: () => inner.entries(),
      snapshot: () => inner.snapshot(),
      flush: () => inner.flush(),
      close: () => inner.close(),
    };
    return Promise.resolve(state);
  };
  return { factory, entered, open };
}

it('a commit the log refuses while an earlier apply runs rejects its transaction, with no unhandled rejection', async () => {
  const { dir, cleanup } = await makeTempDir('faultline-store-refusal-');
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const fs = new FaultyFileSystem(new NodeFileSystem(dir), { seed: 1, probabilities: { 'disk-full': 1 }, armed: false });
    const gated = gatedState();
    const store = await openStore({ fs, clock: new RealClock(), dir: 'store' }, { state: gated.factory, wal: { preallocate: false } });
    const first = store.transaction(async (tx) => tx.put('a', enc('1')));
    await gated.entered; // the first commit is in the log, its apply waits
    fs.arm(['disk-full']);
    const second = store.transaction(async (tx) => tx.put('b', enc('2')));
    const secondOutcome = second.then(
      () => 'resolved',
      (err: { code?: string }) => err.code,
    );
    await new Promise((r) => setTimeout(r, 50)); // the log refused the second commit by now
    fs.disarm();
    gated.open();
    await first;
    expect(await secondOutcome).toBe('ENOSPC');
    await store.close().catch(() => undefined);
    expect(unhandled).toEqual([]);
  } finally {
    process.off('unhandledRejection', onUnhandled);
    await cleanup();
  }
});
