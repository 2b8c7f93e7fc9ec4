/**
 * SimClock: the Clock port in virtual time. `sleep` registers a timer on the
 * Scheduler; time only moves when nothing else is runnable. `stop()` models
 * the process dying: its pending and future sleeps never resolve.
 */
import { WalError } from '../errors.js';
import type { Clock } from '../ports.js';
import type { Scheduler } from './scheduler.js';
import { SimWallClock } from './wall-clock.js';

export class SimClock implements Clock {
  private stopped = false;

  /** `wall`: the world's wall clock, shared by its epochs (default a fresh one from SIM_WALL_EPOCH_MS). */
  constructor(
    private readonly scheduler: Scheduler,
    readonly wall: SimWallClock = new SimWallClock(),
  ) {}

  now(): number {
    return this.scheduler.now;
  }

  /** The simulated wall clock at the current virtual time (it jumps only when `wall.jump` is called). */
  wallNow(): number {
    return this.wall.at(this.scheduler.now);
  }

  sleep(ms: number): Promise<void> {
    if (typeof ms !== 'number' || Number.isNaN(ms)) {
      return Promise.reject(new WalError('EINVAL', `sleep needs a number of milliseconds, got ${String(ms)}`));
    }
    if (this.stopped) return new Promise<void>(() => undefined);
    return this.scheduler.after(ms).then(() => (this.stopped ? new Promise<void>(() => undefined) : undefined));
  }

  /** The process died: every pending and later sleep stays pending forever. */
  stop(): void {
    this.stopped = true;
  }

  get isStopped(): boolean {
    return this.stopped;
  }
}
