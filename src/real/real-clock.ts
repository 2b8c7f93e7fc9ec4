/** RealClock: the clock port over the process's monotonic clock and timers. */
import { performance } from 'node:perf_hooks';
import type { Clock } from '../ports.js';

export class RealClock implements Clock {
  now(): number {
    return performance.now();
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
  }
}
