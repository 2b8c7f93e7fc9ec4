/**
 * checkWal: property-based crash testing of one plugin. fast-check draws
 * scenarios (scenarioArbitrary), runScenario runs each on the simulator, the
 * first broken rule fails the property and fast-check shrinks the scenario.
 * The report carries the seed and path that replay it (asyncProperty replays
 * exactly from { seed, path }).
 */
import fc from 'fast-check';
import { WalError } from '../errors.js';
import type { ScheduledFault } from '../faults/schedule.js';
import type { FaultPlan } from '../faults/types.js';
import { CONTRACT_FAULT_KINDS, type FaultKind } from '../faults/types.js';
import type { WalPlugin } from '../ports.js';
import { DEFAULT_WORKLOAD, scenarioArbitrary, resolveWorkloadOptions } from '../contract/workload.js';
import { isWalPlugin } from './plugin-module.js';
import { pluginOriginOf } from './plugin-origin.js';
import { loadSavedFailures, saveFailure, savedFailureOf, type SavedFailure } from './failure-db.js';
import { makeFailureReport, type ReplayIdentity } from './report.js';
import { parseFaultKinds, runScenario } from './run.js';
import { logScheduledRunArbitrary, scheduledRunOf, type ScheduledRun } from './schedule-shrink.js';
import type { CheckOptions, CheckResult, CheckSummary, FailureReport, RunScenarioOptions, ScenarioOutcome } from './types.js';
import type { Scenario, WorkloadOptions } from '../contract/types.js';

export const DEFAULT_RUNS = 100;
export const DEFAULT_SHRINK_TIME_LIMIT_MS = 60_000;
export const DEFAULT_MAX_SHRINK_RUNS = 2_000;

/** Thrown inside the property when a run breaks a rule; carries the outcome. */
export class ViolationFound extends Error {
  constructor(readonly outcome: ScenarioOutcome) {
    super(`${outcome.violation?.rule}: ${outcome.violation?.message}`);
    this.name = 'ViolationFound';
  }
}

/** The workload knobs among the options (every knob the generator has, so a new one is never dropped from a replay). */
function workloadOf(o: WorkloadOptions): WorkloadOptions {
  const w: Record<string, unknown> = {};
  for (const k of Object.keys(DEFAULT_WORKLOAD) as (keyof WorkloadOptions)[]) {
    if (o[k] !== undefined) w[k] = o[k];
  }
  return w as WorkloadOptions;
}

/** The bounds a check gives every run (a log's and a store's): the liveness bound and the step limit, where given. */
export function runBoundsOf(o: { livenessMs?: number; maxSteps?: number }): { livenessMs?: number; maxSteps?: number } {
  return {
    ...(o.livenessMs === undefined ? {} : { livenessMs: o.livenessMs }),
    ...(o.maxSteps === undefined ? {} : { maxSteps: o.maxSteps }),
  };
}

/** The run options a check (or its replay) gives every scenario. */
export function runOptionsFor(
  o: Omit<CheckOptions, 'runs' | 'onProgress'>,
  kinds: readonly FaultKind[],
  seed: number,
  scenario: Scenario,
): RunScenarioOptions {
  const r: RunScenarioOptions = { ...workloadOf(o), seed, scenario, faults: kinds, ...runBoundsOf(o) };
  if (o.faultProbability !== undefined) r.faultProbability = o.faultProbability;
  return r;
}

export function replayIdentity(
  o: Omit<CheckOptions, 'runs' | 'onProgress'> & { pluginUnknown?: boolean },
  kinds: readonly FaultKind[],
  seed: number,
  path: string,
): ReplayIdentity {
  const id: ReplayIdentity = { ...workloadOf(o), seed, path, faults: kinds };
  if (o.faultProbability !== undefined) id.faultProbability = o.faultProbability;
  if (o.pluginModule !== undefined) id.pluginModule = o.pluginModule;
  if (o.pluginOptions !== undefined) id.pluginOptions = o.pluginOptions;
  if (o.pluginUnknown === true) id.pluginUnknown = true;
  return id;
}

/**
 * The options a replay command needs to name the plugin: the module (and its
 * options) given, else the ones the plugin was loaded with (loadPluginModule,
 * builtinPlugin), else the plugin was built in code and no command can name it.
 */
export function withOrigin<O extends { pluginModule?: string; pluginOptions?: unknown }>(
  plugin: object,
  o: O,
): O & { pluginUnknown?: boolean } {
  if (o.pluginModule !== undefined) return o;
  const origin = pluginOriginOf(plugin);
  if (origin === undefined) return { ...o, pluginUnknown: true };
  const named: O = origin.kind === 'module' ? { ...o, pluginModule: origin.module } : { ...o };
  if (named.pluginOptions === undefined && origin.options !== undefined) named.pluginOptions = origin.options;
  return named;
}

/** How a saved failure runs again: its own scenario, fault kinds, fault plan and workload; this check's bounds. */
export function savedRunOptions(o: CheckOptions, entry: SavedFailure): RunScenarioOptions {
  const r: RunScenarioOptions = {
    ...(entry.workload ?? {}),
    seed: entry.found.seed,
    scenario: entry.scenario,
    faults: entry.faults,
    faultPlan: entry.faultPlan,
    ...runBoundsOf(o),
  };
  return r;
}

function newSummary(seed: number): CheckSummary {
  return {
    seed,
    runs: 0,
    epochs: 0,
    crashes: 0,
    appends: 0,
    acknowledged: 0,
    recovered: 0,
    recoveries: 0,
    cutsAtStake: 0,
    faultsFired: {},
    wallMs: 0,
    stoppedBy: 'runs',
  };
}

/** What a log check's and a store check's summaries both count of a run: its epochs, power cuts, cuts at stake, faults and recoveries. */
export interface RunCounts {
  runs: number;
  epochs: number;
  crashes: number;
  cutsAtStake: number;
  recoveries: number;
  faultsFired: Partial<Record<FaultKind, number>>;
}

/** Adds one run's common counts to a summary; `epoch` adds what only that kind of check counts. */
export function addRunCounts<E extends { end: string; atStake?: number; faultsFired: Partial<Record<FaultKind, number>> }>(
  s: RunCounts,
  o: { epochs: readonly E[]; history: readonly { kind: string; outcome: string }[] },
  epoch: (e: E) => void,
): void {
  s.runs++;
  for (const e of o.epochs) {
    s.epochs++;
    if (e.end === 'crash' || e.end === 'crash-in-recovery') s.crashes++;
    if (e.end === 'crash' && (e.atStake ?? 0) > 0) s.cutsAtStake++;
    for (const [k, n] of Object.entries(e.faultsFired) as [FaultKind, number][]) s.faultsFired[k] = (s.faultsFired[k] ?? 0) + n;
    epoch(e);
  }
  for (const c of o.history) if (c.kind === 'open' && c.outcome === 'resolved') s.recoveries++;
}

function addToSummary(s: CheckSummary, o: ScenarioOutcome): void {
  addRunCounts(s, o, (e) => {
    s.appends += e.appends;
    s.acknowledged += e.acknowledged;
    s.recovered += e.recoveredNext ?? 0;
  });
}

function floorOption(name: string, value: number | undefined, fallback: number): number {
  const n = value ?? fallback;
  if (!Number.isSafeInteger(n) || n < 0) throw new WalError('EINVAL', `${name} must be a non-negative integer, got ${String(value)}`);
  return n;
}

/** The floors a passing check did not meet (a vacuous pass), in words; empty when the runs meant something. */
export function unmetFloors(s: CheckSummary, floors: { acknowledged: number; cutsAtStake: number }): string[] {
  const out: string[] = [];
  if (s.acknowledged < floors.acknowledged) {
    out.push(
      `${s.acknowledged} acknowledged record(s) over ${s.runs} run(s), below the floor of ${floors.acknowledged}: did every append reject, or does the plugin's open return a log that never acknowledges?`,
    );
  }
  if (s.cutsAtStake < floors.cutsAtStake) {
    out.push(
      `${s.cutsAtStake} power cut(s) with acknowledged records at stake over ${s.runs} run(s), below the floor of ${floors.cutsAtStake}: durability was never put to the test`,
    );
  }
  return out;
}

/**
 * FAULTLINE_RUNS, FAULTLINE_SEED and FAULTLINE_PATH, as fast-check's global
 * settings are: each is used when the option is not given, so a CI job can
 * raise the budget, and a failure can be rerun (seed and path from its
 * report) without editing the test. A malformed value is WalError EINVAL.
 */
export function checkEnvironment(env: NodeJS.ProcessEnv): { runs?: number; seed?: number; path?: string } {
  const out: { runs?: number; seed?: number; path?: string } = {};
  const int = (name: string, min: number, max: number): number | undefined => {
    const text = env[name];
    if (text === undefined || text === '') return undefined;
    const n = Number(text);
    if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min || n > max)
      throw new WalError('EINVAL', `${name} must be an integer in ${min}..${max}, got '${text}'`);
    return n;
  };
  const runs = int('FAULTLINE_RUNS', 1, 100_000_000);
  const seed = int('FAULTLINE_SEED', -0x80000000, 0x7fffffff);
  const path = env['FAULTLINE_PATH'];
  if (runs !== undefined) out.runs = runs;
  if (seed !== undefined) out.seed = seed;
  if (path !== undefined && path !== '') {
    if (!/^\d+(:\d+)*$/.test(path)) throw new WalError('EINVAL', `FAULTLINE_PATH must be numbers joined by ':', got '${path}'`);
    out.path = path;
  }
  return out;
}

export function aborted(): WalError {
  return new WalError('EABORTED', 'the check was aborted by its signal before it finished: no verdict');
}

/** The options every check resolves the same way (a log's and a store's): the environment, the run bound, the seed. */
export interface CheckBasics {
  runs?: number;
  seed?: number;
  timeLimitMs?: number;
  signal?: AbortSignal;
}

/**
 * Applies FAULTLINE_RUNS/SEED/PATH to the options not given; returns them
 * and the fast-check path to replay when FAULTLINE_PATH names one.
 */
export function resolveCheckBasics<O extends CheckBasics>(given: O): { options: O; replayPath?: string } {
  const env = checkEnvironment(process.env);
  const options: O = { ...given };
  if (options.runs === undefined && env.runs !== undefined) options.runs = env.runs;
  if (options.seed === undefined && env.seed !== undefined) options.seed = env.seed;
  // A path names a scenario of one seed: it applies only with the seed it came from (FAULTLINE_SEED).
  const replayPath = env.path !== undefined && given.seed === undefined && env.seed !== undefined ? env.path : undefined;
  if (env.path !== undefined && replayPath === undefined)
    throw new WalError('EINVAL', 'FAULTLINE_PATH needs FAULTLINE_SEED (the seed of the report it came from), and no seed option');
  if (options.signal?.aborted === true) throw aborted();
  return replayPath === undefined ? { options } : { options, replayPath };
}

/** The run bound and seed of a check, validated (the seed drawn from the host's time when not given). */
export function checkBounds(options: CheckBasics): { runs: number; seed: number } {
  const runs = options.runs ?? DEFAULT_RUNS;
  if (!Number.isSafeInteger(runs) || runs < 1) throw new WalError('EINVAL', `runs must be a positive integer, got ${String(runs)}`);
  if (options.timeLimitMs !== undefined && !(options.timeLimitMs > 0)) throw new WalError('EINVAL', 'timeLimitMs must be positive');
  const seed = options.seed ?? (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) >>> 1;
  // fast-check keeps 32 bits of the seed: anything wider would run a different seed than the report prints.
  if (!Number.isSafeInteger(seed) || (seed | 0) !== seed)
    throw new WalError('EINVAL', `seed must be a 32-bit integer, got ${String(seed)}`);
  return { runs, seed };
}

/** The check's floors against a vacuous pass, validated. */
export function checkFloors(
  o: { minAcknowledged?: number; minCutsAtStake?: number },
  kinds: readonly FaultKind[],
): { acknowledged: number; cutsAtStake: number } {
  return {
    acknowledged: floorOption('minAcknowledged', o.minAcknowledged, 1),
    cutsAtStake: floorOption('minCutsAtStake', o.minCutsAtStake, kinds.includes('crash') ? 1 : 0),
  };
}

export interface PropertyRunSpec<S, O extends { ok: boolean }> {
  arbitrary: fc.Arbitrary<S>;
  runs: number;
  seed: number;
  replayPath?: string;
  timeLimitMs?: number;
  shrinkTimeLimitMs?: number;
  maxShrinkRuns?: number;
  signal?: AbortSignal;
  run(scenario: S): Promise<O>;
  /** Called for each run before the first failure (the summary's counts, progress). */
  counted(outcome: O): void;
}

/** The spec with the check's limits (time, shrinking, abort signal) and its replay path, where given. */
export function withRunLimits<S, O extends { ok: boolean }>(
  spec: PropertyRunSpec<S, O>,
  options: { timeLimitMs?: number; shrinkTimeLimitMs?: number; maxShrinkRuns?: number; signal?: AbortSignal },
  replayPath: string | undefined,
): PropertyRunSpec<S, O> {
  if (replayPath !== undefined) spec.replayPath = replayPath;
  if (options.timeLimitMs !== undefined) spec.timeLimitMs = options.timeLimitMs;
  if (options.shrinkTimeLimitMs !== undefined) spec.shrinkTimeLimitMs = options.shrinkTimeLimitMs;
  if (options.maxShrinkRuns !== undefined) spec.maxShrinkRuns = options.maxShrinkRuns;
  if (options.signal !== undefined) spec.signal = options.signal;
  return spec;
}

export type PropertyRunResult<O> = { failed: false; interrupted: boolean } | { failed: true; outcome: O; path: string; shrinks: number };

/**
 * The property every check runs: fast-check draws scenarios, each runs, the
 * first that breaks a rule fails the property, and fast-check shrinks it
 * within the shrink budget. Aborted by the signal: WalError EABORTED.
 */
export async function runPropertyCheck<S, O extends { ok: boolean }>(spec: PropertyRunSpec<S, O>): Promise<PropertyRunResult<O>> {
  const isAborted = (): boolean => spec.signal?.aborted === true;
  let failedOnce = false;
  let shrinks = 0;
  let shrinkRuns = 0;
  let shrinkStarted = 0;
  const shrinkTimeLimitMs = spec.shrinkTimeLimitMs ?? DEFAULT_SHRINK_TIME_LIMIT_MS;
  const maxShrinkRuns = spec.maxShrinkRuns ?? DEFAULT_MAX_SHRINK_RUNS;
  const property = fc.asyncProperty(spec.arbitrary, async (scenario) => {
    // Aborted: every remaining run and shrink candidate passes at once, and the result is thrown away below.
    if (isAborted()) return;
    if (failedOnce) {
      // Shrinking is bounded: past the budget every candidate counts as passing without running, so the
      // smallest failure found so far stays the counterexample (and its path still replays it exactly).
      if (++shrinkRuns > maxShrinkRuns || Date.now() - shrinkStarted > shrinkTimeLimitMs) return;
    }
    const outcome = await spec.run(scenario);
    if (!failedOnce) spec.counted(outcome);
    if (!outcome.ok) {
      if (failedOnce) shrinks++;
      else shrinkStarted = Date.now();
      failedOnce = true;
      throw new ViolationFound(outcome as unknown as ScenarioOutcome);
    }
  });
  const params: fc.Parameters<[S]> = { numRuns: spec.runs, seed: spec.seed };
  if (spec.timeLimitMs !== undefined) {
    params.interruptAfterTimeLimit = spec.timeLimitMs;
    params.markInterruptAsFailure = false;
  }
  if (spec.replayPath !== undefined) {
    params.path = spec.replayPath;
    params.endOnFailure = true;
  }
  const result = await fc.check(property, params);
  if (isAborted()) throw aborted();
  if (!result.failed) return { failed: false, interrupted: result.interrupted };
  const err = result.errorInstance;
  if (!(err instanceof ViolationFound)) throw err instanceof Error ? err : new WalError('ESIM', `check failed: ${String(err)}`);
  return { failed: true, outcome: err.outcome as unknown as O, path: result.counterexamplePath ?? '', shrinks };
}

/** The run options of a scheduled run: its scenario, and its schedule as the whole fault plan (no probabilities). */
export function scheduledRunOptions(base: RunScenarioOptions, run: ScheduledRun<Scenario>): RunScenarioOptions {
  return { ...base, scenario: run.scenario, faultPlan: scheduledPlan(run.schedule) };
}

/** The fault plan of a scheduled run: the schedule, no probabilistic faults. */
export function scheduledPlan(schedule: ScheduledFault[]): FaultPlan {
  return { version: 1, faults: [], schedule };
}

/**
 * The second shrink of a failure: the faults its run fired become a schedule,
 * and fast-check shrinks scenario and schedule together with the probabilistic
 * plan off (ScheduledRunArbitrary), within a shrink budget of its own (the
 * same limits as the first). Undefined when no fault fired (nothing to
 * schedule) or when the scheduled run does not fail (a plugin that is not
 * deterministic): the first shrink's failure stands then.
 */
export async function shrinkWithSchedule<S, O extends { ok: boolean }>(
  failing: { scenario: S; firedFaults?: readonly ScheduledFault[] },
  arbitraryOf: (start: ScheduledRun<S>) => fc.Arbitrary<ScheduledRun<S>>,
  run: (r: ScheduledRun<S>) => Promise<O>,
  seed: number,
  limits: { shrinkTimeLimitMs?: number; maxShrinkRuns?: number; signal?: AbortSignal },
): Promise<{ outcome: O; path: string; shrinks: number } | undefined> {
  const start = scheduledRunOf(failing);
  if (start === undefined) return undefined;
  const spec: PropertyRunSpec<ScheduledRun<S>, O> = {
    arbitrary: arbitraryOf(start),
    runs: 1,
    seed,
    run,
    counted: () => undefined,
  };
  const { shrinkTimeLimitMs, maxShrinkRuns, signal } = limits;
  const result = await runPropertyCheck(
    withRunLimits(
      spec,
      {
        ...(shrinkTimeLimitMs === undefined ? {} : { shrinkTimeLimitMs }),
        ...(maxShrinkRuns === undefined ? {} : { maxShrinkRuns }),
        ...(signal === undefined ? {} : { signal }),
      },
      undefined,
    ),
  );
  return result.failed ? result : undefined;
}

export async function checkWal(plugin: WalPlugin, given: CheckOptions = {}): Promise<CheckResult> {
  if (!isWalPlugin(plugin)) throw new WalError('EPLUGIN', 'checkWal needs a WalPlugin { name, durableAppend, open(env) }');
  const { options, replayPath } = resolveCheckBasics(given);
  const signal = options.signal;
  const isAborted = (): boolean => signal?.aborted === true;
  const kinds = parseFaultKinds(options.faults ?? CONTRACT_FAULT_KINDS);
  resolveWorkloadOptions(options);
  const { runs, seed } = checkBounds(options);
  const floors = checkFloors(options, kinds);

  const started = Date.now();
  const summary = newSummary(seed);
  // The failure database first: a saved failure that still fails is reported at once, before random search.
  const saved = options.failureDir === undefined ? [] : await loadSavedFailures(options.failureDir, plugin.name);
  for (const { file, entry } of saved) {
    if (isAborted()) throw aborted();
    const outcome = await runScenario(plugin, savedRunOptions(options, entry));
    if (outcome.ok) continue;
    summary.wallMs = Date.now() - started;
    summary.stoppedBy = 'violation';
    const id = replayIdentity(withOrigin(plugin, options), entry.faults, entry.found.seed, entry.found.path);
    id.scenarioFile = file;
    if (entry.faultProbability !== undefined) id.faultProbability = entry.faultProbability;
    return { ok: false, runs: 0, failure: makeFailureReport(outcome, id, 0), summary, savedReplayed: saved.length };
  }
  const spec: PropertyRunSpec<Scenario, ScenarioOutcome> = {
    arbitrary: scenarioArbitrary(options),
    runs,
    seed,
    run: (scenario) => runScenario(plugin, runOptionsFor(options, kinds, seed, scenario)),
    counted: (outcome) => {
      addToSummary(summary, outcome);
      options.onProgress?.({ runs: summary.runs, elapsedMs: Date.now() - started });
    },
  };
  const result = await runPropertyCheck(withRunLimits(spec, options, replayPath));
  summary.wallMs = Date.now() - started;
  if (!result.failed) {
    summary.stoppedBy = result.interrupted ? 'time-limit' : 'runs';
    const unmet = unmetFloors(summary, floors);
    const passed: CheckResult = { ok: true, runs: summary.runs, summary };
    if (options.failureDir !== undefined) passed.savedReplayed = saved.length;
    if (unmet.length > 0) passed.vacuous = unmet;
    return passed;
  }
  summary.stoppedBy = 'violation';
  const named = withOrigin(plugin, options);
  const id = replayIdentity(named, kinds, seed, result.path);
  const base = runOptionsFor(options, kinds, seed, result.outcome.scenario);
  const scheduled = await shrinkWithSchedule(
    result.outcome,
    logScheduledRunArbitrary,
    (r) => runScenario(plugin, scheduledRunOptions(base, r)),
    seed,
    options,
  );
  let failure: FailureReport;
  if (scheduled === undefined) failure = makeFailureReport(result.outcome, id, result.shrinks);
  else {
    id.schedulePath = scheduled.path;
    failure = makeFailureReport(scheduled.outcome, id, result.shrinks);
    failure.schedule = { path: scheduled.path, shrinks: scheduled.shrinks, foundWith: result.outcome.faultPlan };
  }
  const failed: CheckResult = { ok: false, runs: summary.runs, failure, summary };
  if (options.failureDir !== undefined) {
    failed.savedReplayed = saved.length;
    const entry = savedFailureOf(plugin.name, failure, { ...named, workload: workloadOf(options) });
    failed.savedTo = await saveFailure(options.failureDir, entry);
  }
  return failed;
}
