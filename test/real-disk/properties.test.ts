/**
 * The contract's rules on a real disk: the harness's generated workloads run
 * on NodeFileSystem in a temporary folder, through FaultyFileSystem (ENOSPC
 * after a partial write, EIO on fsync, EIO on read while opening), judged by
 * the judge of simulated runs (src/contract/judge.ts). A modest budget by
 * default; FAULTLINE_REAL_RUNS for more.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WalPlugin } from '../../src/ports.js';
import { builtinPlugin } from '../../src/harness/builtin.js';
import type { RealFaultKind } from '../../src/real/faulty-file-system.js';
import { makeTempDir } from '../helpers/tmpdir.js';
import { runOnRealDisk, type RealRunResult } from './real-runner.js';

const RUNS = Number(process.env.FAULTLINE_REAL_RUNS ?? 8);
const ALL: RealFaultKind[] = ['disk-full', 'fsync-error', 'read-error'];
const WORKLOAD = { maxBytesPerRun: 2 * 1024 * 1024, maxRecordBytes: 256 * 1024 };
const fixtures = join(import.meta.dirname, '../fixtures/wals');

async function realRuns(plugin: WalPlugin, seeds: number[], faults: RealFaultKind[], probability = 0.03): Promise<RealRunResult[]> {
  const out: RealRunResult[] = [];
  for (const seed of seeds) {
    const { dir, cleanup } = await makeTempDir('faultline-real-');
    try {
      const result = await runOnRealDisk(plugin, { seed, root: dir, faults, probability, workload: WORKLOAD });
      out.push(result);
      if (result.violation !== undefined) break;
    } finally {
      await cleanup();
    }
  }
  return out;
}

const seeds = (n: number, from = 1): number[] => Array.from({ length: n }, (_, i) => from + i);

describe('contract rules on a real disk (NodeFileSystem + injected ENOSPC/EIO)', () => {
  for (const durability of [{ kind: 'groupCommit' }, { kind: 'everyWrite' }] as const) {
    it(`the built-in engine at ${durability.kind} breaks no rule`, async () => {
      const plugin = await builtinPlugin({ segmentSize: 256 * 1024, durability });
      const results = await realRuns(plugin, seeds(RUNS), ALL);
      expect(results.map((r) => r.violation)).toEqual(results.map(() => undefined));
      // The runs did work and the faults did fire, so there was something to judge.
      expect(results.reduce((n, r) => n + r.acknowledged, 0)).toBeGreaterThan(RUNS * 5);
      expect(results.reduce((n, r) => n + r.injected, 0)).toBeGreaterThan(0);
    }, 120_000);
  }

  it('correct-simple breaks no rule', async () => {
    const plugin = ((await import(join(fixtures, 'correct-simple.ts'))) as { default: WalPlugin }).default;
    const results = await realRuns(plugin, seeds(RUNS), ALL);
    expect(results.map((r) => r.violation)).toEqual(results.map(() => undefined));
  }, 120_000);

  it('finds what a real disk can show: a partial ENOSPC write left in the log, a read error taken for the end', async () => {
    const enospc = ((await import(join(fixtures, 'enospc-no-rollback.ts'))) as { default: WalPlugin }).default;
    const a = await realRuns(enospc, seeds(10), ['disk-full'], 0.05);
    expect(a.at(-1)?.violation?.rule).toBe('durability');
    const readError = ((await import(join(fixtures, 'read-error-as-eof.ts'))) as { default: WalPlugin }).default;
    const b = await realRuns(readError, seeds(10), ['read-error'], 0.2);
    expect(b.at(-1)?.violation?.rule).toBe('durability');
  }, 120_000);
});
