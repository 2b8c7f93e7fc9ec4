/**
 * The store rules (plugin contract section 5) on a real disk: the store
 * workloads of the simulator run against the built-in store on
 * NodeFileSystem in a temporary folder, with the in-memory state (snapshot
 * checkpoints) and with the LMDB state, transaction timeouts firing on the
 * real clock, clean restarts between epochs, judged by the store judge of
 * simulated runs. Then with injected ENOSPC / EIO (FaultyFileSystem); the
 * correct store of the buggy corpus passes, and its dirty-read store, whose bug
 * needs no power cut, is caught here too.
 * A modest budget by default; FAULTLINE_REAL_RUNS for more.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StorePlugin } from '../../src/ports.js';
import { storePlugin } from '../../src/store/plugin.js';
import type { StoreOptions } from '../../src/store/options.js';
import { lmdbState } from '../../src/store-lmdb/lmdb-state.js';
import type { RealFaultKind } from '../../src/real/faulty-file-system.js';
import type { StoreWorkloadOptions } from '../../src/contract/store-types.js';
import { makeTempDir } from '../helpers/tmpdir.js';
import { runStoreOnRealDisk, type StoreRealRunResult } from './store-real-runner.js';

const RUNS = Number(process.env.FAULTLINE_REAL_RUNS ?? 6);
const TIMEOUT_MS = 60;
const fixtures = join(import.meta.dirname, '../fixtures/stores');

/** The built-in store; the LMDB state lives beside the store's directory, in the run's temporary root. */
type PluginFor = (root: string) => StorePlugin;
const builtin =
  (state: 'memory' | 'lmdb'): PluginFor =>
  (root) => {
    const options: StoreOptions = { wal: { segmentSize: 64 * 1024 }, transactionTimeoutMs: TIMEOUT_MS };
    return storePlugin(state === 'lmdb' ? { ...options, state: lmdbState({ path: join(root, 'lmdb') }) } : options);
  };

async function realRuns(
  pluginFor: PluginFor,
  seeds: number[],
  faults: RealFaultKind[],
  workload: StoreWorkloadOptions = { transactionTimeoutMs: TIMEOUT_MS },
): Promise<StoreRealRunResult[]> {
  const out: StoreRealRunResult[] = [];
  for (const seed of seeds) {
    const { dir, cleanup } = await makeTempDir('faultline-store-real-');
    try {
      const result = await runStoreOnRealDisk(pluginFor(dir), { seed, root: dir, faults, workload });
      out.push(result);
      if (result.violation !== undefined) break;
    } finally {
      await cleanup();
    }
  }
  return out;
}

const seeds = (n: number, from = 1): number[] => Array.from({ length: n }, (_, i) => from + i);
const total = (results: StoreRealRunResult[], field: 'acknowledged' | 'aborted' | 'checkpoints' | 'timedOut' | 'injected'): number =>
  results.reduce((n, r) => n + r[field], 0);

describe('store rules on a real disk (NodeFileSystem, RealClock, clean restarts)', () => {
  for (const state of ['memory', 'lmdb'] as const) {
    it(`the built-in store with the ${state} state breaks no rule`, async () => {
      const results = await realRuns(builtin(state), seeds(RUNS), []);
      expect(results.map((r) => r.violation)).toEqual(results.map(() => undefined));
      // The runs did work: acknowledged transactions to keep, aborted ones to drop (timed out ones among them), checkpoints.
      expect(total(results, 'acknowledged')).toBeGreaterThan(RUNS * 3);
      expect(total(results, 'aborted')).toBeGreaterThan(0);
      expect(total(results, 'timedOut')).toBeGreaterThan(0);
      expect(total(results, 'checkpoints')).toBeGreaterThan(0);
    }, 120_000);
  }

  for (const state of ['memory', 'lmdb'] as const) {
    it(`the built-in store (${state} state) breaks no rule under injected ENOSPC and EIO`, async () => {
      const results = await realRuns(builtin(state), seeds(RUNS, 101), ['disk-full', 'fsync-error', 'read-error']);
      expect(results.map((r) => r.violation)).toEqual(results.map(() => undefined));
      expect(total(results, 'injected')).toBeGreaterThan(0);
    }, 120_000);
  }

  it('the corpus store correct-log-store breaks no rule', async () => {
    const correct = ((await import(join(fixtures, 'correct-log-store.ts'))) as { default: () => StorePlugin }).default;
    const results = await realRuns(() => correct(), seeds(RUNS), [], { transactionTimeoutMs: 100 });
    expect(results.map((r) => r.violation)).toEqual(results.map(() => undefined));
  }, 120_000);

  it('finds a dirty read with no power cut (the corpus store dirty-read)', async () => {
    const dirty = ((await import(join(fixtures, 'dirty-read.ts'))) as { default: StorePlugin }).default;
    const results = await realRuns(() => dirty, seeds(20), [], { transactionTimeoutMs: 100 });
    // Mostly rule 4 (a read no serial order gives); the reads lie, so the order the checker infers from them can
    // instead make an acknowledged write look lost (rule 2).
    expect(['order', 'durability']).toContain(results.at(-1)?.violation?.rule);
  }, 120_000);
});
