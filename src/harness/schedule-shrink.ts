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

/** A run without probabilities: a scenario and the faults to fire in it. */
export interface ScheduledRun {
  scenario: Scenario;
  schedule: ScheduledFault[];
}

/** The run a failing outcome's faults make: its scenario and every fault it fired, as a schedule; undefined when none fired. */
export function scheduledRunOf(outcome: { scenario: Scenario; firedFaults?: readonly ScheduledFault[] }): ScheduledRun | undefined {
  const fired = outcome.firedFaults ?? [];
  return fired.length === 0 ? undefined : { scenario: outcome.scenario, schedule: fired.map(scheduleEntryOf) };
}

/** Smaller integers to try for n (toward `min`): min itself, then halfway. */
function smaller(n: number, min: number): number[] {
  if (n <= min) return [];
  const half = Math.floor((n + min) / 2);
  return half > min && half < n ? [min, half] : [min];
}

function smallerOps(op: ClientOp): ClientOp[] {
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
function withoutEpoch(run: ScheduledRun, k: number): ScheduledRun {
  return {
    scenario: { ...run.scenario, epochs: run.scenario.epochs.filter((_, i) => i !== k) },
    schedule: run.schedule.filter((e) => e.epoch !== k).map((e) => (e.epoch > k ? { ...e, epoch: e.epoch - 1 } : e)),
  };
}

function withEpoch(run: ScheduledRun, k: number, epoch: Scenario['epochs'][number]): ScheduledRun {
  return { ...run, scenario: { ...run.scenario, epochs: run.scenario.epochs.map((e, i) => (i === k ? epoch : e)) } };
}

/** Every smaller run to try, the biggest steps first: fewer faults, fewer epochs, clients and operations, then smaller values. */
export function* shrinkCandidates(run: ScheduledRun): Generator<ScheduledRun> {
  const { scenario, schedule } = run;
  for (let i = 0; i < schedule.length; i++) yield { ...run, schedule: schedule.filter((_, j) => j !== i) };
  if (scenario.epochs.length > 1) for (let k = scenario.epochs.length - 1; k >= 0; k--) yield withoutEpoch(run, k);
  for (const [k, epoch] of scenario.epochs.entries()) {
    for (let c = 0; c < epoch.clients.length; c++) yield withEpoch(run, k, { ...epoch, clients: epoch.clients.filter((_, i) => i !== c) });
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

/** Generates `start` (always), and shrinks any run by shrinkCandidates. */
export class ScheduledRunArbitrary extends fc.Arbitrary<ScheduledRun> {
  constructor(private readonly start: ScheduledRun) {
    super();
  }

  generate(): fc.Value<ScheduledRun> {
    return new fc.Value(this.start, undefined);
  }

  canShrinkWithoutContext(value: unknown): value is ScheduledRun {
    const v = value as Partial<ScheduledRun> | null;
    return v !== null && typeof v === 'object' && Array.isArray(v.schedule) && typeof v.scenario === 'object';
  }

  shrink(value: ScheduledRun): fc.Stream<fc.Value<ScheduledRun>> {
    return fc.stream(shrinkCandidates(value)).map((r) => new fc.Value(r, undefined));
  }
}
