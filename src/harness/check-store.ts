/**
 * checkStore: property-based crash testing of a transactional store (plugin
 * contract §5), with the machinery of checkWal (check.ts): the environment
 * (FAULTLINE_RUNS/SEED/PATH), the failure database replayed first, fast-check
 * drawing store scenarios and shrinking a failure within its budget, the
 * vacuous-pass floors, and a report whose command replays the failure
 * (`faultline replay --store`). replayStoreFailure reruns one with the trace
 * kept, for the HTML report.
 */
import { WalError } from '../errors.js';
import { CONTRACT_FAULT_KINDS, type FaultKind } from '../faults/types.js';
import type { StorePlugin } from '../ports.js';
import { resolveStoreWorkload, storeScenarioArbitrary, storeWorkloadOf } from '../contract/store-workload.js';
import type { StoreClientOp, StoreScenario, TxnStep } from '../contract/store-types.js';
import {
  aborted,
  addRunCounts,
  checkFloors,
  runBoundsOf,
  checkBounds,
  replayIdentity,
  resolveCheckBasics,
  runPropertyCheck,
  scheduledPlan,
  shrinkWithSchedule,
  withRunLimits,
  withOrigin,
  type PropertyRunSpec,
} from './check.js';
import { loadSavedStoreFailures, readSavedStoreFailure, saveFailure, savedFieldsOf, type SavedStoreFailure } from './failure-db.js';
import { epochEndText, formatReportWith, reportFields, withFaultTimeline, type ReplayIdentity } from './report.js';
import { parseFaultKinds } from './run.js';
import { generatedAt } from './replay.js';
import { runStoreScenario } from './run-store.js';
import { isStorePlugin } from './plugin-module.js';
import { scheduledRunOf, storeScheduledRunArbitrary, type ScheduledRun } from './schedule-shrink.js';
import type {
  StoreCheckOptions,
  StoreCheckResult,
  StoreCheckSummary,
  StoreFailureReport,
  StoreReplayOptions,
  StoreReplayResult,
  StoreRunOptions,
  StoreScenarioOutcome,
} from './store-check-types.js';

/** The run options a store check (or its replay) gives every scenario. */
export function storeRunOptionsFor(
  o: Omit<StoreCheckOptions, 'runs' | 'onProgress'>,
  kinds: readonly FaultKind[],
  seed: number,
  scenario: StoreScenario,
): StoreRunOptions {
  const r: StoreRunOptions = { ...storeWorkloadOf(o), seed, scenario, faults: kinds, ...runBoundsOf(o) };
  if (o.faultProbability !== undefined) r.faultProbability = o.faultProbability;
  return r;
}

/** The run options of a scheduled store run: its scenario, and its schedule as the whole fault plan (no probabilities). */
function scheduledStoreRunOptions(base: StoreRunOptions, run: ScheduledRun<StoreScenario>): StoreRunOptions {
  return { ...base, scenario: run.scenario, faultPlan: scheduledPlan(run.schedule) };
}

/** The replay identity of a store failure: the log's, marked as a store's, with the store's workload knobs. */
export function storeReplayIdentity(
  o: Omit<StoreCheckOptions, 'runs' | 'onProgress'> & { pluginUnknown?: boolean },
  kinds: readonly FaultKind[],
  seed: number,
  path: string,
): ReplayIdentity {
  const { pluginModule, pluginOptions, faultProbability, pluginUnknown } = o;
  const id = replayIdentity(
    {
      ...(pluginModule === undefined ? {} : { pluginModule }),
      ...(pluginOptions === undefined ? {} : { pluginOptions }),
      ...(faultProbability === undefined ? {} : { faultProbability }),
      ...(pluginUnknown === undefined ? {} : { pluginUnknown }),
    },
    kinds,
    seed,
    path,
  );
  id.store = { workload: storeWorkloadOf(o) };
  return id;
}

export function makeStoreFailureReport(outcome: StoreScenarioOutcome, id: ReplayIdentity, shrinks: number): StoreFailureReport {
  return { subject: 'store', ...reportFields(outcome, id, shrinks) };
}

function stepText(s: TxnStep): string {
  if (s.op === 'sleep') return `sleep ${s.ms}ms`;
  if (s.op === 'put') return `put k${s.key} ${s.size}B`;
  return `${s.op} k${s.key}`;
}

function opText(o: StoreClientOp): string {
  if (o.op === 'txn') return `txn(${o.steps.map(stepText).join(', ')}${o.abort === true ? ', abort' : ''})`;
  if (o.op === 'sleep') return `sleep ${o.ms}ms`;
  return o.op;
}

/** The text `faultline check --store` prints on a violation. */
export function formatStoreFailureReport(r: StoreFailureReport): string {
  const lines = r.counterexample.epochs.map(
    (e, i) => `    epoch ${i}: ${e.clients.map((ops, c) => `c${c}[${ops.map(opText).join(', ')}]`).join(' ')} -> ${epochEndText(e.end)}`,
  );
  return formatReportWith(r, withFaultTimeline(lines, r.faultTimeline));
}

function newStoreSummary(seed: number): StoreCheckSummary {
  return {
    seed,
    runs: 0,
    epochs: 0,
    crashes: 0,
    transactions: 0,
    committed: 0,
    acknowledged: 0,
    aborted: 0,
    applied: 0,
    recoveries: 0,
    cutsAtStake: 0,
    faultsFired: {},
    wallMs: 0,
    stoppedBy: 'runs',
  };
}

function addToStoreSummary(s: StoreCheckSummary, o: StoreScenarioOutcome): void {
  addRunCounts(s, o, (e) => {
    s.transactions += e.transactions;
    s.committed += e.committed;
    s.acknowledged += e.acknowledged;
    s.aborted += e.aborted;
    s.applied += e.appliedNext ?? 0;
  });
}

/** The floors a passing store check did not meet (a vacuous pass), in words. */
export function unmetStoreFloors(s: StoreCheckSummary, floors: { acknowledged: number; cutsAtStake: number }): string[] {
  const out: string[] = [];
  if (s.acknowledged < floors.acknowledged)
    out.push(
      `${s.acknowledged} acknowledged transaction(s) over ${s.runs} run(s), below the floor of ${floors.acknowledged}: did every transaction reject, or does the store never acknowledge?`,
    );
  if (s.cutsAtStake < floors.cutsAtStake)
    out.push(
      `${s.cutsAtStake} power cut(s) with acknowledged transactions at stake over ${s.runs} run(s), below the floor of ${floors.cutsAtStake}: durability was never put to the test`,
    );
  return out;
}

/** How a saved store failure runs again: its own scenario, fault kinds, plan and workload; this check's bounds. */
function savedStoreRunOptions(o: StoreCheckOptions, entry: SavedStoreFailure): StoreRunOptions {
  const r: StoreRunOptions = {
    ...(entry.workload ?? {}),
    seed: entry.found.seed,
    scenario: entry.scenario,
    faults: entry.faults,
    faultPlan: entry.faultPlan,
    ...runBoundsOf(o),
  };
  return r;
}

function savedStoreFailureOf(plugin: string, report: StoreFailureReport, id: StoreCheckOptions): SavedStoreFailure {
  const entry: SavedStoreFailure = { ...savedFieldsOf(plugin, report, id), subject: 'store' };
  const workload = storeWorkloadOf(id);
  if (Object.keys(workload).length > 0) entry.workload = workload;
  return entry;
}

export async function checkStore(plugin: StorePlugin, given: StoreCheckOptions = {}): Promise<StoreCheckResult> {
  if (!isStorePlugin(plugin)) throw new WalError('EPLUGIN', 'checkStore needs a StorePlugin { name, durableCommit, openStore(env) }');
  const { options, replayPath } = resolveCheckBasics(given);
  const signal = options.signal;
  const kinds = parseFaultKinds(options.faults ?? CONTRACT_FAULT_KINDS);
  resolveStoreWorkload(options);
  const { runs, seed } = checkBounds(options);
  const floors = checkFloors(options, kinds);

  const started = Date.now();
  const summary = newStoreSummary(seed);
  const named = withOrigin(plugin, options);
  const saved = options.failureDir === undefined ? [] : await loadSavedStoreFailures(options.failureDir, plugin.name);
  for (const { file, entry } of saved) {
    if (signal?.aborted === true) throw aborted();
    const outcome = await runStoreScenario(plugin, savedStoreRunOptions(options, entry));
    if (outcome.ok) continue;
    summary.wallMs = Date.now() - started;
    summary.stoppedBy = 'violation';
    const id = storeReplayIdentity(
      { ...named, ...(entry.faultProbability === undefined ? {} : { faultProbability: entry.faultProbability }) },
      entry.faults,
      entry.found.seed,
      entry.found.path,
    );
    id.scenarioFile = file;
    return { ok: false, runs: 0, failure: makeStoreFailureReport(outcome, id, 0), summary, savedReplayed: saved.length };
  }
  const spec: PropertyRunSpec<StoreScenario, StoreScenarioOutcome> = {
    arbitrary: storeScenarioArbitrary(options),
    runs,
    seed,
    run: (scenario) => runStoreScenario(plugin, storeRunOptionsFor(options, kinds, seed, scenario)),
    counted: (outcome) => {
      addToStoreSummary(summary, outcome);
      options.onProgress?.({ runs: summary.runs, elapsedMs: Date.now() - started });
    },
  };
  const result = await runPropertyCheck(withRunLimits(spec, options, replayPath));
  summary.wallMs = Date.now() - started;
  if (!result.failed) {
    summary.stoppedBy = result.interrupted ? 'time-limit' : 'runs';
    const passed: StoreCheckResult = { ok: true, runs: summary.runs, summary };
    if (options.failureDir !== undefined) passed.savedReplayed = saved.length;
    const unmet = unmetStoreFloors(summary, floors);
    if (unmet.length > 0) passed.vacuous = unmet;
    return passed;
  }
  summary.stoppedBy = 'violation';
  // The second shrink, with the faults fired as a schedule (check.ts: shrinkWithSchedule), as a log check has it.
  const id = storeReplayIdentity(named, kinds, seed, result.path);
  const base = storeRunOptionsFor(options, kinds, seed, result.outcome.scenario);
  const scheduled = await shrinkWithSchedule(
    result.outcome,
    storeScheduledRunArbitrary,
    (r) => runStoreScenario(plugin, scheduledStoreRunOptions(base, r)),
    seed,
    options,
  );
  let failure: StoreFailureReport;
  if (scheduled === undefined) failure = makeStoreFailureReport(result.outcome, id, result.shrinks);
  else {
    id.schedulePath = scheduled.path;
    failure = makeStoreFailureReport(scheduled.outcome, id, result.shrinks);
    failure.schedule = { path: scheduled.path, shrinks: scheduled.shrinks, foundWith: result.outcome.faultPlan };
  }
  const failed: StoreCheckResult = { ok: false, runs: summary.runs, failure, summary };
  if (options.failureDir !== undefined) {
    failed.savedReplayed = saved.length;
    failed.savedTo = await saveFailure(options.failureDir, savedStoreFailureOf(plugin.name, failure, named));
  }
  return failed;
}

/** The store scenario fast-check generates at { seed, path }. */
export function storeScenarioAt(options: StoreReplayOptions): Promise<StoreScenario> {
  return generatedAt(storeScenarioArbitrary(options), options, 'store scenario');
}

/** Replays a store report's failure; with `schedulePath`, the one shrunk with its fault schedule (as replayFailure does). */
export async function replayStoreFailure(plugin: StorePlugin, options: StoreReplayOptions): Promise<StoreReplayResult> {
  const kinds = parseFaultKinds(options.faults ?? CONTRACT_FAULT_KINDS);
  const scenario = await storeScenarioAt(options);
  const base = storeRunOptionsFor(options, kinds, options.seed, scenario);
  const id = storeReplayIdentity(options, kinds, options.seed, options.path);
  if (options.schedulePath === undefined) {
    const outcome = await runStoreScenario(plugin, { ...base, keepTrace: true });
    if (outcome.ok) return { outcome };
    return { outcome, failure: makeStoreFailureReport(outcome, id, 0) };
  }
  const found = await runStoreScenario(plugin, base);
  const start = found.ok ? undefined : scheduledRunOf(found);
  if (start === undefined)
    throw new WalError(
      'EINVAL',
      `seed ${options.seed} path ${options.path} ${found.ok ? 'breaks no rule' : 'fails with no fault fired'} here, so it records no fault schedule for --schedule-path to shrink: the module or options differ from the check's`,
    );
  const run = await generatedAt(
    storeScheduledRunArbitrary(start),
    { seed: options.seed, path: options.schedulePath },
    'shrunk fault schedule',
  );
  const outcome = await runStoreScenario(plugin, { ...scheduledStoreRunOptions(base, run), keepTrace: true });
  if (outcome.ok) return { outcome };
  id.schedulePath = options.schedulePath;
  const failure = makeStoreFailureReport(outcome, id, 0);
  failure.schedule = { path: options.schedulePath, shrinks: 0, foundWith: found.faultPlan };
  return { outcome, failure };
}

/** Replays one saved store failure (`faultline replay --store --scenario FILE`). */
export async function replaySavedStoreFailure(
  plugin: StorePlugin,
  file: string,
  options: { pluginModule?: string; pluginOptions?: unknown } = {},
): Promise<StoreReplayResult> {
  const entry = await readSavedStoreFailure(file);
  const outcome = await runStoreScenario(plugin, { ...savedStoreRunOptions({}, entry), keepTrace: true });
  if (outcome.ok) return { outcome };
  const id = storeReplayIdentity(
    { ...options, ...(entry.faultProbability === undefined ? {} : { faultProbability: entry.faultProbability }) },
    entry.faults,
    entry.found.seed,
    entry.found.path,
  );
  id.scenarioFile = file;
  return { outcome, failure: makeStoreFailureReport(outcome, id, 0) };
}
