/**
 * The order rules are checked in linear and n log n time; this property
 * compares them with the contract's pairwise definition on random histories.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AppendCall } from '../../src/contract/types.js';
import { checkOrder, checkResolvedOrder, type IdentifiedRecord, type RecoveryView } from '../../src/contract/checker.js';

const history = fc
  .array(
    fc.record({
      called: fc.nat(60),
      duration: fc.integer({ min: 1, max: 30 }),
      resolved: fc.boolean(),
      lsn: fc.integer({ min: 1, max: 40 }),
    }),
    { maxLength: 14 },
  )
  .map((specs): AppendCall[] =>
    specs.map((s, id) => ({
      kind: 'append',
      id,
      epoch: 0,
      client: 0,
      label: `a${id}`,
      data: Uint8Array.of(id),
      calledTick: 2 * s.called,
      calledAt: 0,
      outcome: s.resolved ? 'resolved' : 'pending',
      ...(s.resolved ? { settledTick: 2 * (s.called + s.duration) + 1, lsn: s.lsn } : {}),
    })),
  );

/** A resolved before B was called => A's lsn is below B's: every pair. */
function resolvedOrderBroken(calls: AppendCall[]): boolean {
  const r = calls.filter((c) => c.outcome === 'resolved');
  return r.some((a) => r.some((b) => a !== b && (a.settledTick as number) < b.calledTick && !((a.lsn as number) < (b.lsn as number))));
}

/** A recovered after B although A resolved before B was called: every pair of positions. */
function recoveredOrderBroken(order: AppendCall[]): boolean {
  return order.some((later, j) =>
    order.some((earlier, i) => i > j && earlier.outcome === 'resolved' && (earlier.settledTick as number) < later.calledTick),
  );
}

describe('order rules against their pairwise definitions', () => {
  it('checkResolvedOrder fires exactly when some pair breaks real-time order', () => {
    fc.assert(
      fc.property(history, (calls) => {
        expect(checkResolvedOrder(calls, 0) !== undefined).toBe(resolvedOrderBroken(calls));
      }),
      { numRuns: 500 },
    );
  });

  it('checkOrder fires on real-time order exactly when some recovered pair is out of order', () => {
    fc.assert(
      fc.property(
        history.chain((calls) => fc.tuple(fc.constant(calls), fc.shuffledSubarray(calls))),
        ([calls, picked]) => {
          // strictly increasing LSNs, so only the real-time part of the rule can fire
          const recovered: IdentifiedRecord[] = picked.map((a, k) => ({ lsn: k + 1, appendId: a.id, label: a.label, size: 1 }));
          const view: RecoveryView = {
            epoch: 1,
            calls,
            durableAppend: true,
            previous: [],
            previousEpoch: 0,
            recovered,
            durabilityRequired: true,
          };
          expect(checkOrder(view) !== undefined).toBe(recoveredOrderBroken(picked));
        },
      ),
      { numRuns: 500 },
    );
  });
});
