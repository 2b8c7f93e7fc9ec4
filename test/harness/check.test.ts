/**
 * checkWal end to end on small plugins: a correct WAL passes, a buggy one is
 * caught and shrunk, the report's seed and path replay the same failure with
 * the same trace, and one skipped fdatasync is caught (proof of teeth).
 */
import { describe, expect, it } from 'vitest';
import { checkWal } from '../../src/harness/check.js';
import { replayFailure } from '../../src/harness/replay.js';
import { runScenario } from '../../src/harness/run.js';
import { generateScenario } from '../../src/contract/workload.js';
import correctSimple from '../fixtures/wals/correct-simple.js';
import ackBeforeFsync from '../fixtures/wals/ack-before-fsync.js';
import { skipNthDatasync } from './helpers/skip-datasync.js';

describe('checkWal', () => {
  it('passes a correct WAL under every contract fault kind', async () => {
    const r = await checkWal(correctSimple, { seed: 11, runs: 40 });
    expect(r.failure).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.runs).toBe(40);
    expect(r.summary.appends).toBeGreaterThan(100);
    expect(r.summary.crashes).toBeGreaterThan(10);
    expect(Object.keys(r.summary.faultsFired).length).toBeGreaterThanOrEqual(3);
  });

  it('catches acknowledging before fsync, shrinks it, and the report replays exactly', async () => {
    const r = await checkWal(ackBeforeFsync, { seed: 5, runs: 100, pluginModule: 'test/fixtures/wals/ack-before-fsync.ts' });
    expect(r.ok).toBe(false);
    const f = r.failure;
    if (f === undefined) throw new Error('expected a failure');
    expect(['durability', 'no-holes']).toContain(f.rule);
    expect(f.replayCommand).toBe(`npx faultline replay test/fixtures/wals/ack-before-fsync.ts --seed 5 --path ${f.fastCheck.path}`);
    // Shrunk: a small scenario.
    const ops = f.counterexample.epochs.flatMap((e) => e.clients.flat());
    expect(ops.length).toBeLessThanOrEqual(4);
    expect(JSON.parse(JSON.stringify(f))).toEqual(f);

    const replay = await replayFailure(ackBeforeFsync, { seed: f.seed, path: f.fastCheck.path });
    expect(replay.failure?.rule).toBe(f.rule);
    expect(replay.failure?.message).toBe(f.message);
    expect(replay.outcome.traceHash).toBe(f.traceHash);
    expect(replay.outcome.scenario).toEqual(f.counterexample);
    expect(replay.outcome.trace?.length).toBeGreaterThan(0);
  });

  it('one skipped fdatasync is caught, and its seed replays the failure', async () => {
    const plugin = skipNthDatasync(correctSimple, 2);
    const r = await checkWal(plugin, { seed: 1, runs: 200, faults: ['crash'] });
    expect(r.ok).toBe(false);
    const f = r.failure;
    if (f === undefined) throw new Error('expected a failure');
    expect(['durability', 'no-holes']).toContain(f.rule);
    const replay = await replayFailure(plugin, { seed: f.seed, path: f.fastCheck.path, faults: ['crash'] });
    expect(replay.failure?.rule).toBe(f.rule);
    expect(replay.outcome.traceHash).toBe(f.traceHash);
  });

  it('--time-limit: stops when the time is up, before the run bound, without a violation', async () => {
    const r = await checkWal(correctSimple, { seed: 2, runs: 1_000_000, timeLimitMs: 300 });
    expect(r.ok).toBe(true);
    expect(r.summary.stoppedBy).toBe('time-limit');
    expect(r.runs).toBeLessThan(1_000_000);
  });

  it('rejects bad options with typed errors', async () => {
    await expect(checkWal(correctSimple, { faults: ['nope' as never] })).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(checkWal(correctSimple, { runs: 0 })).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(checkWal({} as never)).rejects.toMatchObject({ code: 'EPLUGIN' });
  });
});

describe('runScenario', () => {
  it('is deterministic: same scenario, same trace hash and history', async () => {
    const scenario = generateScenario(1234);
    const a = await runScenario(correctSimple, { seed: 1234, scenario });
    const b = await runScenario(correctSimple, { seed: 1234 });
    expect(b.scenario).toEqual(scenario);
    expect(b.traceHash).toBe(a.traceHash);
    expect(b.history.map((c) => [c.kind, c.outcome, c.kind === 'append' ? c.lsn : undefined])).toEqual(
      a.history.map((c) => [c.kind, c.outcome, c.kind === 'append' ? c.lsn : undefined]),
    );
  });

  it('measures losses without calling them violations when appends are not durable', async () => {
    // A plugin that claims nothing about append durability: its resolved-but-unsynced losses are measured.
    const lying = { name: 'no-durable-append', durableAppend: false, open: correctSimple.open.bind(correctSimple) };
    const unsynced = skipNthDatasync(lying, 1, 'both');
    let lostResolved = 0;
    for (let seed = 0; seed < 20; seed++) {
      const o = await runScenario(unsynced, {
        seed,
        faults: ['crash'],
        scenario: {
          simSeed: seed,
          epochs: [{ clients: [[{ op: 'append', size: 100 }]], end: { type: 'crash' } }],
        },
      });
      expect(o.violation?.rule).not.toBe('durability');
      lostResolved += o.epochs[0]?.lostResolved ?? 0;
      expect(o.epochs[0]?.acknowledged).toBe(0);
    }
    expect(lostResolved).toBeGreaterThan(0);
  });

  it('a plugin that never answers breaks liveness', async () => {
    const hangs = {
      name: 'hangs',
      durableAppend: true,
      open: () =>
        Promise.resolve({
          recovered: [],
          append: () => new Promise<number>(() => undefined),
          sync: () => Promise.resolve(),
          close: () => Promise.resolve(),
        }),
    };
    const o = await runScenario(hangs, {
      seed: 1,
      scenario: { simSeed: 1, epochs: [{ clients: [[{ op: 'append', size: 1 }]], end: { type: 'restart' } }] },
    });
    expect(o.violation?.rule).toBe('liveness');
  });

  it('a plugin whose open rejects without a fault breaks recovery-works', async () => {
    const refuses = {
      name: 'refuses',
      durableAppend: true,
      open: () => Promise.reject(Object.assign(new Error('no'), { code: 'ECORRUPT' })),
    };
    const o = await runScenario(refuses, {
      seed: 1,
      faults: [],
      scenario: { simSeed: 1, epochs: [{ clients: [[]], end: { type: 'restart' } }] },
    });
    expect(o.violation?.rule).toBe('recovery-works');
  });
});
