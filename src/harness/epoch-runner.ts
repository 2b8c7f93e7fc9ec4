/**
 * The machinery of one seeded run on the simulator, shared by the log's run
 * (run.ts: a WalPlugin) and the store's (run-store.ts: a StorePlugin): one
 * SimWorld for the whole run, per epoch an open in the recovery phase through
 * the crash cut, the judge's verdict on what it recovered, the clients in the
 * workload phase, a clean restart or a power cut, and the next epoch from
 * the disk image that leaves; the faults counted where they fire and the
 * fault table's policy applied to them; every wait bounded by the liveness
 * bound. What is opened, judged and run by the clients is the subclass's.
 */
import { WalError, errorCode } from '../errors.js';
import type { FaultKind, FaultPlan } from '../faults/types.js';
import { faultKindRow, faultKindsWhere } from '../faults/kinds.js';
import { scheduledFaultOf } from '../faults/plan.js';
import type { ScheduledFault } from '../faults/schedule.js';
import type { FileSystem, WalEnv } from '../ports.js';
import { assert, present } from '../assert.js';
import type { CallRecorder, RecordedCall } from '../contract/history.js';
import type { EpochEnd } from '../contract/types.js';
import type { DiskImage } from '../sim/image.js';
import { createSimWorld, nextEpoch, type SimWorld } from '../sim/world.js';
import type { CrashImageRecord } from '../sim/sim-file-system.js';
import { CrashCutFileSystem } from './crash-cut.js';
import { hostYield } from './host-yield.js';

/**
 * The Scheduler's `drain` for harness runs: resolves once the microtask queue
 * has run empty, without an event-loop turn. The first hop makes sure the rest
 * runs inside a microtask; Node runs a `process.nextTick` callback queued from
 * a microtask only after V8 has drained every microtask, including those
 * queued meanwhile. See docs/architecture.md ("Between two picks").
 */
export const microtaskDrain = async (): Promise<void> => {
  await undefined;
  await new Promise<void>((resolve) => process.nextTick(resolve));
};

export const DEFAULT_LIVENESS_MS = 60_000;
export const DEFAULT_MAX_STEPS = 2_000_000;
/** The kinds that let an open reject (rule 5), by the fault table: fired while that open ran, or fired at all. */
const OPEN_MAY_REJECT_WHILE_IT_RUNS = faultKindsWhere((r) => r.openMayReject === 'while-open-runs').join(' or ');
const OPEN_MAY_REJECT_ONCE_FIRED = faultKindsWhere((r) => r.openMayReject === 'once-fired').join(' or ');
const SUBJECT_DIR = '/wal';
const OPEN_ATTEMPTS = 3;

export interface CutState {
  image?: DiskImage;
  signal: Promise<void>;
  cut: () => void;
}

export type Driven<T> = { kind: 'settled'; value: T } | { kind: 'timeout' } | { kind: 'stuck'; reason: string };

/** Drives the scheduler until `p` settles, the virtual-time bound runs out, or the simulator cannot go on. */
export async function drive<T>(world: SimWorld, p: Promise<T>, boundMs: number): Promise<Driven<T>> {
  const timer = world.scheduler.cancellableAfter(boundMs, 'liveness-bound', { watchdog: true });
  const deadline = timer.promise.then((): Driven<T> => ({ kind: 'timeout' }));
  try {
    return await world.scheduler.run(Promise.race([p.then((value): Driven<T> => ({ kind: 'settled', value })), deadline]));
  } catch (err) {
    if (err instanceof WalError && err.code === 'ESIM') return { kind: 'stuck', reason: err.message };
    throw err;
  } finally {
    timer.cancel();
  }
}

/** A fault that fired: its schedule entry (which replays it) and the virtual time it fired at. */
export type TimedFault = ScheduledFault & { t: number };

/** What every epoch outcome has (the log's EpochOutcome and the store's StoreEpochOutcome add their counts). */
export interface BaseEpochOutcome {
  epoch: number;
  end: 'restart' | 'crash' | 'crash-in-recovery' | 'violation' | 'open-refused';
  endedAt: number;
  faultsFired: Partial<Record<FaultKind, number>>;
}

/** The shape of a run's scenario (a log's Scenario, a store's StoreScenario). */
export interface EpochsOf<Op> {
  epochs: readonly { clients: readonly (readonly Op[])[]; end: EpochEnd }[];
}

/** The world options a run starts from. */
export interface WorldChoice {
  simSeed: number;
  plan: FaultPlan;
  maxSteps: number;
  sectorSize?: number;
  keepTrace: boolean;
  livenessMs: number;
}

/** The world a run's options choose (a log run's and a store run's share these options). */
export function worldChoiceOf(
  opts: { maxSteps?: number; keepTrace?: boolean; livenessMs?: number; sectorSize?: number },
  plan: FaultPlan,
  simSeed: number,
): WorldChoice {
  const choice: WorldChoice = {
    simSeed,
    plan,
    maxSteps: opts.maxSteps ?? DEFAULT_MAX_STEPS,
    keepTrace: opts.keepTrace === true,
    livenessMs: opts.livenessMs ?? DEFAULT_LIVENESS_MS,
  };
  if (opts.sectorSize !== undefined) choice.sectorSize = opts.sectorSize;
  return choice;
}

/** A history that records opens and closes (History, StoreHistory). */
type RunHistory<C extends RecordedCall> = CallRecorder<C> & { open(epoch: number): C; close(epoch: number): C };

export abstract class EpochRunner<H, C extends RecordedCall, O extends BaseEpochOutcome, V extends { epoch: number }, Op> {
  world: SimWorld;
  abstract readonly history: RunHistory<C>;
  readonly epochs: O[] = [];
  /** Crash images drawn and what they kept, sector by sector (kept with the trace, outside it). */
  readonly crashImages: (CrashImageRecord & { epoch: number })[] = [];
  readonly livenessMs: number;
  /** Kinds of the faults fired so far (every epoch's filesystem tells, in firing order) not yet attributed to an epoch. */
  readonly unattributedFaults: FaultKind[] = [];
  /** Every fault fired in the run, in firing order, as a schedule entry with the virtual time it fired at. */
  readonly firedFaults: TimedFault[] = [];
  /** A fault that may take acknowledged data fired in the run: durability (rule 2) is no longer required. */
  destructiveFired = false;
  /** A fault that lets every later open reject fired in the run. */
  openMayRejectFromNowOn = false;
  /** Faults fired so far that let the open they fire during reject (read-error). */
  openExcusingFired = 0;
  current: O | undefined;

  constructor(choice: WorldChoice) {
    this.livenessMs = choice.livenessMs;
    const worldOpts: Parameters<typeof createSimWorld>[0] = {
      seed: choice.simSeed,
      hostYield,
      drain: microtaskDrain,
      faults: choice.plan,
      maxSteps: choice.maxSteps,
      onFault: (f) => {
        this.unattributedFaults.push(f.kind);
        this.firedFaults.push({ ...scheduledFaultOf(f), t: this.world.scheduler.now });
      },
    };
    if (choice.sectorSize !== undefined) worldOpts.sectorSize = choice.sectorSize;
    if (choice.keepTrace) worldOpts.onCrashImage = (c) => this.crashImages.push(c);
    // Without keepTrace nothing reads the lines: the hash still covers every one, none is kept.
    else worldOpts.maxTraceLines = 0;
    this.world = createSimWorld(worldOpts);
  }

  // ---- what the subject is ----

  /** Opens (recovers) the subject; what it resolves with is what the judge looks at. */
  protected abstract openSubject(env: WalEnv): Promise<H>;
  protected abstract closeSubject(subject: H): Promise<void>;
  protected abstract emptyOutcome(epoch: number): O;
  /** The judge's verdict on what the open of `epoch` recovered, with the loss counts of the epoch it ended. */
  protected abstract judgeOpened(epoch: number, subject: H, call: C): V | undefined;
  protected abstract runClient(epoch: number, client: number, ops: readonly Op[], subject: H): Promise<void>;
  /** Counts of the epoch's workload, and the judge's verdict on it. */
  protected abstract afterWorkload(epoch: number, out: O): V | undefined;
  protected abstract liveness(epoch: number, unsettled: readonly C[], reason: string): V;
  protected abstract rejectedOpen(epoch: number, error: { code?: string; message: string }, allowedBy: string | undefined): V | undefined;

  /**
   * Attributes the faults fired since the last call to the current epoch's
   * counters (during an open, that is the previous epoch's outcome), in firing
   * order, and applies the fault table's policy to them.
   */
  collectFaults(): void {
    for (const kind of this.unattributedFaults.splice(0)) {
      if (this.current !== undefined) this.current.faultsFired[kind] = (this.current.faultsFired[kind] ?? 0) + 1;
      const row = faultKindRow(kind);
      if (row?.destroysData === true) this.destructiveFired = true;
      if (row?.openMayReject === 'once-fired') this.openMayRejectFromNowOn = true;
      if (row?.openMayReject === 'while-open-runs') this.openExcusingFired++;
    }
  }

  get durabilityRequired(): boolean {
    return !this.destructiveFired;
  }

  pendingOf(epoch: number): C[] {
    return this.history.calls.filter((c) => c.epoch === epoch && c.outcome === 'pending');
  }

  async openIt(
    epoch: number,
    fs: FileSystem,
    cutState: CutState,
  ): Promise<{ subject: H; call: C } | { violation: V } | { refused: true } | { cut: true }> {
    for (let attempt = 1; attempt <= OPEN_ATTEMPTS; attempt++) {
      const excusingBefore = this.openExcusingFired;
      const call = this.history.open(epoch);
      const env = { fs, clock: this.world.clock, dir: SUBJECT_DIR };
      const opening = this.history.track(call, () => this.openSubject(env));
      const r = await drive(this.world, Promise.race([opening, cutState.signal.then(() => 'cut' as const)]), this.livenessMs);
      this.collectFaults();
      if (cutState.image !== undefined) return { cut: true };
      if (r.kind !== 'settled' || r.value === 'cut') {
        const reason = r.kind === 'stuck' ? r.reason : 'open';
        return { violation: this.liveness(epoch, [call], reason) };
      }
      if (r.value.ok) return { subject: r.value.value, call };
      const err = call.error ?? { message: 'open rejected' };
      const allowedBy =
        this.openExcusingFired > excusingBefore
          ? OPEN_MAY_REJECT_WHILE_IT_RUNS
          : this.openMayRejectFromNowOn
            ? OPEN_MAY_REJECT_ONCE_FIRED
            : undefined;
      const v = this.rejectedOpen(epoch, err, allowedBy);
      if (v !== undefined) return { violation: v };
    }
    return { refused: true };
  }

  /** Closes the subject cleanly; a close that does not settle within the bound breaks liveness. */
  async closeIt(epoch: number, subject: H): Promise<V | undefined> {
    const call = this.history.close(epoch);
    const c = await drive(
      this.world,
      this.history.track(call, () => this.closeSubject(subject)),
      this.livenessMs,
    );
    this.collectFaults();
    if (c.kind !== 'settled') return this.liveness(epoch, [call], c.kind === 'stuck' ? c.reason : 'close');
    return undefined;
  }

  /** Runs one epoch's workload and ending; returns the disk image it leaves, or a violation. */
  async runEpoch(
    epoch: number,
    script: EpochsOf<Op>['epochs'][number],
    subject: H,
    cutFs: CrashCutFileSystem | undefined,
    cutState: CutState,
  ): Promise<{ image: DiskImage } | { violation: V }> {
    const out = present(this.current, 'the epoch being run has an outcome', { epoch });
    assert(out.epoch === epoch, 'the current outcome is the epoch being run', { epoch, current: out.epoch });
    this.world.fs.setPhase('workload');
    if (cutFs !== undefined && !cutFs.isArmed) cutFs.arm();
    const clients = Promise.all(script.clients.map((ops, c) => this.runClient(epoch, c, ops, subject)));
    const r = await drive(this.world, Promise.race([clients, cutState.signal]), this.livenessMs);
    this.collectFaults();
    if (r.kind !== 'settled') return { violation: this.liveness(epoch, this.pendingOf(epoch), r.kind === 'stuck' ? r.reason : 'workload') };
    if (cutState.image === undefined) {
      if (script.end.type === 'crash') {
        cutState.cut();
      } else {
        const v = await this.closeIt(epoch, subject);
        if (v !== undefined) return { violation: v };
        cutState.image = this.world.fs.shutdownImage();
        this.history.freeze(epoch);
      }
    }
    out.end = script.end.type;
    out.endedAt = this.world.scheduler.now;
    const v = this.afterWorkload(epoch, out);
    if (v !== undefined) return { violation: v };
    return { image: present(cutState.image, 'an epoch that ended (cut or clean shutdown) left a disk image', { epoch }) };
  }

  async run(scenario: EpochsOf<Op>): Promise<V | undefined> {
    for (let epoch = 0; epoch <= scenario.epochs.length; epoch++) {
      const script = scenario.epochs[epoch];
      const prevOutcome = this.epochs[epoch - 1];
      if (script !== undefined) this.epochs.push(this.emptyOutcome(epoch));

      const cutState: CutState = { signal: Promise.resolve(), cut: () => undefined };
      let resolveSignal: () => void = () => undefined;
      cutState.signal = new Promise<void>((r) => (resolveSignal = r));
      const world = this.world;
      cutState.cut = () => {
        if (cutState.image !== undefined) return;
        this.history.freeze(epoch);
        cutState.image = world.fs.crash(world.rng.fork(`crash-${epoch}`));
        resolveSignal();
      };
      const at = script?.end.type === 'crash' ? script.end.at : undefined;
      const cutFs = at === undefined ? undefined : new CrashCutFileSystem(world.fs, at, cutState.cut);

      this.current = prevOutcome ?? this.epochs[epoch];
      // Every open (the first one too) runs in the recovery phase: workload faults (fsync-error,
      // disk-full, lying-fsync) hit the live subject, and the contract asks open to work *after* them.
      if (world.fs.phase !== 'recovery') world.fs.setPhase('recovery');
      if (at?.phase === 'recovery') cutFs?.arm();
      const opened = await this.openIt(epoch, cutFs ?? world.fs, cutState);
      this.current = this.epochs[epoch];
      if ('violation' in opened) return opened.violation;
      if ('cut' in opened) {
        // Power lost while it recovered: this epoch's clients never run; the next open judges both.
        const out = present(this.epochs[epoch], 'an epoch cut during recovery has an outcome', { epoch });
        out.end = 'crash-in-recovery';
        out.endedAt = this.world.scheduler.now;
        this.world = nextEpoch(this.world, present(cutState.image, 'a cut during recovery took a disk image', { epoch }));
        continue;
      }
      if ('refused' in opened) {
        if (prevOutcome !== undefined) prevOutcome.end = 'open-refused';
        return undefined;
      }
      const subject = opened.subject;
      const verdict = this.judgeOpened(epoch, subject, opened.call);
      if (verdict !== undefined) return verdict;

      if (script === undefined) {
        const v = await this.closeIt(epoch, subject);
        if (v !== undefined) return v;
        this.world.fs.powerOff('end of run');
        return undefined;
      }
      const ended = await this.runEpoch(epoch, script, subject, cutFs, cutState);
      if ('violation' in ended) return ended.violation;
      this.world = nextEpoch(this.world, ended.image);
    }
    return undefined;
  }

  /** The last epoch, before `epoch`, whose clients ran (epochs cut during recovery ran none): losses belong to it. */
  lastRanBefore(epoch: number, since: number): O | undefined {
    for (let k = epoch - 1; k >= since; k--) {
      const e = present(this.epochs[k], 'an outcome for every epoch before this one', { epoch, k });
      if (e.end !== 'crash-in-recovery') return e;
    }
    return undefined;
  }

  /**
   * Runs the scenario and settles what a run leaves behind: unhandled
   * rejections the subject left (counted, a flaw the contract does not
   * name), a simulator that could not go on (liveness), the faults not yet
   * attributed, and the epoch the violation stopped.
   */
  async runToEnd(scenario: EpochsOf<Op>): Promise<{ violation: V | undefined; unhandled: number }> {
    let violation: V | undefined;
    // A subject that leaves a promise rejected and unawaited (a fire-and-forget write) would end the
    // whole process under Node's default; count it instead (it is a plugin flaw, not a contract rule).
    let unhandled = 0;
    const onUnhandled = (): void => {
      unhandled++;
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      violation = await this.run(scenario);
      // Rejections the last steps left behind surface after one more turn of the event loop.
      await hostYield();
    } catch (err) {
      if (errorCode(err) === 'ESIM') violation = this.liveness(this.current?.epoch ?? 0, [], (err as Error).message);
      else throw err;
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    this.collectFaults();
    if (violation !== undefined && this.current !== undefined && violation.epoch === this.current.epoch) this.current.end = 'violation';
    return { violation, unhandled };
  }
}

/** A run's outcome, as both runners report it (the same keys in the same order). */
export interface RunOutcomeOf<S, O, C, V> {
  ok: boolean;
  scenario: S;
  faultPlan: FaultPlan;
  epochs: O[];
  steps: number;
  virtualMs: number;
  traceHash: string;
  history: C[];
  violation?: V;
  unhandledRejections?: number;
  trace?: string[];
  crashImages?: (CrashImageRecord & { epoch: number })[];
  /** Every fault fired, in firing order, when any did: the run's schedule (strip `t`) and where each fired. */
  firedFaults?: TimedFault[];
}

export function runOutcome<H, C extends RecordedCall, O extends BaseEpochOutcome, V extends { epoch: number }, Op, S>(
  run: EpochRunner<H, C, O, V, Op>,
  scenario: S,
  plan: FaultPlan,
  ended: { violation: V | undefined; unhandled: number },
  keepTrace: boolean,
): RunOutcomeOf<S, O, C, V> {
  const outcome: RunOutcomeOf<S, O, C, V> = {
    ok: ended.violation === undefined,
    scenario,
    faultPlan: plan,
    epochs: run.epochs,
    steps: run.world.scheduler.steps,
    virtualMs: run.world.scheduler.now,
    traceHash: run.world.trace.hash(),
    history: run.history.calls,
  };
  if (ended.violation !== undefined) outcome.violation = ended.violation;
  if (ended.unhandled > 0) outcome.unhandledRejections = ended.unhandled;
  if (run.firedFaults.length > 0) outcome.firedFaults = run.firedFaults;
  if (keepTrace) {
    outcome.trace = [...run.world.trace.lines];
    outcome.crashImages = run.crashImages;
  }
  return outcome;
}
