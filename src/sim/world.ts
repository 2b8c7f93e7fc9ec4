/**
 * One simulated world: a seed, a Scheduler and a Trace for the whole run, and
 * per epoch a SimClock and a SimFileSystem. An epoch ends with a crash (or a
 * clean shutdown); `nextEpoch` starts the next one from the image it left.
 */
import { WalError } from '../errors.js';
import { parseFaultPlan, type FiredFault } from '../faults/plan.js';
import type { FaultPlan, SimPhase } from '../faults/types.js';
import { SimClock } from './clock.js';
import type { DiskImage } from './image.js';
import { Rng } from '../rng.js';
import { Scheduler } from './scheduler.js';
import { SimFileSystem, type CrashImageRecord } from './sim-file-system.js';
import { Trace, type TraceEvent } from './trace.js';
import { SimWallClock } from './wall-clock.js';

export interface SimWorldOptions {
  seed: number | string;
  /** Lets microtasks run between picks: `() => new Promise(r => setImmediate(r))`, supplied by the caller. */
  hostYield: () => Promise<void>;
  /** Optional cheaper drain of microtasks between picks (see SchedulerOptions.drain), supplied by the caller. */
  drain?: () => Promise<void>;
  faults?: FaultPlan;
  sectorSize?: number;
  latency?: { minMs: number; maxMs: number };
  /** The medium to start from (default empty). */
  image?: DiskImage;
  maxSteps?: number;
  /** Consecutive host yields with nothing to run before the scheduler reports a hang (default 1,000). */
  maxIdleYields?: number;
  /** Real host turns before virtual time jumps while nothing is runnable (Scheduler, default 8). */
  hostTurnsBeforeTime?: number;
  /** Picks among runnable tasks instead of the seeded generator (SchedulerOptions.choose). */
  choose?: (n: number) => number;
  /** Keep at most this many trace lines (the hash covers all); default 1,000,000. */
  maxTraceLines?: number;
  /**
   * Told of every fault that fires on any epoch's filesystem, in firing order:
   * one listener for the whole run, so counts need no trace (which may be
   * truncated) and no cursor per filesystem.
   */
  onFault?: (fault: FiredFault) => void;
  /** Told of every crash image any epoch's filesystem draws, with the epoch (SimFileSystemOptions.onCrashImage; not traced). */
  onCrashImage?: (crash: CrashImageRecord & { epoch: number }) => void;
}

export interface SimWorld {
  readonly seed: string;
  readonly scheduler: Scheduler;
  readonly clock: SimClock;
  readonly fs: SimFileSystem;
  /** Randomness for the caller (workload, crash sampling); independent of the simulator's own draws. */
  readonly rng: Rng;
  readonly trace: Trace;
  /** The world's wall clock (SimClock.wallNow), one for all its epochs: `wall.jump(ms)` moves it. */
  readonly wall: SimWallClock;
  /** 0 for the first epoch, +1 per nextEpoch. */
  readonly epoch: number;
  readonly options: SimWorldOptions;
}

function makeEpoch(
  base: Omit<SimWorld, 'clock' | 'fs' | 'epoch'>,
  epoch: number,
  image: DiskImage | undefined,
  faults: FaultPlan | undefined,
  phase: SimPhase,
): SimWorld {
  const clock = new SimClock(base.scheduler, base.wall);
  const o = base.options;
  const fsOpts: ConstructorParameters<typeof SimFileSystem>[0] = {
    scheduler: base.scheduler,
    clock,
    trace: base.trace,
    rng: new Rng(base.seed).fork(`fs-epoch-${epoch}`),
    phase,
    epoch,
  };
  if (image !== undefined) fsOpts.image = image;
  if (faults !== undefined) fsOpts.faults = faults;
  if (o.sectorSize !== undefined) fsOpts.sectorSize = o.sectorSize;
  if (o.latency !== undefined) fsOpts.latency = o.latency;
  if (o.onFault !== undefined) fsOpts.onFault = o.onFault;
  const onCrashImage = o.onCrashImage;
  if (onCrashImage !== undefined) fsOpts.onCrashImage = (c) => onCrashImage({ ...c, epoch });
  base.trace.record('epoch', base.scheduler.now, { epoch, phase });
  return { ...base, clock, fs: new SimFileSystem(fsOpts), epoch };
}

export function createSimWorld(opts: SimWorldOptions): SimWorld {
  const seed = String(opts.seed);
  const schedOpts: ConstructorParameters<typeof Scheduler>[0] = { seed, hostYield: opts.hostYield };
  if (opts.drain !== undefined) schedOpts.drain = opts.drain;
  if (opts.maxSteps !== undefined) schedOpts.maxSteps = opts.maxSteps;
  if (opts.maxIdleYields !== undefined) schedOpts.maxIdleYields = opts.maxIdleYields;
  if (opts.hostTurnsBeforeTime !== undefined) schedOpts.hostTurnsBeforeTime = opts.hostTurnsBeforeTime;
  if (opts.choose !== undefined) schedOpts.choose = opts.choose;
  const base = {
    seed,
    scheduler: new Scheduler(schedOpts),
    rng: new Rng(seed).fork('world'),
    trace: new Trace(opts.maxTraceLines === undefined ? {} : { maxLines: opts.maxTraceLines }),
    wall: new SimWallClock(),
    options: opts,
  };
  const header: Record<string, unknown> = { seed, sectorSize: opts.sectorSize ?? 512 };
  if (opts.faults !== undefined) header.faults = opts.faults;
  if (opts.latency !== undefined) header.latency = opts.latency;
  base.trace.record('world', 0, header);
  return makeEpoch(base, 0, opts.image, opts.faults, 'workload');
}

/** What a trace's 'world' line says about how to rebuild its world (seed, faults, sector size, latency). */
export interface TracedWorldOptions {
  seed: string;
  sectorSize: number;
  faults?: FaultPlan;
  latency?: { minMs: number; maxMs: number };
}

/**
 * Reads the 'world' line a createSimWorld trace starts with, so a run can be
 * replayed: build a world from these options (plus the same image), drive the
 * same client, and compare the traces (firstTraceDivergence) or their hashes.
 */
export function worldOptionsFromTrace(events: readonly TraceEvent[]): TracedWorldOptions {
  const w = events.find((e) => e.ev === 'world');
  if (w === undefined || typeof w.seed !== 'string' || typeof w.sectorSize !== 'number') {
    throw new WalError('EINVAL', "trace has no 'world' line with a seed and sector size");
  }
  const out: TracedWorldOptions = { seed: w.seed, sectorSize: w.sectorSize };
  if (w.faults !== undefined) out.faults = parseFaultPlan(w.faults);
  if (w.latency !== undefined) out.latency = w.latency as { minMs: number; maxMs: number };
  return out;
}

/**
 * The next epoch after a crash (or shutdown): a fresh clock and filesystem on
 * the same scheduler and trace, starting from `image`. The old filesystem is
 * powered off and its clock stopped, so the dead process's calls reject and its timers never fire.
 * Faults default to the world's plan; the phase defaults to 'recovery'.
 */
export function nextEpoch(world: SimWorld, image: DiskImage, opts: { faults?: FaultPlan; phase?: SimPhase } = {}): SimWorld {
  world.fs.powerOff('next epoch');
  world.clock.stop();
  const { scheduler, rng, trace, seed, wall, options } = world;
  return makeEpoch(
    { scheduler, rng, trace, seed, wall, options },
    world.epoch + 1,
    image,
    opts.faults ?? options.faults,
    opts.phase ?? 'recovery',
  );
}
