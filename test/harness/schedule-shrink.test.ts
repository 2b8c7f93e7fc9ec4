/**
 * The second shrink's candidates (src/harness/schedule-shrink.ts): faults are
 * removed one at a time first; removing an epoch drops its entries and moves
 * the later epochs' entries down; clients, operations, power cuts and fault
 * parameters get smaller, never leaving the generator's space (an epoch keeps
 * a client, a transaction a step); and the candidates depend on the value only.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ScheduledFault } from '../../src/faults/index.js';
import {
  logScheduledRunArbitrary,
  shrinkCandidates,
  smallerClientOps,
  smallerStoreOps,
  type ScheduledRun,
} from '../../src/harness/schedule-shrink.js';
import type { Scenario } from '../../src/contract/types.js';

const fault = (epoch: number, nth: number, keepBytes = 40): ScheduledFault => ({
  epoch,
  phase: 'workload',
  op: 'write',
  path: '/wal/wal.log',
  nth,
  kind: 'disk-full',
  effect: { type: 'enospc', keepBytes },
});

const run: ScheduledRun<Scenario> = {
  scenario: {
    simSeed: 4,
    epochs: [
      { clients: [[{ op: 'append', size: 8 }], [{ op: 'sync' }]], end: { type: 'crash', at: { class: 'any', nth: 5, when: 'before' } } },
      { clients: [[{ op: 'sleep', ms: 3 }]], end: { type: 'restart' } },
      { clients: [[]], end: { type: 'restart' } },
    ],
  },
  schedule: [fault(0, 1), fault(1, 2), fault(2, 1), fault(3, 1)],
};

describe('shrinkCandidates', () => {
  const all = [...shrinkCandidates(run, smallerClientOps)];

  it('tries removing each fault first, one at a time', () => {
    expect(all.slice(0, 4).map((c) => c.schedule.map((e) => e.epoch))).toEqual([
      [1, 2, 3],
      [0, 2, 3],
      [0, 1, 3],
      [0, 1, 2],
    ]);
    expect(all.slice(0, 4).every((c) => c.scenario === run.scenario)).toBe(true);
  });

  it("removing an epoch drops its faults and moves the later epochs' faults (the last open's too) down one", () => {
    const withoutEpoch1 = all.find((c) => c.scenario.epochs.length === 2 && c.scenario.epochs[1]?.clients[0]?.length === 0);
    expect(withoutEpoch1?.schedule.map((e) => [e.epoch, e.nth])).toEqual([
      [0, 1],
      [1, 1],
      [2, 1],
    ]);
  });

  it('keeps a client per epoch and a step per transaction, and shrinks operations, cuts and fault parameters', () => {
    expect(all.some((c) => c.scenario.epochs.some((e) => e.clients.length === 0))).toBe(false);
    expect(all.some((c) => c.scenario.epochs[0]?.clients.length === 1)).toBe(true);
    expect(all.some((c) => c.scenario.epochs[0]?.end.type === 'crash' && c.scenario.epochs[0].end.at?.nth === 1)).toBe(true);
    expect(
      all.filter((c) => c.schedule[0]?.effect.type === 'enospc' && c.schedule[0].effect.keepBytes < 40).map((c) => c.schedule[0]?.effect),
    ).toEqual([
      { type: 'enospc', keepBytes: 0 },
      { type: 'enospc', keepBytes: 20 },
    ]);
    expect(smallerClientOps({ op: 'append', size: 9 })).toEqual([
      { op: 'append', size: 0 },
      { op: 'append', size: 4 },
    ]);
    expect(smallerStoreOps({ op: 'txn', steps: [{ op: 'get', key: 1 }] })).toEqual([]);
    expect(
      smallerStoreOps({
        op: 'txn',
        steps: [
          { op: 'get', key: 1 },
          { op: 'put', key: 2, size: 1 },
        ],
      }),
    ).toEqual([
      { op: 'txn', steps: [{ op: 'put', key: 2, size: 1 }] },
      { op: 'txn', steps: [{ op: 'get', key: 1 }] },
      {
        op: 'txn',
        steps: [
          { op: 'get', key: 1 },
          { op: 'put', key: 2, size: 0 },
        ],
      },
    ]);
  });

  it('the arbitrary generates its start and walks a path the same way every time', () => {
    const arb = logScheduledRunArbitrary(run);
    const walk = (): ScheduledRun<Scenario> | undefined => {
      let found: ScheduledRun<Scenario> | undefined;
      fc.check(
        fc.property(arb, (r) => {
          found = r;
          return false;
        }),
        { seed: 1, path: '0:3:0', endOnFailure: true },
      );
      return found;
    };
    const first = walk();
    expect(first?.schedule.map((e) => e.epoch)).toEqual([1, 2]);
    expect(walk()).toEqual(first);
  });
});
