/** faultline backup and restore-backup on a real disk: a round trip, and the exit statuses of bad input. */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { Wal } from '../../src/engine/index.js';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import { runFaultline } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmpdir.js';
import { dec, enc } from './support.js';

it('backup then restore-backup gives back the log; a busy destination is usage (2), a damaged backup is 1', async () => {
  const { dir, cleanup } = await makeTempDir();
  try {
    const wal = await Wal.open({ fs: new NodeFileSystem(dir), clock: new RealClock(), dir: 'log' }, { segmentSize: 4096 });
    for (let i = 1; i <= 30; i++) await wal.append(enc(`record-${i}-${'x'.repeat(200)}`));
    await wal.close();
    const made = await runFaultline(['backup', join(dir, 'log'), join(dir, 'bak')]);
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/segments, \d+ bytes, every record through LSN 30/);
    const again = await runFaultline(['backup', join(dir, 'log'), join(dir, 'bak')]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('not empty');
    const noLog = await runFaultline(['backup', join(dir, 'bak-nothing'), join(dir, 'x')]);
    expect(noLog.code).toBe(2);

    const restored = await runFaultline(['restore-backup', join(dir, 'bak'), join(dir, 'out')]);
    expect(restored.code).toBe(0);
    const back = await Wal.open({ fs: new NodeFileSystem(dir), clock: new RealClock(), dir: 'out' }, { segmentSize: 4096 });
    expect(back.recovered.map((r) => dec(r.data).split('-').slice(0, 2).join('-'))).toEqual(
      Array.from({ length: 30 }, (_, i) => `record-${i + 1}`),
    );
    await back.close();

    const manifest = await open(join(dir, 'bak', 'backup-manifest.json'), 'r+');
    await manifest.write(Buffer.from('#'), 0, 1, 5);
    await manifest.close();
    const damaged = await runFaultline(['restore-backup', join(dir, 'bak'), join(dir, 'out2')]);
    expect(damaged.code).toBe(1);
    expect(damaged.stderr).toContain('manifest is damaged');
    // A directory that is not a backup is named in the message (not as '.').
    const notBackup = await runFaultline(['restore-backup', join(dir, 'out'), join(dir, 'out3')]);
    expect(notBackup.code).toBe(1);
    expect(notBackup.stderr).toContain('out has no backup-manifest.json');
  } finally {
    await cleanup();
  }
}, 60_000);
