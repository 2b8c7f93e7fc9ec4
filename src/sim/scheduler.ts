/**
 * Scheduler: the one place where simulated operations complete. Every
 * SimFileSystem call and every SimClock sleep registers a task here; `run`
 * lets the host drain microtasks (through the injected `drain`, or `hostYield`
 * when no drain is given or nothing is pending), then completes ONE runnable
 * task chosen by the seeded generator, or, when none is runnable, advances
 * virtual time to the earliest timer. Same seed, same picks.
 */
import { WalError } from '../errors.js';
import { Rng } from '../rng.js';

export interface SchedulerOptions {
  seed: number | string;
  /** Lets pending microtasks run (e.g. `() => new Promise(r => setImmediate(r))`), supplied by the caller. */
  hostYield: () => Promise<void>;
  /**
   * Optional, cheaper than hostYield: resolves only once the microtask queue
   * has run empty (every microtask pending when it was called, and every one
   * those started, has run), without a turn of the host's event loop; e.g. one
   * `await` hop then `process.nextTick` (see docs/architecture.md). Used
   * between picks while a task or timer is pending; hostYield is still used
   * when nothing is (so work outside the simulation can progress before a hang
   * is reported). Supplied by the caller, like hostYield.
   */
  drain?: () => Promise<void>;
  /** Bound on completed tasks over the scheduler's life (default 10,000,000). */
  maxSteps?: number;
  /** Consecutive yields with nothing runnable and no timer before run() reports a hang (default 1,000). */
  maxIdleYields?: number;
  /**
   * Real turns of the host (hostYield) before virtual time jumps to the next
   * timer while nothing is runnable (default 8); before a watchdog timer
   * fires, maxIdleYields turns. See `run`.
   */
  hostTurnsBeforeTime?: number;
  /**
   * Optional: picks the task to complete among `n` runnable ones (an index
   * below n, in issue order), instead of the seeded generator. When given it
   * is asked at every step, n = 1 included, so the caller sees each moment
   * between two completions (the exhaustive explorer, src/harness/explore.ts,
   * enumerates interleavings and crash points through it). Must be
   * deterministic for a run to be.
   */
  choose?: (n: number) => number;
}

interface Task {
  readonly seq: number;
  readonly label: string;
  readonly time: number;
  readonly fire: () => void;
  /** The caller's own deadline (a liveness bound), not simulated work: see `run`. */
  readonly watchdog: boolean;
}

export class Scheduler {
  readonly seed: string;
  readonly rng: Rng;
  private readonly hostYield: () => Promise<void>;
  private readonly drain: () => Promise<void>;
  private readonly maxSteps: number;
  private readonly maxIdleYields: number;
  private readonly hostTurnsBeforeTime: number;
  private readonly choose: ((n: number) => number) | undefined;
  private readonly runnable: Task[] = [];
  /** Sorted by (time, seq). */
  private readonly timers: Task[] = [];
  private seq = 0;
  private stepCount = 0;
  private time = 0;
  private running = false;

  constructor(opts: SchedulerOptions) {
    this.seed = String(opts.seed);
    this.rng = new Rng(this.seed).fork('scheduler');
    this.hostYield = opts.hostYield;
    this.drain = opts.drain ?? opts.hostYield;
    this.maxSteps = opts.maxSteps ?? 10_000_000;
    this.maxIdleYields = opts.maxIdleYields ?? 1_000;
    this.hostTurnsBeforeTime = opts.hostTurnsBeforeTime ?? 8;
    this.choose = opts.choose;
    if (!Number.isSafeInteger(this.maxSteps) || this.maxSteps <= 0) throw new WalError('EINVAL', 'maxSteps must be a positive integer');
    if (!Number.isSafeInteger(this.maxIdleYields) || this.maxIdleYields < 0)
      throw new WalError('EINVAL', 'maxIdleYields must be a non-negative integer');
    if (!Number.isSafeInteger(this.hostTurnsBeforeTime) || this.hostTurnsBeforeTime < 0)
      throw new WalError('EINVAL', 'hostTurnsBeforeTime must be a non-negative integer');
  }

  /** Completed tasks so far. */
  get steps(): number {
    return this.stepCount;
  }

  /** Virtual time in milliseconds. */
  get now(): number {
    return this.time;
  }

  /** Tasks waiting to complete (runnable plus timers). */
  get pending(): number {
    return this.runnable.length + this.timers.length;
  }

  /**
   * Registers work that completes when the scheduler picks it: `fn` runs then
   * and its result (or throw) settles the promise. With delayMs > 0 the task
   * becomes runnable only once virtual time reaches now + delayMs.
   */
  schedule<T>(label: string, fn: () => T, delayMs = 0): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const fire = (): void => {
        let value: T;
        try {
          value = fn();
        } catch (err) {
          reject(err);
          return;
        }
        resolve(value);
      };
      this.add(label, fire, delayMs);
    });
  }

  /** A promise that resolves after ms of virtual time (the basis of SimClock.sleep). */
  after(ms: number, label = 'sleep'): Promise<void> {
    return this.schedule(label, () => undefined, ms > 0 ? ms : 0);
  }

  /**
   * A timer that can be withdrawn (e.g. a liveness deadline that lost its race):
   * after cancel() it never fires and no longer counts as pending. With
   * `watchdog`, it is the caller's own deadline rather than simulated work:
   * before it fires, the host gets as many real turns as before a hang is
   * reported (see `run`), so a deadline never fires because the host was slow.
   */
  cancellableAfter(ms: number, label = 'timer', options: { watchdog?: boolean } = {}): { promise: Promise<void>; cancel: () => void } {
    let task: Task | undefined;
    const promise = new Promise<void>((resolve) => {
      task = this.add(label, () => resolve(), ms, options.watchdog === true);
    });
    const cancel = (): void => {
      if (task === undefined) return;
      for (const list of [this.timers, this.runnable]) {
        const i = list.indexOf(task);
        if (i >= 0) list.splice(i, 1);
      }
      task = undefined;
    };
    return { promise, cancel };
  }

  private add(label: string, fire: () => void, delayMs: number, watchdog = false): Task {
    const delay = Number.isFinite(delayMs) && delayMs > 0 ? delayMs : 0;
    const task: Task = { seq: this.seq++, label, time: this.time + delay, fire, watchdog };
    if (delay === 0) {
      this.runnable.push(task);
      return task;
    }
    // Binary search for the insertion point keeping (time, seq) order.
    let lo = 0;
    let hi = this.timers.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const t = this.timers[mid] as Task;
      if (t.time < task.time || (t.time === task.time && t.seq < task.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.timers.splice(lo, 0, task);
    return task;
  }

  /**
   * Drives the simulation until `until` settles, then settles the same way.
   * Rejects with WalError ESIM when the step bound is exceeded or nothing can
   * make progress (no runnable task, no timer) while `until` is still pending.
   *
   * When nothing is runnable but a timer is pending, virtual time jumps to it
   * only after the host had real turns (`hostYield`): a plugin may be waiting
   * on work outside the simulation (a `process.nextTick` through a promise, a
   * stream, a WebAssembly compile) before its next file call. The turns stop
   * as soon as a task is added or `until` settles, so a run does not depend
   * on how many turns the host needed: `hostTurnsBeforeTime` turns before an
   * ordinary timer, `maxIdleYields` before a watchdog (a caller's deadline
   * firing means a verdict, so it gets the budget of a hang).
   */
  async run<T>(until: Promise<T>): Promise<T> {
    if (this.running) throw new WalError('ESIM', 'Scheduler.run is already running');
    this.running = true;
    let settled = false;
    until.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    try {
      let idle = 0;
      for (;;) {
        // Nothing pending: give the host a full turn (only a hang or work outside the simulation gets here).
        await (this.runnable.length === 0 && this.timers.length === 0 ? this.hostYield() : this.drain());
        if (settled) break;
        if (this.runnable.length > 0) {
          idle = 0;
          this.step();
        } else if (this.timers.length > 0) {
          idle = 0;
          const budget = this.nextTimersAreWatchdogs() ? this.maxIdleYields : this.hostTurnsBeforeTime;
          if (await this.hostTurns(budget, () => settled)) continue;
          this.advanceTime();
        } else if (++idle > this.maxIdleYields) {
          throw new WalError('ESIM', 'simulation hangs: nothing runnable, no timer, and the awaited promise is pending', {
            details: { steps: this.stepCount, now: this.time },
          });
        }
      }
    } finally {
      this.running = false;
    }
    return until;
  }

  /** Gives the host up to `budget` real turns; true as soon as a task was added or `until` settled. */
  private async hostTurns(budget: number, settled: () => boolean): Promise<boolean> {
    const before = this.seq;
    for (let turn = 0; turn < budget; turn++) {
      await this.hostYield();
      if (settled() || this.seq !== before) return true;
    }
    return false;
  }

  /** Whether every timer due at the earliest pending time is a watchdog. */
  private nextTimersAreWatchdogs(): boolean {
    const first = this.timers[0];
    if (first === undefined) return false;
    for (const t of this.timers) {
      if (t.time > first.time) break;
      if (!t.watchdog) return false;
    }
    return true;
  }

  private step(): void {
    if (this.stepCount >= this.maxSteps) {
      throw new WalError('ESIM', `step bound exceeded (${this.maxSteps})`, { details: { now: this.time } });
    }
    const n = this.runnable.length;
    const i = this.choose !== undefined ? this.chosen(this.choose, n) : n === 1 ? 0 : this.rng.nextInt(n);
    const task = this.runnable[i] as Task;
    // Remove keeping issue order of the rest (cheap for the small queues a run has).
    this.runnable.splice(i, 1);
    this.stepCount++;
    task.fire();
  }

  private chosen(choose: (n: number) => number, n: number): number {
    const i = choose(n);
    if (!Number.isSafeInteger(i) || i < 0 || i >= n) throw new WalError('EINVAL', `choose(${n}) must return an index below ${n}, got ${i}`);
    return i;
  }

  private advanceTime(): void {
    const first = this.timers[0] as Task;
    this.time = Math.max(this.time, first.time);
    let k = 0;
    while (k < this.timers.length && (this.timers[k] as Task).time <= this.time) k++;
    for (const t of this.timers.splice(0, k)) this.runnable.push(t);
  }
}
