/**
 * RealClock: the clock port over the process's monotonic clock and timers.
 *
 * setTimeout has a 1 ms granularity in Node (and may fire a fraction of a
 * millisecond early against performance.now()), so a sleep is a deadline on
 * performance.now(): while at least SPIN_BELOW_MS is left a timer waits,
 * and the last fraction of a millisecond (all of a sub-millisecond sleep,
 * such as a 100 µs group-commit window) is waited by re-checking the clock
 * once per event-loop turn (setImmediate), so I/O callbacks still run between
 * checks. A sleep never resolves before its deadline on this clock.
 */
import { performance } from 'node:perf_hooks';
import type { Clock } from '../ports.js';

/** Below this much time left, a sleep polls the clock once per event-loop turn instead of arming a timer. */
export const SPIN_BELOW_MS = 1;
/** Event-loop turns one sleep may poll before it arms a timer for the rest anyway. */
export const MAX_SPIN_TURNS = 100_000;

export class RealClock implements Clock {
  now(): number {
    return performance.now();
  }

  /** The system's wall clock (Date.now): it may jump. */
  wallNow(): number {
    return Date.now();
  }

  sleep(ms: number): Promise<void> {
    const wait = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const deadline = performance.now() + wait;
    return new Promise((resolve) => {
      let turns = 0;
      // Ends: each timer or turn moves the clock on, and spinning is capped by MAX_SPIN_TURNS.
      const check = (): void => {
        const left = deadline - performance.now();
        if (left <= 0) resolve();
        else if (left >= SPIN_BELOW_MS || turns >= MAX_SPIN_TURNS) setTimeout(check, Math.max(1, Math.floor(left)));
        else {
          turns += 1;
          setImmediate(check);
        }
      };
      if (wait >= SPIN_BELOW_MS) setTimeout(check, Math.floor(wait));
      else setImmediate(check);
    });
  }
}
