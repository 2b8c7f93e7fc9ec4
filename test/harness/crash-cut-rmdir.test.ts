/** The crash cut forwards rmdir (an optional port member) and counts it, so code using the node:fs facade's rmdir/rm runs under faultline check. */
import { expect, it } from 'vitest';
import { CrashCutFileSystem } from '../../src/harness/crash-cut.js';
import { createSimWorld } from '../../src/sim/index.js';
import { MemfsFileSystem } from '../helpers/memfs-file-system.js';

const hostYield = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

it('rmdir goes through to the simulated disk and counts as an operation; a port without rmdir gets ENOTSUP', async () => {
  const world = createSimWorld({ seed: 'crash-cut-rmdir', hostYield });
  let cuts = 0;
  const fs = new CrashCutFileSystem(world.fs, { class: 'any', nth: 2, when: 'after' }, () => (cuts += 1));
  fs.arm();
  await world.scheduler.run(fs.mkdir('/d'));
  await world.scheduler.run(fs.rmdir('/d'));
  expect(cuts).toBe(1); // the rmdir was the second operation
  await expect(world.scheduler.run(fs.stat('/d'))).rejects.toMatchObject({ code: 'ENOENT' });
  const bare = new MemfsFileSystem() as unknown as { rmdir?: unknown };
  delete bare.rmdir;
  const withoutRmdir = new CrashCutFileSystem(bare as never, { class: 'any', nth: 1, when: 'after' }, () => undefined);
  await expect(withoutRmdir.rmdir('/x')).rejects.toMatchObject({ code: 'ENOTSUP' });
});
