/**
 * Host turns before virtual time moves (the false hang of issue 14): a
 * client that awaits work outside the simulation (process.nextTick through a
 * promise, a setImmediate chain) before its next file call must not see a
 * pending timer, or a watchdog, fire first. And the run stays the same
 * whatever the host did: a host that needs more turns gives the same trace.
 */
import { describe, expect, it } from 'vitest';
import { createSimWorld, type SimWorld } from '../../src/sim/index.js';
import { microtaskDrain } from '../../src/harness/run.js';

const tick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));
const immediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The host yield of the harness, or a slower host that needs `turns` event-loop turns per yield. */
const hostYieldOf = (turns: number) => async (): Promise<void> => {
  for (let i = 0; i < turns; i++) await immediate();
};

function world(seed: number, turns = 1): SimWorld {
  return createSimWorld({ seed, hostYield: hostYieldOf(turns), drain: microtaskDrain });
}

/** A writer whose every call first waits on the host (ticks and immediates), beside a sleeper on the virtual clock. */
async function hostBoundWriter(w: SimWorld, hostWaits: number): Promise<string[]> {
  const seen: string[] = [];
  const writer = async (): Promise<void> => {
    const h = await w.fs.open('f', 'w+');
    for (let i = 0; i < 6; i++) {
      for (let k = 0; k < hostWaits; k++) await (k % 2 === 0 ? tick() : immediate());
      await h.write(Uint8Array.of(i), i);
      seen.push(`write ${i} at ${w.clock.now()}`);
    }
    await h.datasync();
    await h.close();
  };
  const sleeper = async (): Promise<void> => {
    for (let i = 0; i < 3; i++) {
      await w.clock.sleep(5);
      seen.push(`slept at ${w.clock.now()}`);
    }
  };
  await w.scheduler.run(Promise.all([writer(), sleeper()]));
  return seen;
}

describe('host turns before virtual time moves', () => {
  it('a call that waits on the host comes before a pending timer fires', async () => {
    const seen = await hostBoundWriter(world(1), 3);
    // Every write happened at time 0: no sleep's timer fired while the writer waited on the host.
    expect(seen.filter((s) => s.startsWith('write')).every((s) => s.endsWith(' at 0'))).toBe(true);
    expect(seen.filter((s) => s.startsWith('slept'))).toEqual(['slept at 5', 'slept at 10', 'slept at 15']);
  });

  it('a watchdog does not fire while the host still has work that leads to a simulated call', async () => {
    const w = world(2);
    const deadline = w.scheduler.cancellableAfter(60_000, 'liveness-bound', { watchdog: true });
    const work = (async () => {
      for (let k = 0; k < 40; k++) await (k % 2 === 0 ? tick() : immediate()); // 20 real turns, more than an ordinary timer waits
      const h = await w.fs.open('g', 'w+');
      await h.close();
      return 'done' as const;
    })();
    const winner = await w.scheduler.run(Promise.race([work, deadline.promise.then(() => 'deadline' as const)]));
    deadline.cancel();
    expect(winner).toBe('done');
    expect(w.clock.now()).toBe(0);
  });

  it('a watchdog still fires when nothing will ever come (a real hang is still reported)', async () => {
    const w = world(3);
    const deadline = w.scheduler.cancellableAfter(1_000, 'liveness-bound', { watchdog: true });
    const never = new Promise<'never'>(() => undefined);
    const winner = await w.scheduler.run(Promise.race([never, deadline.promise.then(() => 'deadline' as const)]));
    expect(winner).toBe('deadline');
    expect(w.clock.now()).toBe(1_000);
  });

  it('the turns change nothing a deterministic plugin does: a host that needs five turns per yield gives the same trace as one', async () => {
    for (const seed of [4, 5, 6]) {
      const fast = world(seed, 1);
      const slow = world(seed, 5);
      const a = await hostBoundWriter(fast, 2);
      const b = await hostBoundWriter(slow, 2);
      expect(b).toEqual(a);
      expect(slow.trace.hash()).toBe(fast.trace.hash());
    }
  });

  it('refuses a bad hostTurnsBeforeTime with EINVAL', () => {
    expect(() => createSimWorld({ seed: 1, hostYield: immediate, hostTurnsBeforeTime: -1 })).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
  });
});
