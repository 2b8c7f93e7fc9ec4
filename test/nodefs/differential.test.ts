/**
 * The facade against node:fs itself: every case of cases.ts runs on the real
 * node:fs in a temporary directory, on the facade over NodeFileSystem rooted
 * in another, and on the facade over the simulator; what each saw (results,
 * error codes, bytes) must be the same.
 */
import * as realFs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createNodeFs } from '../../src/nodefs/index.js';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { makeTempDir } from '../helpers/tmpdir.js';
import { world } from '../sim/helpers.js';
import { facadeCases } from './cases.js';

async function onRealFs(run: (fs: unknown, root: string) => Promise<unknown>): Promise<unknown> {
  const { dir, cleanup } = await makeTempDir('faultline-nodefs-real-');
  try {
    return await run(realFs, dir);
  } finally {
    await cleanup();
  }
}

async function onNodeFileSystem(run: (fs: unknown, root: string) => Promise<unknown>): Promise<{ seen: unknown; open: number[] }> {
  const { dir, cleanup } = await makeTempDir('faultline-nodefs-port-');
  try {
    const fs = createNodeFs(new NodeFileSystem(dir), { cwd: dir });
    const seen = await run(fs, dir);
    return { seen, open: fs.openDescriptors() };
  } finally {
    await cleanup();
  }
}

async function onSimulator(name: string, run: (fs: unknown, root: string) => Promise<unknown>): Promise<{ seen: unknown; open: number[] }> {
  const w = world(`nodefs/${name}`);
  const fs = createNodeFs(w.fs);
  const root = '/case-root';
  const seen = await w.scheduler.run(
    (async () => {
      await fs.promises.mkdir(root);
      return run(fs, root);
    })(),
  );
  return { seen, open: fs.openDescriptors() };
}

describe('the node:fs facade agrees with node:fs', () => {
  for (const c of facadeCases) {
    it(c.name, async () => {
      const expected = await onRealFs(c.run);
      const port = await onNodeFileSystem(c.run);
      const sim = await onSimulator(c.name, c.run);
      expect(port.seen, 'facade over NodeFileSystem').toEqual(expected);
      expect(sim.seen, 'facade over the simulator').toEqual(expected);
      expect(port.open, 'descriptors left open').toEqual([]);
      expect(sim.open, 'descriptors left open').toEqual([]);
    });
  }
});
