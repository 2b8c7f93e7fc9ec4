/**
 * store.backup: a hot backup of a store (its snapshot, then its log) while
 * commits go on; the backup directory opens as a store holding every
 * transaction acknowledged before the backup began, and a prefix of the
 * ones after. The LMDB state is refused (ENOTSUP).
 */
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { verifyBackup } from '../../src/engine/index.js';
import { MemfsFileSystem } from '../helpers/memfs-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import { dec, enc } from '../engine/support.js';

const OPTIONS = { wal: { segmentSize: 4096, preallocate: false } };

describe('store.backup', () => {
  it('copies a consistent store while commits go on, after a checkpoint released the log', async () => {
    const fs = new MemfsFileSystem();
    const clock = new RealClock();
    const store = await openStore({ fs, clock, dir: '/store' }, OPTIONS);
    for (let i = 0; i < 50; i++) {
      if (i === 40) await store.checkpoint();
      await store.transaction(async (tx) => tx.put(`k${String(i).padStart(2, '0')}`, enc(`v${i}-${'p'.repeat(150)}`)));
    }
    expect(store.stats().wal.segmentsRemoved).toBeGreaterThan(0);
    const dest = new MemfsFileSystem();
    const during = Array.from({ length: 10 }, (_, j) => store.transaction(async (tx) => tx.put(`k${50 + j}`, enc(`v${50 + j}`))));
    const manifest = await store.backup(dest, '/backup');
    await Promise.all(during);
    await store.close();
    await expect(verifyBackup(dest, '/backup/wal')).resolves.toEqual(manifest);
    const restored = await openStore({ fs: dest, clock, dir: '/backup' }, OPTIONS);
    expect(restored.report.snapshot).toBe('loaded');
    const keys = (await restored.entries()).map(([k]) => k);
    for (let i = 0; i < 50; i++) expect(keys).toContain(`k${String(i).padStart(2, '0')}`);
    // Of the commits during the backup, a prefix in commit order (k50, k51, ...).
    const after = keys.filter((k) => Number(k.slice(1)) >= 50).map((k) => Number(k.slice(1)));
    expect(after).toEqual(Array.from({ length: after.length }, (_, j) => 50 + j));
    expect(dec((await restored.get('k07')) ?? enc('?'))).toMatch(/^v7-/);
    await restored.close();
  });

  it('refuses a destination that is not empty, and a later checkpoint still runs', async () => {
    const fs = new MemfsFileSystem();
    const store = await openStore({ fs, clock: new RealClock(), dir: '/s' }, OPTIONS);
    await store.transaction(async (tx) => tx.put('a', enc('1')));
    const busy = new MemfsFileSystem();
    await busy.mkdir('/b', { recursive: true });
    await (await busy.open('/b/x', 'w+')).close();
    await expect(store.backup(busy, '/b')).rejects.toMatchObject({ code: 'EINVAL' });
    await store.checkpoint(); // the failed backup does not block later checkpoints
    await store.close();
  });
});
