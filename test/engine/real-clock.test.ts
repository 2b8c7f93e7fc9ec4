/** RealClock's sub-millisecond sleeps: never early, also many at once, and a bad argument sleeps zero. No upper timing bound is asserted. */
import { describe, expect, it } from 'vitest';
import { MAX_SPIN_TURNS, RealClock, SPIN_BELOW_MS } from '../../src/real/real-clock.js';

describe('RealClock.sleep', () => {
  it('never resolves before its deadline, for sub-millisecond, short and timer sleeps', async () => {
    const clock = new RealClock();
    for (const ms of [0.01, 0.1, 0.5, SPIN_BELOW_MS - 0.01, SPIN_BELOW_MS, 1.5, 2.5, 3]) {
      const a = clock.now();
      await clock.sleep(ms);
      expect(clock.now() - a, `sleep(${ms})`).toBeGreaterThanOrEqual(ms - 1e-6);
    }
  });

  it('many sleeps at once each end at or after their own deadline', async () => {
    const clock = new RealClock();
    const durations = [0.8, 0.05, 2.5, 0.3, 0, 1.2, 0.01];
    const started = clock.now();
    const ended = await Promise.all(durations.map((ms) => clock.sleep(ms).then(() => clock.now())));
    ended.forEach((t, i) => expect(t - started, `sleep(${durations[i]})`).toBeGreaterThanOrEqual((durations[i] as number) - 1e-6));
  });

  it('treats zero, negative and non-finite durations as zero and still resolves', async () => {
    const clock = new RealClock();
    for (const ms of [0, -5, Number.NaN, -Infinity]) await expect(clock.sleep(ms)).resolves.toBeUndefined();
    expect(MAX_SPIN_TURNS).toBeGreaterThan(0);
  });

  it('lets I/O-like callbacks (other event-loop turns) run while a short sleep waits', async () => {
    const clock = new RealClock();
    let turns = 0;
    let sleeping = true;
    const ticker = async (): Promise<void> => {
      while (sleeping) {
        await new Promise<void>((r) => setImmediate(r));
        turns += 1;
      }
    };
    const t = ticker();
    const a = clock.now();
    await clock.sleep(1.5);
    sleeping = false;
    await t;
    // The sleep spanned at least one event-loop turn in which the other task ran.
    expect(clock.now() - a).toBeGreaterThanOrEqual(1.5);
    expect(turns).toBeGreaterThan(0);
  });
});
