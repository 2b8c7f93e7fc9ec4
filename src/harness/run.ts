/**
 * One seeded run on the simulator (runScenario): for each epoch of the
 * scenario, open (recover) the log, check every recovery rule, run the
 * clients concurrently, end with a clean restart or a power cut, and go on
 * from the disk image that leaves. A last open after the last epoch checks
 * its ending too. Used by checkWal, replay, campaigns and benchmarks.
 */
import { WalError } from '../errors.js';
import { CONTRACT_FAULT_KINDS, EXTRA_FAULT_KINDS, type FaultKind, type FaultPlan } from '../faults/types.js';
import { buildFaultPlan, isFaultKind, parseFaultPlan } from '../faults/plan.js';
import type { WalEnv, WalLog, WalPlugin } from '../ports.js';
import { present } from '../assert.js';
import { acknowledgedAppends, checkLiveness, liveRecords, releasedBelow, type RecoveryView } from '../contract/checker.js';
import { runClient } from '../contract/client.js';
import { Judge } from '../contract/judge.js';
import { History } from '../contract/history.js';
import { generateScenario, resolveWorkloadOptions, withoutPowerCuts } from '../contract/workload.js';
import { PayloadFactory } from '../contract/payload.js';
import { EpochRunner, runOutcome, worldChoiceOf } from './epoch-runner.js';
import type { EpochOutcome, RunScenarioOptions, ScenarioOutcome } from './types.js';
import type { ClientOp, HistoryCall, OpenCall, Violation } from '../contract/types.js';

export { microtaskDrain, DEFAULT_LIVENESS_MS, DEFAULT_MAX_STEPS } from './epoch-runner.js';
export const DEFAULT_FAULT_PROBABILITY = 0.02;

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

class Run extends EpochRunner<WalLog, HistoryCall, EpochOutcome, Violation, ClientOp> {
  readonly history: History;
  readonly judge: Judge;
  readonly payloads = new PayloadFactory();
  readonly durableAppend: boolean;
  readonly maxBytes: number;
  bytesAppended = 0;

  constructor(
    readonly plugin: WalPlugin,
    readonly opts: RunScenarioOptions,
    plan: FaultPlan,
    simSeed: number,
  ) {
    super(worldChoiceOf(opts, plan, simSeed));
    const o = resolveWorkloadOptions(opts);
    this.maxBytes = o.maxBytesPerRun;
    this.durableAppend = plugin.durableAppend === true;
    this.history = new History(
      () => this.world.scheduler.now,
      undefined,
      () => this.world.trace.length,
    );
    this.judge = new Judge(this.history, this.durableAppend);
  }

  protected openSubject(env: WalEnv): Promise<WalLog> {
    return this.plugin.open(env);
  }

  protected closeSubject(log: WalLog): Promise<void> {
    return log.close();
  }

  protected emptyOutcome(epoch: number): EpochOutcome {
    return emptyEpochOutcome(epoch);
  }

  protected liveness(epoch: number, unsettled: readonly HistoryCall[], reason: string): Violation {
    return present(
      checkLiveness(epoch, unsettled, this.livenessMs, reason),
      'a call that did not settle, or a run that could not go on, breaks liveness',
    );
  }

  protected rejectedOpen(epoch: number, error: { code?: string; message: string }, allowedBy: string | undefined): Violation | undefined {
    return this.judge.afterOpenRejected(epoch, error, allowedBy);
  }

  protected judgeOpened(epoch: number, log: WalLog, call: HistoryCall): Violation | undefined {
    const recovered = Array.isArray(log.recovered) ? log.recovered : [];
    const verdict = this.judge.afterOpen(epoch, recovered, { durabilityRequired: this.durabilityRequired, openCall: call as OpenCall });
    // Losses belong to the last epoch whose clients ran (epochs cut during recovery ran none).
    const ran = this.lastRanBefore(epoch, verdict.view.previousEpoch);
    if (ran !== undefined) this.lossStats(ran, verdict.view);
    return verdict.violation;
  }

  protected afterWorkload(epoch: number, out: EpochOutcome): Violation | undefined {
    const appends = this.history.appends(epoch);
    out.appends = appends.length;
    out.resolved = appends.filter((a) => a.outcome === 'resolved').length;
    out.acknowledged = acknowledgedAppends(appends, this.history.calls, this.durableAppend).length;
    return this.judge.afterWorkload(epoch);
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

  protected runClient(epoch: number, client: number, ops: readonly ClientOp[], log: WalLog): Promise<void> {
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
  return runOutcome(run, scenario, plan, await run.runToEnd(scenario), options.keepTrace === true);
}
