/**
 * A real-world pattern, unmodified, under faultline's harness through the
 * facade: the write-file-atomic idiom (plugins/write-file-atomic.ts, callback
 * style, written against whatever `fs` it is handed) inside a JSON-file
 * database plugin (plugins/atomic-json.ts). With every step it passes; the
 * variants that skip the file's fsync before the rename, or the directory's
 * after it, are caught, and the failure replays.
 */
import { describe, expect, it } from 'vitest';
import { checkWal } from '../../src/harness/check.js';
import { replayFailure } from '../../src/harness/replay.js';
import atomicJson from './plugins/atomic-json.js';

describe('the write-file-atomic idiom through the node:fs facade', () => {
  // Not under bitflip: a JSON file has no checksum, so a flipped bit of a record comes back as other bytes (rule 1).
  it('passes with every step, under crashes, failing fsyncs, a full disk and read errors', async () => {
    const r = await checkWal(atomicJson(), { seed: 16, runs: 60, faults: ['crash', 'fsync-error', 'disk-full', 'read-error'] });
    expect(r.failure).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.summary.appends).toBeGreaterThan(50);
    expect(r.summary.crashes).toBeGreaterThan(5);
  });

  it('renaming without fsyncing the temporary file first is caught, and the failure replays', async () => {
    const plugin = atomicJson({ fsyncFile: false });
    const r = await checkWal(plugin, { seed: 16, runs: 200, faults: ['crash'] });
    expect(r.ok).toBe(false);
    const f = r.failure;
    if (f === undefined) throw new Error('expected a failure');
    expect(['durability', 'recovery-works', 'integrity']).toContain(f.rule);
    const replay = await replayFailure(plugin, { seed: f.seed, path: f.fastCheck.path, faults: ['crash'] });
    expect(replay.failure?.rule).toBe(f.rule);
    expect(replay.outcome.traceHash).toBe(f.traceHash);
  });

  it('skipping the directory fsync after the rename is caught', async () => {
    const r = await checkWal(atomicJson({ fsyncDir: false }), { seed: 16, runs: 200, faults: ['crash'] });
    expect(r.ok).toBe(false);
    expect(r.failure?.rule).toBe('durability');
  });

  it('has no checksum: under bitflip a flipped bit comes back as a record nobody appended', async () => {
    const r = await checkWal(atomicJson(), { seed: 16, runs: 200, faults: ['bitflip'], maxShrinkRuns: 20 });
    expect(r.failure?.rule).toBe('integrity');
  });

  it('refuses options it does not know', () => {
    expect(() => atomicJson({ fsyncfile: false })).toThrow(/unknown option fsyncfile/);
  });
});
