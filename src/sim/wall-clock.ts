/**
 * The simulated wall clock: what Clock.wallNow answers in a simulated world.
 * It runs with virtual time from a fixed epoch, and jumps (forwards or
 * backwards) only when told to, as a real wall clock does under NTP or an
 * operator; one instance serves every epoch of a world, so a jump outlives a
 * crash and the restart after it.
 */
import { WalError } from '../errors.js';

/** 2026-01-01T00:00:00.000Z: where a simulated wall clock starts unless told otherwise. */
export const SIM_WALL_EPOCH_MS = 1_767_225_600_000;

export class SimWallClock {
  private offsetMs: number;

  constructor(startMs: number = SIM_WALL_EPOCH_MS) {
    if (!Number.isSafeInteger(startMs) || startMs < 0) {
      throw new WalError('EINVAL', `a simulated wall clock starts at milliseconds since the epoch, got ${String(startMs)}`);
    }
    this.offsetMs = startMs;
  }

  /** The wall-clock time at virtual time `virtualMs`. */
  at(virtualMs: number): number {
    return this.offsetMs + virtualMs;
  }

  /** Moves the wall clock by deltaMs (negative: backwards); virtual time is untouched. */
  jump(deltaMs: number): void {
    if (!Number.isFinite(deltaMs))
      throw new WalError('EINVAL', `a wall-clock jump is a finite number of milliseconds, got ${String(deltaMs)}`);
    this.offsetMs += deltaMs;
  }
}
