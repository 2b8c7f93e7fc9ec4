/**
 * The guarantee a random search cannot give, for the built-in engine: every
 * crash state of every workload of 2 clients by 3 operations (in all) is
 * correct. FAULTLINE_EXPLORE="C,K" explores a larger bound (e.g. "2,4"; see
 * docs/explore.md for what each costs).
 */
import { describe, expect, it } from 'vitest';
import { builtinPlugin } from '../../src/harness/builtin.js';
import { exploreWal } from '../../src/harness/explore.js';

const [clients, ops] = (process.env.FAULTLINE_EXPLORE ?? '2,3').split(',').map(Number) as [number, number];

describe('explore: the built-in engine', () => {
  it(`every crash state of every workload of ${clients} clients by ${ops} operations is correct`, async () => {
    const r = await exploreWal(await builtinPlugin(), { clients, ops });
    expect(r.counterexample?.violation.message).toBeUndefined();
    expect(r).toMatchObject({ ok: true, complete: true, stoppedBy: 'complete', cappedPoints: 0 });
    expect(r.workloads).toBe(r.ofWorkloads);
    expect(r.interleavings).toBeGreaterThan(r.workloads);
    expect(r.states).toBeGreaterThan(r.interleavings);
  }, 900_000);
});
