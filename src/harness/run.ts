/**
 * One seeded run on the simulator (runScenario): for each epoch of the
 * scenario, open (recover) the log, check every recovery rule, run the
 * clients concurrently, end with a clean restart or a power cut, and go on
 * from the disk image that leaves. A last open after the last epoch checks
 * its ending too. Used by checkWal, replay, campaigns and benchmarks.
 */
import { WalError, errorCode } from '../errors.js';
import { CONTRACT_FAULT_KINDS, EXTRA_FAULT_KINDS, type FaultKind, type FaultPlan } from '../faults/types.js';
import { faultKindRow, faultKindsWhere } from '../faults/kinds.js';
import { buildFaultPlan, isFaultKind, parseFaultPlan } from '../faults/plan.js';
import type { FileSystem, WalLog, WalPlugin } from '../ports.js';
import { assert, present } from '../assert.js';
import { acknowledgedAppends, checkLiveness, liveRecords, releasedBelow, type RecoveryView } from '../contract/checker.js';
import { runClient } from '../contract/client.js';
import { Judge } from '../contract/judge.js';
import { History } from '../contract/history.js';
import type { DiskImage } from '../sim/image.js';
import { createSimWorld, nextEpoch, type SimWorld } from '../sim/world.js';
import { generateScenario, resolveWorkloadOptions, withoutPowerCuts } from '../contract/workload.js';
import { PayloadFactory } from '../contract/payload.js';
import { CrashCutFileSystem } from './crash-cut.js';
import { hostYield } from './host-yield.js';
import type { EpochOutcome, RunScenarioOptions, ScenarioOutcome } from './types.js';
import type { ClientOp, EpochScript, HistoryCall, OpenCall, Violation } from '../contract/types.js';

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
export const DEFAULT_FAULT_PROBABILITY = 0.02;
/** The kinds that let an open reject (rule 5), by the fault table: fired while that open ran, or fired at all. */
const OPEN_MAY_REJECT_WHILE_IT_RUNS = faultKindsWhere((r) => r.openMayReject === 'while-open-runs').join(' or ');
const OPEN_MAY_REJECT_ONCE_FIRED = faultKindsWhere((r) => r.openMayReject === 'once-fired').join(' or ');
const WAL_DIR = '/wal';
const OPEN_ATTEMPTS = 3;

/** Validates a list of fault kind names (WalError EINVAL names the unknown one). */
export function parseFaultKinds(kinds: readonly string[]): FaultKind[] {
  const out: FaultKind[] = [];
  for (const k of kinds) {
    if (!isFaultKind(k))
      throw new WalError(
        'EINVAL',
        `unknown fault kind "${k}"; known: ${CONTRACT_FAULT_KINDS.join(', ')} (and ${EXTRA_FAULT_KINDS.join(', ')})`,
      );
    if (!out.includes(k)) out.push(k);
  }
  return out;
}

/**
 * The fault plan the harness uses for a list of kinds: each kind's check entry
 * in the fault table (its phase, its probability from p). 'crash' is not in
 * it: power cuts come from the scenario.
 */
export function faultPlanForCheck(kinds: readonly FaultKind[], probability = DEFAULT_FAULT_PROBABILITY): FaultPlan {
  return buildFaultPlan(kinds, probability, 'check');
}

interface CutState {
  image?: DiskImage;
  signal: Promise<void>;
  cut: () => void;
}

type Driven<T> = { kind: 'settled'; value: T } | { kind: 'timeout' } | { kind: 'stuck'; reason: string };

/** Drives the scheduler until `p` settles, the virtual-time bound runs out, or the simulator cannot go on. */
async function drive<T>(world: SimWorld, p: Promise<T>, boundMs: number): Promise<Driven<T>> {
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

function emptyEpochOutcome(epoch: number): EpochOutcome {
  return {
    epoch,
    end: 'restart',
    appends: 0,
    resolved: 0,
    acknowledged: 0,
    lostAcknowledged: 0,
    lostResolved: 0,
    lostResolvedSpanMs: 0,
    endedAt: 0,
    faultsFired: {},
  };
}

class Run {
  world: SimWorld;
  readonly history: History;
  readonly judge: Judge;
  readonly payloads = new PayloadFactory();
  readonly epochs: EpochOutcome[] = [];
  /** Crash images drawn and what they kept, sector by sector (kept with the trace, outside it). */
  readonly crashImages: NonNullable<ScenarioOutcome['crashImages']> = [];
  readonly durableAppend: boolean;
  readonly livenessMs: number;
  readonly maxBytes: number;
  bytesAppended = 0;
  /** Kinds of the faults fired so far (every epoch's filesystem tells, in firing order) not yet attributed to an epoch. */
  readonly unattributedFaults: FaultKind[] = [];
  /** A fault that may take acknowledged data fired in the run: durability (rule 2) is no longer required. */
  destructiveFired = false;
  /** A fault that lets every later open reject fired in the run. */
  openMayRejectFromNowOn = false;
  /** Faults fired so far that let the open they fire during reject (read-error). */
  openExcusingFired = 0;
  current: EpochOutcome | undefined;

  constructor(
    readonly plugin: WalPlugin,
    readonly opts: RunScenarioOptions,
    readonly plan: FaultPlan,
    simSeed: number,
  ) {
    const o = resolveWorkloadOptions(opts);
    this.maxBytes = o.maxBytesPerRun;
    this.durableAppend = plugin.durableAppend === true;
    this.livenessMs = opts.livenessMs ?? DEFAULT_LIVENESS_MS;
    const worldOpts: Parameters<typeof createSimWorld>[0] = {
      seed: simSeed,
      hostYield,
      drain: microtaskDrain,
      faults: plan,
      maxSteps: opts.maxSteps ?? DEFAULT_MAX_STEPS,
      onFault: (f) => this.unattributedFaults.push(f.kind),
    };
    if (opts.sectorSize !== undefined) worldOpts.sectorSize = opts.sectorSize;
    if (opts.keepTrace === true) worldOpts.onCrashImage = (c) => this.crashImages.push(c);
    this.world = createSimWorld(worldOpts);
    this.history = new History(
      () => this.world.scheduler.now,
      undefined,
      () => this.world.trace.length,
    );
    this.judge = new Judge(this.history, this.durableAppend);
  }

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

  pendingOf(epoch: number): HistoryCall[] {
    return this.history.calls.filter((c) => c.epoch === epoch && c.outcome === 'pending');
  }

  async openLog(
    epoch: number,
    fs: FileSystem,
    cutState: CutState,
  ): Promise<{ log: WalLog; call: OpenCall } | { violation: Violation } | { refused: true } | { cut: true }> {
    for (let attempt = 1; attempt <= OPEN_ATTEMPTS; attempt++) {
      const excusingBefore = this.openExcusingFired;
      const call = this.history.open(epoch);
      const env = { fs, clock: this.world.clock, dir: WAL_DIR };
      const opening = this.history.track(call, () => this.plugin.open(env));
      const r = await drive(this.world, Promise.race([opening, cutState.signal.then(() => 'cut' as const)]), this.livenessMs);
      this.collectFaults();
      if (cutState.image !== undefined) return { cut: true };
      if (r.kind !== 'settled' || r.value === 'cut') {
        const reason = r.kind === 'stuck' ? r.reason : 'open';
        return { violation: present(checkLiveness(epoch, [call], this.livenessMs, reason), 'an open that did not settle breaks liveness') };
      }
      if (r.value.ok) return { log: r.value.value, call };
      const err = call.error ?? { message: 'open rejected' };
      const allowedBy =
        this.openExcusingFired > excusingBefore
          ? OPEN_MAY_REJECT_WHILE_IT_RUNS
          : this.openMayRejectFromNowOn
            ? OPEN_MAY_REJECT_ONCE_FIRED
            : undefined;
      const v = this.judge.afterOpenRejected(epoch, err, allowedBy);
      if (v !== undefined) return { violation: v };
    }
    return { refused: true };
  }

  lossStats(prev: EpochOutcome, view: RecoveryView): void {
    const released = releasedBelow(view.calls, view.epoch);
    const got = new Set(view.recovered.map((r) => r.appendId));
    const byId = new Map(this.history.appends().map((a) => [a.id, a]));
    const lost = liveRecords(view).filter((r) => r.lsn >= released && !got.has(r.appendId));
    prev.atStake = liveRecords(view).filter((r) => r.acknowledged && r.lsn >= released).length;
    prev.lostResolved = lost.length;
    prev.lostAcknowledged = lost.filter((r) => r.acknowledged).length;
    let first = Infinity;
    for (const r of lost) first = Math.min(first, byId.get(r.appendId)?.settledAt ?? Infinity);
    prev.lostResolvedSpanMs = Number.isFinite(first) ? Math.max(0, prev.endedAt - first) : 0;
    prev.recoveredNext = view.recovered.length;
  }

  runClient(epoch: number, client: number, ops: readonly ClientOp[], log: WalLog): Promise<void> {
    return runClient(ops, {
      history: this.history,
      payloads: this.payloads,
      epoch,
      client,
      log,
      sleep: (ms) => this.world.clock.sleep(ms),
      appendSize: (requested) => {
        const size = Math.max(0, Math.min(requested, this.maxBytes - this.bytesAppended));
        this.bytesAppended += size;
        return size;
      },
    });
  }

  /** Closes the log cleanly; a close that does not settle within the bound breaks liveness. */
  async closeLog(epoch: number, log: WalLog): Promise<Violation | undefined> {
    const call = this.history.close(epoch);
    const c = await drive(
      this.world,
      this.history.track(call, () => log.close()),
      this.livenessMs,
    );
    this.collectFaults();
    if (c.kind !== 'settled') return checkLiveness(epoch, [call], this.livenessMs, c.kind === 'stuck' ? c.reason : 'close');
    return undefined;
  }

  /** Runs one epoch's workload and ending; returns the disk image it leaves, or a violation. */
  async runEpoch(
    epoch: number,
    script: EpochScript,
    log: WalLog,
    cutFs: CrashCutFileSystem | undefined,
    cutState: CutState,
  ): Promise<{ image: DiskImage } | { violation: Violation }> {
    const out = present(this.current, 'the epoch being run has an outcome', { epoch });
    assert(out.epoch === epoch, 'the current outcome is the epoch being run', { epoch, current: out.epoch });
    this.world.fs.setPhase('workload');
    if (cutFs !== undefined && !cutFs.isArmed) cutFs.arm();
    const clients = Promise.all(script.clients.map((ops, c) => this.runClient(epoch, c, ops, log)));
    const r = await drive(this.world, Promise.race([clients, cutState.signal]), this.livenessMs);
    this.collectFaults();
    if (r.kind !== 'settled') {
      return {
        violation: present(
          checkLiveness(epoch, this.pendingOf(epoch), this.livenessMs, r.kind === 'stuck' ? r.reason : 'workload'),
          'a workload that did not settle breaks liveness',
        ),
      };
    }
    if (cutState.image === undefined) {
      if (script.end.type === 'crash') {
        cutState.cut();
      } else {
        const v = await this.closeLog(epoch, log);
        if (v !== undefined) return { violation: v };
        cutState.image = this.world.fs.shutdownImage();
        this.history.freeze(epoch);
      }
    }
    out.end = script.end.type;
    out.endedAt = this.world.scheduler.now;
    const appends = this.history.appends(epoch);
    out.appends = appends.length;
    out.resolved = appends.filter((a) => a.outcome === 'resolved').length;
    out.acknowledged = acknowledgedAppends(appends, this.history.calls, this.durableAppend).length;
    const v = this.judge.afterWorkload(epoch);
    if (v !== undefined) return { violation: v };
    return { image: present(cutState.image, 'an epoch that ended (cut or clean shutdown) left a disk image', { epoch }) };
  }

  async run(scenario: { epochs: readonly EpochScript[] }): Promise<Violation | undefined> {
    for (let epoch = 0; epoch <= scenario.epochs.length; epoch++) {
      const script = scenario.epochs[epoch];
      const prevOutcome = this.epochs[epoch - 1];
      if (script !== undefined) this.epochs.push(emptyEpochOutcome(epoch));

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
      // disk-full, lying-fsync) hit the live log, and the contract asks open to work *after* them.
      if (world.fs.phase !== 'recovery') world.fs.setPhase('recovery');
      if (at?.phase === 'recovery') cutFs?.arm();
      const opened = await this.openLog(epoch, cutFs ?? world.fs, cutState);
      this.current = this.epochs[epoch];
      if ('violation' in opened) return opened.violation;
      if ('cut' in opened) {
        // Power lost while the log recovered: this epoch's clients never run; the next open judges both.
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
      const log = opened.log;
      const recovered = Array.isArray(log.recovered) ? log.recovered : [];
      const verdict = this.judge.afterOpen(epoch, recovered, { durabilityRequired: this.durabilityRequired, openCall: opened.call });
      // Losses belong to the last epoch whose clients ran (epochs cut during recovery ran none).
      for (let k = epoch - 1; k >= verdict.view.previousEpoch; k--) {
        const e = present(this.epochs[k], 'an outcome for every epoch before this one', { epoch, k });
        if (e.end === 'crash-in-recovery') continue;
        this.lossStats(e, verdict.view);
        break;
      }
      if (verdict.violation !== undefined) return verdict.violation;

      if (script === undefined) {
        const v = await this.closeLog(epoch, log);
        if (v !== undefined) return v;
        this.world.fs.powerOff('end of run');
        return undefined;
      }
      const ended = await this.runEpoch(epoch, script, log, cutFs, cutState);
      if ('violation' in ended) return ended.violation;
      this.world = nextEpoch(this.world, ended.image);
    }
    return undefined;
  }
}

/** One seeded run of a plugin on the simulator; resolves with what happened and the first broken rule, if any. */
export async function runScenario(plugin: WalPlugin, options: RunScenarioOptions): Promise<ScenarioOutcome> {
  if (plugin === null || typeof plugin !== 'object' || typeof plugin.open !== 'function')
    throw new WalError('EPLUGIN', 'not a WalPlugin: it needs name, durableAppend and open(env)');
  const kinds = parseFaultKinds(options.faults ?? CONTRACT_FAULT_KINDS);
  const drawn = options.scenario ?? generateScenario(options.seed, options);
  // Without `crash` no power is cut (the contract, §4): every epoch ends in a clean restart.
  const scenario = kinds.includes('crash') ? drawn : withoutPowerCuts(drawn);
  const plan = options.faultPlan === undefined ? faultPlanForCheck(kinds, options.faultProbability) : parseFaultPlan(options.faultPlan);
  const run = new Run(plugin, options, plan, scenario.simSeed);
  let violation: Violation | undefined;
  // A plugin that leaves a promise rejected and unawaited (a fire-and-forget write) would end the
  // whole process under Node's default; count it instead (it is a plugin flaw, not a contract rule).
  let unhandled = 0;
  const onUnhandled = (): void => {
    unhandled++;
  };
  process.on('unhandledRejection', onUnhandled);
  try {
    violation = await run.run(scenario);
    // Rejections the last steps left behind surface after one more turn of the event loop.
    await hostYield();
  } catch (err) {
    if (errorCode(err) === 'ESIM') violation = checkLiveness(run.current?.epoch ?? 0, [], run.livenessMs, (err as Error).message);
    else throw err;
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  run.collectFaults();
  if (violation !== undefined && run.current !== undefined && violation.epoch === run.current.epoch) run.current.end = 'violation';
  const outcome: ScenarioOutcome = {
    ok: violation === undefined,
    scenario,
    faultPlan: plan,
    epochs: run.epochs,
    steps: run.world.scheduler.steps,
    virtualMs: run.world.scheduler.now,
    traceHash: run.world.trace.hash(),
    history: run.history.calls,
  };
  if (violation !== undefined) outcome.violation = violation;
  if (unhandled > 0) outcome.unhandledRejections = unhandled;
  if (options.keepTrace === true) {
    outcome.trace = [...run.world.trace.lines];
    outcome.crashImages = run.crashImages;
  }
  return outcome;
}
