/**
 * Shrinking a failure together with its fault schedule. The faults a failing
 * probabilistic run fired are recorded as a schedule (src/faults/schedule.ts);
 * from then on the probabilistic plan is off and the run is the scenario plus
 * that schedule, so a smaller workload no longer moves the faults.
 * ScheduledRunArbitrary is the fast-check arbitrary that shrinks the pair: it
 * generates only its starting point, and shrinks by removing one fault, one
 * epoch (the later epochs' entries move down with it), one client or one
 * client operation, by moving a power cut earlier, and by making sizes,
 * sleeps and fault parameters smaller. Its shrinks depend on the value alone,
 * so a fast-check path from it (the report's schedule path) replays exactly.
 */
import fc from 'fast-check';
import { scheduleEntryOf, type ScheduledFault } from '../faults/schedule.js';
import type { FaultEffect } from '../faults/types.js';
import type { ClientOp, EpochEnd, Scenario } from '../contract/types.js';
import type { StoreClientOp, StoreScenario, TxnStep } from '../contract/store-types.js';

/** What the shrinker needs of a scenario (a log's Scenario, a store's StoreScenario): epochs of client operations and an ending. */
export interface EpochScenario<Op> {
  epochs: { clients: Op[][]; end: EpochEnd }[];
}

/** A run without probabilities: a scenario and the faults to fire in it. */
export interface ScheduledRun<S = Scenario> {
  scenario: S;
  schedule: ScheduledFault[];
}

/** The run a failing outcome's faults make: its scenario and every fault it fired, as a schedule; undefined when none fired. */
export function scheduledRunOf<S>(outcome: { scenario: S; firedFaults?: readonly ScheduledFault[] }): ScheduledRun<S> | undefined {
  const fired = outcome.firedFaults ?? [];
  return fired.length === 0 ? undefined : { scenario: outcome.scenario, schedule: fired.map(scheduleEntryOf) };
}

/** Smaller integers to try for n (toward `min`): min itself, then halfway. */
function smaller(n: number, min: number): number[] {
  if (n <= min) return [];
  const half = Math.floor((n + min) / 2);
  return half > min && half < n ? [min, half] : [min];
}

/** Smaller versions of a log client's operation: a smaller append, a shorter sleep, a truncatePrefix further back. */
export function smallerClientOps(op: ClientOp): ClientOp[] {
  switch (op.op) {
    case 'append':
      return smaller(op.size, 0).map((size) => ({ op: 'append', size }));
    case 'sleep':
      return smaller(op.ms, 1).map((ms) => ({ op: 'sleep', ms }));
    case 'truncatePrefix':
      return smaller(op.back, 0).map((back) => ({ op: 'truncatePrefix', back }));
    default:
      return [];
  }
}

function smallerSteps(step: TxnStep): TxnStep[] {
  if (step.op === 'put') return smaller(step.size, 0).map((size) => ({ ...step, size }));
  if (step.op === 'sleep') return smaller(step.ms, 1).map((ms) => ({ op: 'sleep', ms }));
  return [];
}

/** Smaller versions of a store client's operation: a transaction with a step fewer or a smaller step, a shorter sleep. */
export function smallerStoreOps(op: StoreClientOp): StoreClientOp[] {
  if (op.op === 'sleep') return smaller(op.ms, 1).map((ms) => ({ op: 'sleep', ms }));
  if (op.op !== 'txn') return [];
  // A transaction keeps a step, as the generator's always have one.
  const fewer = op.steps.length < 2 ? [] : op.steps.map((_, j): StoreClientOp => ({ ...op, steps: op.steps.filter((__, m) => m !== j) }));
  const smallerOnes = op.steps.flatMap((step, j) =>
    smallerSteps(step).map((s): StoreClientOp => ({ ...op, steps: op.steps.map((t, m) => (m === j ? s : t)) })),
  );
  return [...fewer, ...smallerOnes];
}

function earlierCuts(end: EpochEnd): EpochEnd[] {
  if (end.type !== 'crash' || end.at === undefined) return [];
  const at = end.at;
  return smaller(at.nth, 1).map((nth) => ({ type: 'crash', at: { ...at, nth } }));
}

function smallerEffects(effect: FaultEffect): FaultEffect[] {
  switch (effect.type) {
    case 'enospc':
      return smaller(effect.keepBytes, 0).map((keepBytes) => ({ type: 'enospc', keepBytes }));
    case 'delay':
      return smaller(Math.ceil(effect.ms), 1).map((ms) => ({ type: 'delay', ms }));
    case 'flip':
      return effect.bits.length > 1 ? [{ type: 'flip', bits: effect.bits.slice(0, 1) }] : [];
    default:
      return [];
  }
}

/** The run without epoch k: its entries dropped, the later epochs' entries (and the last open's) one epoch down. */
function withoutEpoch<S extends EpochScenario<unknown>>(run: ScheduledRun<S>, k: number): ScheduledRun<S> {
  return {
    scenario: { ...run.scenario, epochs: run.scenario.epochs.filter((_, i) => i !== k) },
    schedule: run.schedule.filter((e) => e.epoch !== k).map((e) => (e.epoch > k ? { ...e, epoch: e.epoch - 1 } : e)),
  };
}

function withEpoch<S extends EpochScenario<unknown>>(run: ScheduledRun<S>, k: number, epoch: S['epochs'][number]): ScheduledRun<S> {
  return { ...run, scenario: { ...run.scenario, epochs: run.scenario.epochs.map((e, i) => (i === k ? epoch : e)) } };
}

/**
 * Every smaller run to try, the biggest steps first: fewer faults, fewer
 * epochs, clients and operations, an earlier power cut, then smaller
 * operations (`smallerOps`: the log's or the store's) and fault parameters.
 */
export function* shrinkCandidates<Op, S extends EpochScenario<Op>>(
  run: ScheduledRun<S>,
  smallerOps: (op: Op) => Op[],
): Generator<ScheduledRun<S>> {
  const { scenario, schedule } = run;
  for (let i = 0; i < schedule.length; i++) yield { ...run, schedule: schedule.filter((_, j) => j !== i) };
  if (scenario.epochs.length > 1) for (let k = scenario.epochs.length - 1; k >= 0; k--) yield withoutEpoch(run, k);
  for (const [k, epoch] of scenario.epochs.entries()) {
    // An epoch keeps a client, as the generator's always have one.
    if (epoch.clients.length > 1)
      for (let c = 0; c < epoch.clients.length; c++)
        yield withEpoch(run, k, { ...epoch, clients: epoch.clients.filter((_, i) => i !== c) });
    for (const [c, ops] of epoch.clients.entries()) {
      for (let j = 0; j < ops.length; j++) {
        const clients = epoch.clients.map((o, i) => (i === c ? ops.filter((_, m) => m !== j) : o));
        yield withEpoch(run, k, { ...epoch, clients });
      }
    }
    for (const end of earlierCuts(epoch.end)) yield withEpoch(run, k, { ...epoch, end });
  }
  for (const [k, epoch] of scenario.epochs.entries()) {
    for (const [c, ops] of epoch.clients.entries()) {
      for (const [j, op] of ops.entries()) {
        for (const smallerOp of smallerOps(op)) {
          const clients = epoch.clients.map((o, i) => (i === c ? ops.map((p, m) => (m === j ? smallerOp : p)) : o));
          yield withEpoch(run, k, { ...epoch, clients });
        }
      }
    }
  }
  for (const [i, entry] of schedule.entries())
    for (const effect of smallerEffects(entry.effect))
      yield { ...run, schedule: schedule.map((e, j) => (j === i ? { ...entry, effect } : e)) };
}

/** Generates `start` (always), and shrinks any run by shrinkCandidates with `smallerOps`. */
export class ScheduledRunArbitrary<Op, S extends EpochScenario<Op>> extends fc.Arbitrary<ScheduledRun<S>> {
  constructor(
    private readonly start: ScheduledRun<S>,
    private readonly smallerOps: (op: Op) => Op[],
  ) {
    super();
  }

  generate(): fc.Value<ScheduledRun<S>> {
    return new fc.Value(this.start, undefined);
  }

  canShrinkWithoutContext(value: unknown): value is ScheduledRun<S> {
    const v = value as Partial<ScheduledRun<S>> | null;
    return v !== null && typeof v === 'object' && Array.isArray(v.schedule) && typeof v.scenario === 'object';
  }

  shrink(value: ScheduledRun<S>): fc.Stream<fc.Value<ScheduledRun<S>>> {
    return fc.stream(shrinkCandidates(value, this.smallerOps)).map((r) => new fc.Value(r, undefined));
  }
}

/** The arbitrary that shrinks a log scenario with its schedule. */
export function logScheduledRunArbitrary(start: ScheduledRun<Scenario>): ScheduledRunArbitrary<ClientOp, Scenario> {
  return new ScheduledRunArbitrary(start, smallerClientOps);
}

/** The arbitrary that shrinks a store scenario with its schedule. */
export function storeScheduledRunArbitrary(start: ScheduledRun<StoreScenario>): ScheduledRunArbitrary<StoreClientOp, StoreScenario> {
  return new ScheduledRunArbitrary(start, smallerStoreOps);
}
