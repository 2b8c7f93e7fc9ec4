/** Failure reports: built from a failing run, printed as text, and the one command that replays them. */
import { CONTRACT_FAULT_KINDS, type FaultKind } from '../faults/types.js';
import { describeFaultPlan } from '../faults/plan.js';
import { describeSwarmDraw, nonDefaultWorkload } from '../contract/workload.js';
import type { FailureReport, ScenarioOutcome } from './types.js';
import type { EpochEnd, WorkloadOptions } from '../contract/types.js';
import type { StoreWorkloadOptions } from '../contract/store-types.js';
import { nonDefaultStoreWorkload } from '../contract/store-workload.js';
import type { FaultPlan } from '../faults/types.js';
import { describeScheduledFault } from '../faults/schedule.js';
import type { TimedFault } from './epoch-runner.js';

export interface ReplayIdentity extends WorkloadOptions {
  seed: number;
  path: string;
  faults: readonly FaultKind[];
  faultProbability?: number;
  pluginModule?: string;
  pluginOptions?: unknown;
  /** The plugin was built in code: no command line can name it (the command gets a placeholder). */
  pluginUnknown?: boolean;
  /** The failure came from a saved scenario (the failure database): the command replays that file. */
  scenarioFile?: string;
  /** A store check's failure (`faultline replay --store`), with the store workload's knobs instead of the log's. */
  store?: { workload: StoreWorkloadOptions };
  /** The failure was shrunk with its fault schedule along this fast-check path (`--schedule-path`). */
  schedulePath?: string;
}

/** What stands in the replay command for a plugin built in code. */
export const UNKNOWN_PLUGIN_PLACEHOLDER = '<plugin-module>';

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function isDefaultKinds(kinds: readonly FaultKind[]): boolean {
  return kinds.length === CONTRACT_FAULT_KINDS.length && CONTRACT_FAULT_KINDS.every((k) => kinds.includes(k));
}

/** `npx faultline replay [module] --seed S --path P [...]`: every option that changes the run. */
export function replayCommand(id: ReplayIdentity): string {
  const parts = ['npx', 'faultline', 'replay'];
  if (id.store !== undefined) parts.push('--store');
  if (id.pluginModule !== undefined) parts.push(shellQuote(id.pluginModule));
  else if (id.pluginUnknown === true) parts.push(UNKNOWN_PLUGIN_PLACEHOLDER);
  if (id.scenarioFile !== undefined) {
    // The file carries the faults, the fault plan and the workload: nothing else is needed.
    parts.push('--scenario', shellQuote(id.scenarioFile));
    if (id.pluginOptions !== undefined) parts.push('--plugin-options', shellQuote(JSON.stringify(id.pluginOptions)));
    return parts.join(' ');
  }
  parts.push('--seed', String(id.seed), '--path', shellQuote(id.path));
  if (id.schedulePath !== undefined) parts.push('--schedule-path', shellQuote(id.schedulePath));
  if (!isDefaultKinds(id.faults)) parts.push('--faults', id.faults.length === 0 ? "''" : id.faults.join(','));
  if (id.faultProbability !== undefined) parts.push('--fault-probability', String(id.faultProbability));
  if (id.pluginOptions !== undefined) parts.push('--plugin-options', shellQuote(JSON.stringify(id.pluginOptions)));
  const workload = id.store === undefined ? nonDefaultWorkload(id) : nonDefaultStoreWorkload(id.store.workload);
  if (Object.keys(workload).length > 0) parts.push('--workload', shellQuote(JSON.stringify(workload)));
  return parts.join(' ');
}

/** What a failure report is made from, a log run's outcome or a store run's. */
interface FailingOutcome<V extends { rule: string; message: string }, S> {
  violation?: V;
  epochs: readonly { faultsFired: Partial<Record<FaultKind, number>> }[];
  faultPlan: FaultPlan;
  scenario: S;
  traceHash: string;
  firedFaults?: TimedFault[];
}

/** The fields of a failure report every check fills the same way. */
export function reportFields<V extends { rule: string; message: string }, S>(
  outcome: FailingOutcome<V, S>,
  id: ReplayIdentity,
  shrinks: number,
) {
  const v = outcome.violation;
  if (v === undefined) throw new Error('makeFailureReport needs a failing outcome');
  const faultsFired: Partial<Record<FaultKind, number>> = {};
  for (const e of outcome.epochs)
    for (const [k, n] of Object.entries(e.faultsFired) as [FaultKind, number][]) faultsFired[k] = (faultsFired[k] ?? 0) + n;
  return {
    seed: id.seed,
    faults: [...id.faults],
    rule: v.rule as V['rule'],
    message: v.message,
    replayCommand: replayCommand(id),
    fastCheck: { seed: id.seed, path: id.path },
    faultPlan: outcome.faultPlan,
    counterexample: outcome.scenario,
    violation: v,
    faultsFired,
    faultTimeline: outcome.firedFaults ?? [],
    shrinks,
    traceHash: outcome.traceHash,
    ...(id.pluginUnknown === true ? { replayNote: UNKNOWN_PLUGIN_NOTE } : {}),
  };
}

export function makeFailureReport(outcome: ScenarioOutcome, id: ReplayIdentity, shrinks: number): FailureReport {
  return reportFields(outcome, id, shrinks);
}

/** How an epoch ends, in the report's words. */
export function epochEndText(end: EpochEnd): string {
  if (end.type === 'restart') return 'clean restart';
  if (end.at === undefined) return 'power cut when idle';
  return `power cut ${end.at.when} ${end.at.class} op #${end.at.nth}${end.at.phase === 'recovery' ? ' of the recovery' : ''}`;
}

/** Virtual milliseconds as a report prints them: at most three decimals. */
function msText(t: number): string {
  return `${Number(t.toFixed(3))}ms`;
}

/**
 * The counterexample's timeline: each epoch's line (one per epoch, in order)
 * followed by the faults that fired in that epoch (its open and its clients),
 * each at its operation with its parameters and virtual time; the faults of
 * the last open, after the last epoch, under a line of their own.
 */
export function withFaultTimeline(epochLines: readonly string[], timeline: readonly TimedFault[]): string[] {
  const faultLines = (epoch: number): string[] =>
    timeline.filter((f) => f.epoch === epoch).map((f) => `      fault at ${msText(f.t)}: ${describeScheduledFault(f)}`);
  const lines = epochLines.flatMap((line, i) => [line, ...faultLines(i)]);
  const last = faultLines(epochLines.length);
  if (last.length > 0) lines.push(`    last open (after epoch ${epochLines.length - 1}):`, ...last);
  return lines;
}

function scenarioLines(r: FailureReport): string[] {
  const swarm = r.counterexample.swarm === undefined ? [] : [`    swarm draw: ${describeSwarmDraw(r.counterexample.swarm)}`];
  return [
    ...swarm,
    ...withFaultTimeline(
      r.counterexample.epochs.map((e, i) => {
        const clients = e.clients
          .map(
            (ops, c) =>
              `c${c}[${ops.map((o) => (o.op === 'append' ? `append ${o.size}B` : o.op === 'sync' ? 'sync' : o.op === 'sleep' ? `sleep ${o.ms}ms` : `truncatePrefix back=${o.back}`)).join(', ')}]`,
          )
          .join(' ');
        return `    epoch ${i}: ${clients} -> ${epochEndText(e.end)}`;
      }),
      r.faultTimeline,
    ),
  ];
}

/** The report's lines on a failure shrunk with its fault schedule: the schedule's path, and the faults left in it. */
function scheduleLines(r: Pick<FailureReport, 'schedule' | 'faultPlan'>): string[] {
  if (r.schedule === undefined) return [];
  const left = r.faultPlan.schedule ?? [];
  return [
    `  schedule:      path "${r.schedule.path}" (shrunk ${r.schedule.shrinks} times with the faults fired as a schedule, no probabilities)`,
    `  decisive:      ${left.length === 0 ? 'no fault: the failure needs none (power cuts and restarts only)' : left.map((e) => `${describeScheduledFault(e)} in epoch ${e.epoch}`).join('; ')}`,
  ];
}

const UNKNOWN_PLUGIN_NOTE = `the plugin was built in code, so faultline cannot know its module: put the module that builds it in place of ${UNKNOWN_PLUGIN_PLACEHOLDER} (with --plugin-options if it takes any), or replay from code with replayFailure(plugin, { seed, path })`;

/** The text `faultline check` prints on a violation. */
export function formatFailureReport(r: FailureReport): string {
  return formatReportWith(r, scenarioLines(r));
}

/** The report's text around the counterexample's lines (one per epoch), for a log's report or a store's. */
export function formatReportWith(
  r: Pick<
    FailureReport,
    'message' | 'faults' | 'faultPlan' | 'faultsFired' | 'fastCheck' | 'shrinks' | 'traceHash' | 'replayCommand' | 'replayNote' | 'schedule'
  > & {
    rule: string;
    violation: { epoch: number; expected?: string[]; recovered?: string[]; evidence: Record<string, unknown> };
    counterexample: { simSeed: number };
  },
  counterexample: readonly string[],
): string {
  const v = r.violation;
  const lines = [
    `VIOLATION of rule "${r.rule}" in epoch ${v.epoch}: ${r.message}`,
    // Shrunk with a schedule: the plan that found the failure (the schedule is on the 'decisive' line).
    `  faults:        ${r.faults.join(', ') || 'none'} (plan: ${describeFaultPlan(r.schedule?.foundWith ?? r.faultPlan)})`,
    `  fired in run:  ${
      Object.entries(r.faultsFired)
        .map(([k, n]) => `${k} x${n}`)
        .join(', ') || 'no fault (power cuts and restarts only)'
    }`,
    `  fast-check:    seed ${r.fastCheck.seed}, path "${r.fastCheck.path}" (shrunk ${r.shrinks} times)`,
    ...scheduleLines(r),
    `  sim seed:      ${r.counterexample.simSeed}, trace hash ${r.traceHash}`,
    // A replay (or a first failure fast-check could not shrink) did not shrink: say only what shrinking did.
    `  counterexample${r.shrinks > 0 ? ' (shrunk)' : ''}:`,
    ...counterexample,
  ];
  if (v.expected !== undefined) lines.push(`  expected:      ${v.expected.join(' ') || '(nothing)'}`);
  if (v.recovered !== undefined) lines.push(`  recovered:     ${v.recovered.join(' ') || '(nothing)'}`);
  lines.push(`  evidence:      ${JSON.stringify(v.evidence)}`);
  lines.push(`  replay with:   ${r.replayCommand}`);
  if (r.replayNote !== undefined) lines.push(`  note:          ${r.replayNote}`);
  return lines.join('\n');
}
