/** faultline recovery-points and restore on a real disk: a log and a store, and the exit status of a target outside the log. */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { Wal } from '../../src/engine/index.js';
import { openStore } from '../../src/store/index.js';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import { runFaultline } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmpdir.js';
import { dec, enc } from './support.js';

it('recovery-points lists the points; restore --to-lsn writes the log up to there; a target past the log is usage (2)', async () => {
  const { dir, cleanup } = await makeTempDir();
  try {
    const fs = new NodeFileSystem(dir);
    const wal = await Wal.open({ fs, clock: new RealClock(), dir: 'log' }, { segmentSize: 4096 });
    for (let i = 1; i <= 30; i++) await wal.append(enc(`r${i}-${'x'.repeat(200)}`));
    await wal.close();
    const points = await runFaultline(['recovery-points', join(dir, 'log')]);
    expect(points.code).toBe(0);
    expect(points.stdout).toContain('restore to any LSN from 1 to 30');
    const r = await runFaultline(['restore', join(dir, 'log'), '--to-lsn', '12', '--out', join(dir, 'at12')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('up to LSN 12 (target 12)');
    const back = await Wal.open({ fs, clock: new RealClock(), dir: 'at12' }, { segmentSize: 4096 });
    expect(back.recovered.map((x) => dec(x.data).split('-')[0])).toEqual(Array.from({ length: 12 }, (_, i) => `r${i + 1}`));
    await back.close();
    const past = await runFaultline(['restore', join(dir, 'log'), '--to-lsn', '99', '--out', join(dir, 'nope')]);
    expect(past.code).toBe(2);
    expect(past.stderr).toContain('after the newest record 30');

    const store = await openStore({ fs, clock: new RealClock(), dir: 'db' });
    let mid = 0;
    for (let i = 0; i < 6; i++) {
      await store.transaction(async (tx) => tx.put('n', enc(String(i))));
      if (i === 2) mid = store.stats().appliedLsn;
    }
    await store.close();
    const s = await runFaultline(['restore', join(dir, 'db'), '--store', '--to-lsn', String(mid), '--out', join(dir, 'db-at-mid')]);
    expect(s.code).toBe(0);
    const restored = await openStore({ fs, clock: new RealClock(), dir: 'db-at-mid' });
    expect(dec((await restored.get('n')) ?? enc('?'))).toBe('2');
    await restored.close();
  } finally {
    await cleanup();
  }
}, 60_000);
