/**
 * The swarm workload (issue 15, items 1 and 2): each run draws its operation
 * mix, clients, think time and boundary-size share, the draw is part of the
 * scenario (plain JSON, printed in the report, carried by the replay
 * command), and boundary sizes (0, 1, a sector and either side, the largest
 * record and one below it) come at the drawn frequency. Without the option
 * nothing changes (the pinned CLI outputs check that byte for byte).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BOUNDARY_SIZES, generateScenario, parseScenario, scenarioArbitrary } from '../../src/contract/workload.js';
import { MAX_PAYLOAD_BYTES } from '../../src/contract/payload.js';
import type { ClientOp, Scenario } from '../../src/contract/types.js';
import { checkWal } from '../../src/harness/check.js';
import { replayFailure } from '../../src/harness/replay.js';
import { formatFailureReport } from '../../src/harness/report.js';
import { loadPluginModule } from '../../src/harness/plugin-module.js';

const ops = (s: Scenario): ClientOp[] => s.epochs.flatMap((e) => e.clients.flat());

describe('the swarm workload', () => {
  it('keeps its draw in the scenario, and every run follows its draw', () => {
    fc.assert(
      fc.property(scenarioArbitrary({ swarm: true }), (s) => {
        const d = s.swarm;
        expect(d).toBeDefined();
        if (d === undefined) return;
        expect(parseScenario(JSON.parse(JSON.stringify(s)))).toEqual(s);
        for (const e of s.epochs) expect(e.clients.length).toBeLessThanOrEqual(d.maxClients);
        for (const op of ops(s)) {
          if (op.op !== 'append') expect(d.weights[op.op]).toBeGreaterThan(0);
          if (op.op === 'sleep') expect(op.ms).toBeLessThanOrEqual(d.maxSleepMs);
        }
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  it('switches kinds off across runs, and draws boundary sizes at about the drawn share, the 1 MiB record included', () => {
    const scenarios = fc.sample(scenarioArbitrary({ swarm: true }), { seed: 7, numRuns: 400 });
    const off = { sync: 0, truncatePrefix: 0, sleep: 0 };
    let appends = 0;
    let boundary = 0;
    let expected = 0;
    const seen = new Set<number>();
    for (const s of scenarios) {
      const d = s.swarm;
      if (d === undefined) throw new Error('a swarm scenario without its draw');
      for (const k of ['sync', 'truncatePrefix', 'sleep'] as const) if (d.weights[k] === 0) off[k] += 1;
      for (const op of ops(s)) {
        if (op.op !== 'append') continue;
        appends += 1;
        expected += d.boundaryPercent / 100;
        if (BOUNDARY_SIZES.includes(op.size)) {
          boundary += 1;
          seen.add(op.size);
        }
      }
    }
    for (const k of Object.values(off)) expect(k).toBeGreaterThan(50); // about a third of 400 runs
    expect(seen).toEqual(new Set(BOUNDARY_SIZES));
    expect(seen.has(MAX_PAYLOAD_BYTES)).toBe(true);
    // Boundary sizes also come from the ordinary draw now and then (0, 1, 511..513 are small sizes): at least the drawn share.
    expect(boundary).toBeGreaterThan(expected * 0.8);
    expect(appends).toBeGreaterThan(1000);
  });

  it('is off by default: no draw, the same scenario as before for a seed', () => {
    const s = generateScenario(11);
    expect(s.swarm).toBeUndefined();
    expect(generateScenario(11, { swarm: false })).toEqual(s);
  });

  it('refuses a damaged draw in a scenario file, and a non-boolean option', () => {
    const s = generateScenario(3, { swarm: true });
    expect(() => parseScenario({ ...s, swarm: { ...s.swarm, weights: { append: 0, sync: 1, truncatePrefix: 1, sleep: 1 } } })).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
    expect(() => generateScenario(3, { swarm: 'yes' as unknown as boolean })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  it('a failure found by a swarm check prints its draw and replays from the printed identity', async () => {
    const plugin = await loadPluginModule('test/fixtures/wals/ack-before-fsync.ts');
    const r = await checkWal(plugin, { swarm: true, runs: 100, seed: 5, faults: ['crash'] });
    const f = r.failure;
    expect(f).toBeDefined();
    if (f === undefined) return;
    expect(formatFailureReport(f)).toContain('    swarm draw: append');
    expect(f.replayCommand).toContain(`--workload '{"swarm":true}'`);
    const again = await replayFailure(plugin, { swarm: true, seed: f.fastCheck.seed, path: f.fastCheck.path, faults: ['crash'] });
    expect(again.outcome.traceHash).toBe(f.traceHash);
    expect(again.outcome.scenario.swarm).toEqual(f.counterexample.swarm);
  }, 60_000);
});
