import { describe, it } from 'vitest';
import { filesystemConformanceCases } from '../../src/conformance/filesystem.js';
import { world } from './helpers.js';

// Every SimFileSystem call completes only when the scheduler picks it, so each
// case runs inside scheduler.run(...), which drives the world until it settles.
describe('FileSystem conformance: SimFileSystem', () => {
  for (const c of filesystemConformanceCases) {
    it(c.name, async () => {
      const w = world(`conformance/${c.name}`);
      await w.scheduler.run(c.run(w.fs));
    });
  }
  it('also passes with per-operation latency and 4096-byte sectors', async () => {
    for (const c of filesystemConformanceCases) {
      const w = world(`conformance-latency/${c.name}`, { latency: { minMs: 0, maxMs: 5 }, sectorSize: 4096 });
      await w.scheduler.run(c.run(w.fs));
    }
  });
});
