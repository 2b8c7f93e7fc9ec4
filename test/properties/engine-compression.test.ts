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
import { Wal, walPlugin, type Durability, type WalOptions } from '../../src/engine/index.js';
import { fullPayload } from '../../src/contract/payload.js';
import { checkWal } from '../../src/harness/check.js';
import { formatFailureReport } from '../../src/harness/report.js';
import { CONTRACT_FAULT_KINDS, type FaultKind } from '../../src/faults/types.js';
import type { WorkloadOptions } from '../../src/contract/types.js';
import { memEnv } from '../engine/support.js';

const RUNS = Number(process.env.FAULTLINE_RUNS ?? 60);
const SEED = Number(process.env.FAULTLINE_SEED ?? 20261203);
if (!Number.isSafeInteger(RUNS) || RUNS < 1)
  throw new Error(`FAULTLINE_RUNS must be a positive integer, got ${process.env.FAULTLINE_RUNS}`);
if (!Number.isSafeInteger(SEED)) throw new Error(`FAULTLINE_SEED must be an integer, got ${process.env.FAULTLINE_SEED}`);
const TIMEOUT = 60_000 + RUNS * 5_000;

/** Small segments so a run rotates them many times; lz4 frames. */
function engine(durability: Durability): WalOptions {
  return { segmentSize: 64 * 1024, durability, compression: 'lz4' };
}

const LEVELS: { name: string; durability: Durability }[] = [
  { name: 'everyWrite', durability: { kind: 'everyWrite' } },
  { name: 'groupCommit', durability: { kind: 'groupCommit', maxWaitUs: 500 } },
  { name: 'interval', durability: { kind: 'interval', ms: 5 } },
  { name: 'none', durability: { kind: 'none' } },
];

/** More clients and smaller records than the default workload: more batches of several records, so more frames. */
const FRAME_HEAVY: WorkloadOptions = { maxClients: 8, maxOpsPerClient: 16, maxRecordBytes: 400 };

async function expectNoViolation(
  options: WalOptions,
  faults: readonly FaultKind[],
  seed: number,
  workload: WorkloadOptions = {},
): Promise<void> {
  const r = await checkWal(walPlugin(options), { runs: RUNS, seed, faults, pluginOptions: options, ...workload });
  if (r.failure !== undefined) expect.fail(`\n${formatFailureReport(r.failure)}`);
  expect(r.ok).toBe(true);
  expect(r.runs).toBe(RUNS);
  expect(r.summary.appends).toBeGreaterThan(0);
}

describe.each(LEVELS)('engine with lz4, durability $name', ({ durability }) => {
  it.each(CONTRACT_FAULT_KINDS.map((k) => [k]))(
    'breaks no rule under %s',
    async (kind) => {
      await expectNoViolation(engine(durability), kind === 'crash' ? ['crash'] : ['crash', kind], SEED, FRAME_HEAVY);
    },
    TIMEOUT,
  );
});

describe('engine with lz4, every fault kind at once', () => {
  it.each(LEVELS.map((l) => [l.name, l.durability] as const))(
    '%s breaks no rule',
    async (_name, durability) => {
      await expectNoViolation(engine(durability), CONTRACT_FAULT_KINDS, SEED + 1);
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
