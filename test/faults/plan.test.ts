import { describe, expect, it } from 'vitest';
import {
  CONTRACT_FAULT_KINDS,
  FAULT_KINDS,
  FaultSet,
  describeFaultPlan,
  faultKindsOf,
  faultPlanForKinds,
  parseFaultPlan,
  serializeFaultPlan,
  swarmFaultPlan,
  type FaultOpContext,
} from '../../src/faults/index.js';
import { Rng } from '../../src/rng.js';

const ctx = (over: Partial<FaultOpContext> = {}): FaultOpContext => ({
  op: 'write',
  path: 'wal/1.log',
  phase: 'workload',
  sectorSize: 512,
  usedBytes: 0,
  offset: 0,
  length: 100,
  fileSize: 0,
  durableSize: 0,
  ...over,
});

describe('FaultPlan', () => {
  it('serialises to JSON and parses back to an equal plan', () => {
    const plan = swarmFaultPlan(new Rng('ser'), { onChance: 1 });
    expect(plan.faults.map((f) => f.kind)).toEqual([...FAULT_KINDS]);
    const back = parseFaultPlan(serializeFaultPlan(plan));
    expect(back).toEqual(plan);
    expect(describeFaultPlan(plan)).toContain('fsync-error p=');
    expect(describeFaultPlan({ version: 1, faults: [] })).toBe('no faults');
  });

  it('rejects malformed plans with EINVAL naming the problem', () => {
    expect(() => parseFaultPlan('{')).toThrow(/not JSON/);
    expect(() => parseFaultPlan({ version: 2, faults: [] })).toThrow(/version/);
    expect(() => parseFaultPlan({ version: 1, faults: [{ kind: 'meteor' }] })).toThrow(/unknown kind/);
    expect(() => parseFaultPlan({ version: 1, faults: [{ kind: 'crash', trigger: { probability: 2 } }] })).toThrow(/probability/);
    expect(() => parseFaultPlan({ version: 1, faults: [{ kind: 'crash', trigger: { path: '(' } }] })).toThrow(/regular expression/);
    expect(() => parseFaultPlan({ version: 1, faults: [{ kind: 'latency', ms: -1 }] })).toThrow(/latency/);
    expect(() => parseFaultPlan({ version: 1, faults: [{ kind: 'disk-full', capacityBytes: 1.5 }] })).toThrow(/capacity/);
  });

  it('maps the contract fault kinds (--faults LIST) to a plan', () => {
    const plan = faultPlanForKinds([...CONTRACT_FAULT_KINDS], 0.02);
    expect(faultKindsOf(plan)).toEqual([...CONTRACT_FAULT_KINDS]);
    expect(() => faultPlanForKinds(['crash', 'nope'])).toThrow(/unknown fault kind "nope"/);
  });

  it('swarm: one seed gives one plan; seeds differ in which faults are on and how often', () => {
    expect(swarmFaultPlan(new Rng(7))).toEqual(swarmFaultPlan(new Rng(7)));
    const shapes = new Set<string>();
    for (let s = 0; s < 20; s++) {
      const p = swarmFaultPlan(new Rng(s));
      for (const f of p.faults) {
        const pr = f.trigger?.probability ?? -1;
        expect(pr).toBeGreaterThanOrEqual(0.0005);
        expect(pr).toBeLessThanOrEqual(0.05);
      }
      shapes.add(faultKindsOf(p).join(','));
    }
    expect(shapes.size).toBeGreaterThan(10);
    const only = swarmFaultPlan(new Rng(1), { kinds: ['crash', 'bitflip'], onChance: 1 });
    expect(faultKindsOf(only)).toEqual(['crash', 'bitflip']);
  });
});

describe('triggers', () => {
  it('nth fires exactly once, on the nth matching operation', () => {
    const set = new FaultSet({ version: 1, faults: [{ kind: 'read-error', trigger: { nth: 3 } }] }, new Rng(1));
    const fired = [1, 2, 3, 4, 5].map(() => set.fire('complete', 'read', ctx({ op: 'read' })).length);
    expect(fired).toEqual([0, 0, 1, 0, 0]);
    expect(set.fire('complete', 'write', ctx()).length).toBe(0); // read-error never looks at writes
  });

  it('path patterns and phases filter which operations count', () => {
    const set = new FaultSet(
      { version: 1, faults: [{ kind: 'fsync-error', trigger: { path: '\\.log$', phase: 'recovery' } }] },
      new Rng(1),
    );
    expect(set.fire('complete', 'sync', ctx({ op: 'sync' })).length).toBe(0); // workload phase
    expect(set.fire('complete', 'sync', ctx({ op: 'sync', phase: 'recovery', path: 'wal/meta' })).length).toBe(0);
    expect(set.fire('complete', 'sync', ctx({ op: 'sync', phase: 'recovery' })).length).toBe(1);
  });

  it('probability is seeded and roughly honoured; maxTimes bounds it', () => {
    const count = (seed: number, maxTimes?: number): number => {
      const trigger = maxTimes === undefined ? { probability: 0.1 } : { probability: 0.1, maxTimes };
      const set = new FaultSet({ version: 1, faults: [{ kind: 'torn-write', trigger }] }, new Rng(seed));
      let n = 0;
      for (let i = 0; i < 2000; i++) n += set.fire('complete', 'write', ctx()).length;
      return n;
    };
    expect(count(3)).toBe(count(3));
    expect(count(3)).toBeGreaterThan(120);
    expect(count(3)).toBeLessThan(280);
    expect(count(3, 5)).toBe(5);
  });
});
