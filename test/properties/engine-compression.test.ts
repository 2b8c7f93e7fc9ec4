/**
 * The built-in engine with lz4 compression under the harness, held to the same
 * contract as without (test/properties/engine.test.ts): every contract fault
 * kind at every durability level, and all of them at once. The harness's
 * payloads are mostly incompressible filler, but groups of small records still
 * become frames (a frame's 4-byte lengths replace 28-byte record headers), so
 * frames are written, torn, flipped and recovered in these runs (the suites
 * per fault kind use a workload of more clients and smaller records for more
 * of them); the last test shows that this shape of workload writes frames.
 *
 * Budget: FAULTLINE_RUNS runs per suite (default 60 here); FAULTLINE_SEED picks the seed.
 */
import { describe, expect, it } from 'vitest';
import { Wal, type Durability, type WalOptions } from '../../src/engine/index.js';
import { fullPayload } from '../../src/contract/payload.js';
import { CONTRACT_FAULT_KINDS } from '../../src/faults/types.js';
import type { WorkloadOptions } from '../../src/contract/types.js';
import { memEnv } from '../engine/support.js';
import { expectNoViolation, LEVELS, suiteBudget } from './engine-suite.js';

const BUDGET = suiteBudget({ runs: 60, seed: 20261203 });
const TIMEOUT = BUDGET.timeoutMs;

/** Small segments so a run rotates them many times; lz4 frames. */
function engine(durability: Durability): WalOptions {
  return { segmentSize: 64 * 1024, durability, compression: 'lz4' };
}

/** More clients and smaller records than the default workload: more batches of several records, so more frames. */
const FRAME_HEAVY: WorkloadOptions = { maxClients: 8, maxOpsPerClient: 16, maxRecordBytes: 400 };

describe.each(LEVELS)('engine with lz4, durability $name', ({ durability }) => {
  it.each(CONTRACT_FAULT_KINDS.map((k) => [k]))(
    'breaks no rule under %s',
    async (kind) => {
      await expectNoViolation(engine(durability), kind === 'crash' ? ['crash'] : ['crash', kind], BUDGET, FRAME_HEAVY);
    },
    TIMEOUT,
  );
});

describe('engine with lz4, every fault kind at once', () => {
  it.each(LEVELS.map((l) => [l.name, l.durability] as const))(
    '%s breaks no rule',
    async (_name, durability) => {
      await expectNoViolation(engine(durability), CONTRACT_FAULT_KINDS, { ...BUDGET, seed: BUDGET.seed + 1 });
    },
    TIMEOUT,
  );
});

describe('the harness workload shape writes frames', () => {
  it('small filler payloads in group commits become compressed frames, read back intact', async () => {
    const env = memEnv();
    const wal = await Wal.open(env, engine({ kind: 'groupCommit' }));
    const payloads = Array.from({ length: 400 }, (_, i) => fullPayload(i + 1, 0, i % 4, 16 + ((i * 37) % 300)));
    await Promise.all(payloads.map((p) => wal.append(p)));
    const stats = wal.stats();
    await wal.close();
    expect(stats.compressedFrames).toBeGreaterThan(0);
    expect(stats.bytesAfterCompression).toBeLessThan(stats.bytesBeforeCompression);
    const again = await Wal.open(env, engine({ kind: 'groupCommit' }));
    expect(again.recovered.map((r) => Buffer.from(r.data).toString('hex'))).toEqual(payloads.map((p) => Buffer.from(p).toString('hex')));
    await again.close();
  });
});
