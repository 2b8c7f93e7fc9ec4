/**
 * Fault schedules as data (src/faults/schedule.ts): a bad entry is WalError
 * EINVAL naming the entry and the field; a FaultSet fires each entry at the
 * operation it names (epoch, phase, kind, path, ordinal) with its recorded
 * effect, drawing nothing; an effect is fitted to an operation that shrank.
 */
import { describe, expect, it } from 'vitest';
import {
  FaultSet,
  describeFaultPlan,
  faultKindsOf,
  parseFaultPlan,
  parseFaultSchedule,
  type FaultOpContext,
  type FiredFault,
  type ScheduledFault,
} from '../../src/faults/index.js';
import { Rng } from '../../src/rng.js';

const entry = (over: Partial<ScheduledFault> = {}): ScheduledFault => ({
  epoch: 0,
  phase: 'workload',
  op: 'write',
  path: '/wal/1.log',
  nth: 2,
  kind: 'disk-full',
  effect: { type: 'enospc', keepBytes: 10 },
  ...over,
});

function einval(value: unknown): string {
  try {
    parseFaultSchedule(value);
  } catch (err) {
    expect((err as { code?: string }).code).toBe('EINVAL');
    return (err as Error).message;
  }
  throw new Error('expected EINVAL');
}

describe('parseFaultSchedule', () => {
  it('accepts entries and copies them in the canonical key order', () => {
    const shuffled = {
      effect: { type: 'fsync-eio' },
      kind: 'fsync-error',
      nth: 1,
      path: '/wal/1.log',
      op: 'datasync',
      phase: 'workload',
      epoch: 1,
    };
    const [e] = parseFaultSchedule([shuffled]);
    expect(Object.keys(e ?? {})).toEqual(['epoch', 'phase', 'op', 'path', 'nth', 'kind', 'effect']);
    expect(parseFaultSchedule(JSON.stringify([entry()]))).toEqual([entry()]);
  });

  it('names the entry and what is wrong with it', () => {
    expect(einval({})).toMatch(/a fault schedule is a list of entries/);
    expect(einval('[')).toBe('fault schedule is not JSON');
    expect(einval([entry(), 7])).toBe('fault schedule entry 1: not an object');
    expect(einval([entry({ nth: 0 })])).toBe('fault schedule entry 0: nth must be a positive integer, got 0');
    expect(einval([entry({ epoch: -1 })])).toMatch(/entry 0: epoch must be a non-negative integer/);
    expect(einval([entry({ phase: 'boot' as never })])).toMatch(/entry 0: phase must be workload or recovery/);
    expect(einval([entry({ kind: 'meteor' as never })])).toBe('fault schedule entry 0: unknown fault kind "meteor"');
    expect(einval([entry({ op: 'read' })])).toBe('fault schedule entry 0: disk-full does not fire on read (it fires on write, truncate)');
    expect(einval([entry({ effect: { type: 'torn' } })])).toBe(
      'fault schedule entry 0: a disk-full fault\'s effect is of type "enospc", got "torn"',
    );
    expect(einval([entry({ effect: { type: 'enospc', keepBytes: -1 } })])).toMatch(/keepBytes must be a non-negative integer/);
    expect(einval([{ ...entry(), t: 3 }])).toMatch(/entry 0: unknown field\(s\) t/);
    expect(einval([entry({ kind: 'bitflip', effect: { type: 'flip', bits: [] } })])).toMatch(
      /bits must be a list of 1 to 64 bit positions/,
    );
    expect(einval([entry({ kind: 'latency', effect: { type: 'delay', ms: 0 } })])).toMatch(/ms must be a positive number/);
  });

  it('a plan carries a schedule, validated the same way, and a report names its entries', () => {
    expect(parseFaultPlan({ version: 1, faults: [], schedule: [entry()] }).schedule).toEqual([entry()]);
    expect(describeFaultPlan({ version: 1, faults: [], schedule: [entry()] })).toBe(
      'schedule: e0 disk-full on write #2 of /wal/1.log (workload) keep=10B',
    );
    expect(faultKindsOf({ version: 1, faults: [{ kind: 'read-error' }], schedule: [entry()] })).toEqual(['read-error', 'disk-full']);
    expect(() => parseFaultPlan({ version: 1, faults: [], schedule: [entry({ nth: 1.5 })] })).toThrow(/fault schedule entry 0: nth/);
  });
});

describe('a FaultSet with a schedule', () => {
  const ctx = (op: FaultOpContext['op'], path = '/wal/1.log', length = 100): FaultOpContext => ({
    op,
    path,
    phase: 'workload',
    sectorSize: 512,
    usedBytes: 0,
    offset: 0,
    length,
    fileSize: 0,
    durableSize: 8,
  });

  /** An Rng that fails the test if anything draws from it. */
  const noDraws = new Proxy(new Rng(1), {
    get(target, prop) {
      if (prop === 'fork') return () => noDraws;
      if (prop === 'nextInt' || prop === 'nextFloat' || prop === 'chance') throw new Error('a schedule draws nothing');
      return Reflect.get(target, prop) as unknown;
    },
  });

  it('fires each entry at the operation it names, in its epoch only, with its recorded effect', () => {
    const heard: FiredFault[] = [];
    const schedule: ScheduledFault[] = [
      entry(),
      entry({ epoch: 1 }),
      entry({ kind: 'latency', op: 'write', nth: 1, path: '/wal/2.log', effect: { type: 'delay', ms: 7 } }),
    ];
    const set = new FaultSet({ version: 1, faults: [], schedule }, noDraws, { onFault: (f) => heard.push(f), epoch: 0 });
    expect(set.fire('complete', 'write', ctx('write'))).toEqual([]);
    expect(set.fire('complete', 'write', ctx('write', '/wal/2.log'))).toEqual([]);
    expect(set.fire('issue', 'write', ctx('write', '/wal/2.log')).map((f) => f.effect)).toEqual([{ type: 'delay', ms: 7 }]);
    expect(set.fire('complete', 'write', ctx('write')).map((f) => f.effect)).toEqual([{ type: 'enospc', keepBytes: 10 }]);
    expect(set.fire('complete', 'write', ctx('write'))).toEqual([]);
    expect(heard.map((f) => [f.kind, f.index, f.scheduled, f.nth])).toEqual([
      ['latency', 2, true, 1],
      ['disk-full', 0, true, 2],
    ]);
    expect(new FaultSet({ version: 1, faults: [], schedule: [entry({ epoch: 3 })] }, noDraws, { epoch: 0 }).empty).toBe(true);
  });

  it('fits an effect to an operation that shrank, and skips one that no longer applies', () => {
    const set = new FaultSet(
      {
        version: 1,
        faults: [],
        schedule: [
          entry({ nth: 1 }),
          entry({ nth: 2 }),
          entry({ kind: 'bitflip', op: 'write', nth: 3, effect: { type: 'flip', bits: [3, 200] } }),
        ],
      },
      noDraws,
    );
    expect(set.fire('complete', 'write', ctx('write', '/wal/1.log', 4)).map((f) => f.effect)).toEqual([{ type: 'enospc', keepBytes: 3 }]);
    expect(set.fire('complete', 'write', ctx('write', '/wal/1.log', 0))).toEqual([]);
    // 8 durable bytes: bit 200 is past them.
    expect(set.fire('complete', 'write', ctx('write')).map((f) => f.effect)).toEqual([{ type: 'flip', bits: [3] }]);
  });
});
