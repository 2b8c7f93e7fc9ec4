import { describe, expect, it } from 'vitest';
import { evaluateTargets } from '../../bench/lib/evaluate.js';
import { renderMarkdown } from '../../bench/lib/markdown.js';
import { RESULTS_SCHEMA, validateResults, type BenchResults, type DurabilityCell } from '../../bench/lib/results.js';
import type { LatencySummary } from '../../bench/lib/stats.js';
import type { TargetResult } from '../../bench/lib/targets.js';
import { lossScenario, summarizeLoss } from '../../bench/suites/loss.js';

const lat = (p50: number): LatencySummary => ({
  count: 100,
  minUs: p50 / 2,
  meanUs: p50,
  p50Us: p50,
  p99Us: p50 * 3,
  p999Us: p50 * 5,
  maxUs: p50 * 9,
});

function cell(level: string, kind: string, outstanding: number, opsPerSec: number, extra: Partial<DurabilityCell> = {}): DurabilityCell {
  return {
    level,
    durability: { kind },
    durableAppend: kind === 'everyWrite' || kind === 'groupCommit',
    recordBytes: 100,
    outstanding,
    ops: 1000,
    opsPerSec,
    mbPerSec: opsPerSec / 1e4,
    latency: lat(outstanding === 1 ? 400 : 900),
    batches: 100,
    fsyncs: 100,
    bytesWritten: 100 * 120 * 10,
    appendsPerBatch: 10,
    avgBatchBytes: 1200,
    ...extra,
  };
}

function sample(): BenchResults {
  const body: Omit<BenchResults, 'targets' | 'finishedAt'> = {
    schema: RESULTS_SCHEMA,
    mode: 'quick',
    startedAt: '2026-11-24T08:00:00.000Z',
    machine: {
      cpuModel: 'AMD EPYC',
      cores: 2,
      memoryGiB: 23.5,
      node: 'v20.20.2',
      platform: 'linux x64',
      kernel: '6.1',
      tempDir: '/tmp/x',
      tempDirFsType: 'ext4',
      loadAverage1m: 0.5,
    },
    durability: {
      status: 'ok',
      data: [
        cell('everyWrite', 'everyWrite', 1, 2400, {
          raw: {
            batchBytes: 128,
            appendSyncsPerSec: 2600,
            appendP50Us: 390,
            preallocatedSyncsPerSec: 3000,
            preallocatedP50Us: 380,
            limitAppendsPerSec: 3000,
          },
          ratioToRaw: 0.8,
        }),
        cell('groupCommit (default window)', 'groupCommit', 64, 150_000, {
          raw: {
            batchBytes: 1200,
            appendSyncsPerSec: 2500,
            appendP50Us: 400,
            preallocatedSyncsPerSec: 3000,
            preallocatedP50Us: 350,
            limitAppendsPerSec: 160_000,
          },
          ratioToRaw: 150_000 / 160_000,
        }),
        cell('groupCommit 100 µs', 'groupCommit', 64, 90_000),
        cell('none', 'none', 64, 500_000),
      ],
    },
    peers: {
      status: 'ok',
      data: [
        {
          peer: 'lmdb',
          version: '3.5.6',
          config: 'durable',
          recordBytes: 100,
          outstanding: 64,
          ops: 900,
          opsPerSec: 100_000,
          latency: lat(600),
        },
        { peer: 'classic-level', recordBytes: 100, outstanding: 64, skipped: 'cannot load: missing binary' },
      ],
    },
    loss: {
      status: 'ok',
      data: [summarizeLoss('none', false, { crashes: 3, epochsWithLoss: 2, records: [0, 4, 8], ms: [0, 2, 4] })],
    },
    recovery: { status: 'skipped', reason: 'failed: boom' },
    crc: { status: 'ok', data: [{ implementation: 'zlib.crc32 (node built-in)', bytes: 4096, opsPerSec: 1e6, mbPerSec: 4096 }] },
    simulator: {
      status: 'ok',
      data: {
        engineOptions: { segmentSize: 1048576 },
        engineDefaults: { scenarios: 40, wallMs: 2000, scenariosPerSec: 20, cpuMs: 1000, scenariosPerCpuSec: 40 },
        scenariosSingleThread: 300,
        scenariosPerSecPerCore: 1400,
        cpuMs: 200,
        scenariosPerCpuSec: 1500,
        virtualMs: 9000,
        wallMs: 200,
        virtualTimeSpeedup: 45,
        stepsPerScenario: 500,
        stepsPerSec: 75000,
        smallScenario: { scenarios: 10, wallMs: 100, scenariosPerSec: 100, virtualTimeSpeedup: 3 },
        scaling: [
          { workers: 1, scenarios: 300, wallMs: 250, scenariosPerSec: 1400 },
          { workers: 2, scenarios: 600, wallMs: 260, scenariosPerSec: 2800 },
        ],
        scalingDefaults: [
          { workers: 1, scenarios: 20, wallMs: 1000, scenariosPerSec: 20 },
          { workers: 2, scenarios: 30, wallMs: 1000, scenariosPerSec: 30 },
        ],
        loadAverage: [1.5, 1.7],
      },
    },
    memory: { status: 'skipped', reason: 'not selected (--only)' },
    notes: [],
  };
  return { ...body, targets: evaluateTargets(body), finishedAt: '2026-11-24T08:01:00.000Z' };
}

describe('evaluateTargets', () => {
  const targets = sample().targets;
  const byId = (id: string) => {
    const t = targets.find((x) => x.id === id);
    if (!t) throw new Error(`no target ${id}`);
    return t;
  };

  it('compares the fastest groupCommit window with lmdb at the same cell', () => {
    const t = byId('groupCommit-vs-lmdb');
    expect(t.measured).toBe(150_000);
    expect(t.reference).toBe(100_000);
    expect(t.status).toBe('MISS');
    expect(t.description).toContain('groupCommit (default window)');
  });

  it('compares groupCommit with the raw limit of its own batches', () => {
    const t = byId('groupCommit-vs-raw');
    expect(t.ratio).toBeCloseTo(0.9375);
    expect(t.status).toBe('PASS');
  });

  it('compares the everyWrite p50 with the best raw p50 of the same batch', () => {
    const t = byId('everyWrite-p50');
    expect(t.measured).toBe(400);
    expect(t.reference).toBe(380);
    expect(t.status).toBe('PASS');
  });

  it('skips targets whose section was skipped, with the reason', () => {
    const t = byId('replay-4k');
    expect(t.status).toBe('SKIPPED');
    expect(t.verdict).toContain('recovery skipped: failed: boom');
  });

  it('reads absolute targets as a fraction of the required figure', () => {
    const t = byId('simulator-per-core');
    expect(t.ratio).toBeCloseTo(0.75);
    expect(t.status).toBe('MISS');
    expect(t.verdict).toContain('25.0% short');
  });

  it('gives the simulator a per-core verdict (scenarios per CPU-second) and a 2-worker verdict, with and without 64 MiB segments', () => {
    const defaults = byId('simulator-per-core-defaults');
    expect(defaults.measured).toBe(40);
    expect(defaults.ratio).toBeCloseTo(0.02);
    expect(defaults.status).toBe('MISS');
    const two = byId('simulator-2-workers');
    expect(two.ratio).toBeCloseTo(2);
    expect(two.status).toBe('PASS');
    expect(two.verdict).toContain('(target >= 1.8x)');
    const twoDefaults = byId('simulator-2-workers-defaults');
    expect(twoDefaults.ratio).toBeCloseTo(1.5);
    expect(twoDefaults.status).toBe('MISS');
    expect(twoDefaults.verdict).toContain('16.7% short');
  });

  it('skips the simulator targets an older result cannot answer, rather than reading wall time as CPU time', () => {
    const doc = sample();
    if (doc.simulator.status !== 'ok') throw new Error('fixture');
    delete doc.simulator.data.scenariosPerCpuSec;
    delete doc.simulator.data.scalingDefaults;
    doc.simulator.data.scaling = doc.simulator.data.scaling.filter((w) => w.workers === 1);
    const ts = evaluateTargets(doc);
    const get = (id: string): TargetResult => {
      const t = ts.find((x) => x.id === id);
      if (t === undefined) throw new Error(id);
      return t;
    };
    expect(get('simulator-per-core').status).toBe('SKIPPED');
    expect(get('simulator-per-core').verdict).toContain('no CPU-time measurement');
    expect(get('simulator-2-workers').verdict).toContain('no 1- and 2-worker rows');
    expect(get('simulator-2-workers-defaults').verdict).toContain('not measured');
    expect(get('simulator-per-core-defaults').status).toBe('MISS');
  });
});

describe('validateResults', () => {
  it('accepts a complete document, also after a JSON round trip', () => {
    const doc = sample();
    expect(validateResults(doc)).toEqual([]);
    expect(validateResults(JSON.parse(JSON.stringify(doc)))).toEqual([]);
  });

  it('names every problem of a broken document', () => {
    const doc = JSON.parse(JSON.stringify(sample())) as Record<string, unknown>;
    doc.schema = 'other';
    doc.memory = { status: 'skipped' };
    doc.recovery = { status: 'skipped', reason: 'x', data: [] };
    delete doc.loss;
    (doc.targets as Array<Record<string, unknown>>)[0]!.status = 'MAYBE';
    (doc.machine as Record<string, unknown>).cores = 'two';
    const errs = validateResults(doc);
    expect(errs).toEqual(
      expect.arrayContaining([
        `schema must be ${RESULTS_SCHEMA}`,
        'memory: skipped without a reason',
        'recovery: skipped but carries data',
        'loss section missing',
        'targets[0].status invalid',
        'machine must describe cpuModel and cores',
      ]),
    );
  });

  it('rejects non-finite numbers anywhere', () => {
    const doc = sample();
    if (doc.simulator.status !== 'ok') throw new Error('fixture');
    doc.simulator.data.virtualTimeSpeedup = Number.POSITIVE_INFINITY;
    expect(validateResults(doc)).toContain('$.simulator.data.virtualTimeSpeedup is Infinity');
  });
});

describe('renderMarkdown', () => {
  it('prints every target verdict, skipped peers with their reason, and the machine', () => {
    const r = sample();
    const md = renderMarkdown(r, { tradeoff: 'throughput-vs-loss.svg' });
    for (const t of r.targets) expect(md).toContain(t.verdict.replace(/\|/g, '\\|'));
    expect(md).toContain('skipped: cannot load: missing binary');
    expect(md).toContain('AMD EPYC, 2 cores');
    expect(md).toContain('![throughput against loss window](throughput-vs-loss.svg)');
    expect(md).toContain('_Skipped: failed: boom_');
  });
});

describe('lossScenario', () => {
  it('is deterministic per seed, has no sync calls, and ends its first epoch in a crash', () => {
    const a = lossScenario(7);
    expect(lossScenario(7)).toEqual(a);
    expect(lossScenario(8)).not.toEqual(a);
    const ops = a.epochs.flatMap((e) => e.clients.flat());
    expect(ops.some((o) => o.op === 'sync')).toBe(false);
    expect(ops.filter((o) => o.op === 'append').length).toBeGreaterThan(40);
    expect(a.epochs[0]!.end.type).toBe('crash');
    expect(a.epochs[1]!.end.type).toBe('restart');
  });

  it('summarizes losses as mean and max', () => {
    const row = summarizeLoss('interval 10 ms', false, { crashes: 4, epochsWithLoss: 2, records: [0, 0, 3, 9], ms: [0, 0, 1.5, 8.5] });
    expect(row).toMatchObject({ lostRecordsMean: 3, lostRecordsMax: 9, lostMsMean: 2.5, lostMsMax: 8.5, violations: 0 });
    expect(row.acknowledgedMeans).toContain('append resolved');
  });
});

describe('medianRound', () => {
  it('picks the middle round by key, the lower middle for an even count, nothing for none', async () => {
    const { medianRound } = await import('../../bench/suites/durability.js');
    const key = (x: { r: number }): number => x.r;
    expect(medianRound([{ r: 3 }, { r: 1 }, { r: 2 }], key)).toEqual({ r: 2 });
    expect(medianRound([{ r: 4 }, { r: 1 }, { r: 3 }, { r: 2 }], key)).toEqual({ r: 2 });
    expect(medianRound([], key)).toBeUndefined();
  });
});

describe('evaluateTargets with interleaved rounds', () => {
  it('takes both sides of the raw ratios from the median round', () => {
    const r = sample();
    if (r.durability.status !== 'ok') throw new Error('fixture');
    const raw = (limit: number, p50: number) => ({
      batchBytes: 1200,
      appendSyncsPerSec: limit / 64,
      appendP50Us: p50,
      preallocatedSyncsPerSec: limit / 64,
      preallocatedP50Us: p50 + 10,
      limitAppendsPerSec: limit,
    });
    const gc = r.durability.data.find((c) => c.level === 'groupCommit (default window)')!;
    gc.rawRounds = [
      { opsPerSec: 100_000, p50Us: 900, raw: raw(50_000, 300) },
      { opsPerSec: 120_000, p50Us: 900, raw: raw(200_000, 300) },
      { opsPerSec: 110_000, p50Us: 900, raw: raw(110_000, 300) },
    ];
    const ew = r.durability.data.find((c) => c.level === 'everyWrite')!;
    ew.rawRounds = [
      { opsPerSec: 2000, p50Us: 500, raw: raw(2500, 250) },
      { opsPerSec: 2000, p50Us: 420, raw: raw(2500, 400) },
      { opsPerSec: 2000, p50Us: 300, raw: raw(2500, 400) },
    ];
    const t = evaluateTargets(r);
    const gcRaw = t.find((x) => x.id === 'groupCommit-vs-raw')!;
    expect(gcRaw.measured).toBe(110_000);
    expect(gcRaw.reference).toBe(110_000);
    const ewP50 = t.find((x) => x.id === 'everyWrite-p50')!;
    expect(ewP50.measured).toBe(420);
    expect(ewP50.reference).toBe(400);
    expect(ewP50.status).toBe('PASS');
  });
});
