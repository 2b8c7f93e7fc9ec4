/**
 * SchedulerOptions.choose: when given, it is asked at every step (one
 * runnable task included) and its index picks the task, in issue order; an
 * index out of range is refused. The explorer (src/harness/explore.ts)
 * enumerates interleavings and crash points through it.
 */
import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/sim/index.js';
import { hostYield } from '../../src/harness/host-yield.js';
import { isWalError } from '../../src/errors.js';

function tasks(s: Scheduler, order: string[]): Promise<unknown> {
  return Promise.all(['a', 'b', 'c'].map((name) => s.schedule(name, () => order.push(name))));
}

describe('Scheduler choose', () => {
  it('picks by the index it returns, and is asked at every step', async () => {
    const asked: number[] = [];
    const order: string[] = [];
    // Always the last runnable task: c, then b, then a.
    const s = new Scheduler({ seed: 1, hostYield, choose: (n) => (asked.push(n), n - 1) });
    await s.run(tasks(s, order));
    expect(order).toEqual(['c', 'b', 'a']);
    expect(asked).toEqual([3, 2, 1]);
  });

  it('refuses an index that names no runnable task', async () => {
    const s = new Scheduler({ seed: 1, hostYield, choose: (n) => n });
    const err = await s.run(tasks(s, [])).catch((e: unknown) => e);
    expect(isWalError(err, 'EINVAL')).toBe(true);
  });
});
