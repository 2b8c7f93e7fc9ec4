/**
 * Replay: rerun one failure exactly. fast-check regenerates the shrunk
 * scenario from { seed, path } (endOnFailure: no new shrinking), then the
 * scenario runs again with the simulator trace kept.
 */
import fc from 'fast-check';
import { WalError } from '../errors.js';
import { CONTRACT_FAULT_KINDS } from '../faults/types.js';
import type { WalPlugin } from '../ports.js';
import { scenarioArbitrary } from '../contract/workload.js';
import { replayIdentity, runOptionsFor, savedRunOptions, scheduledRunOptions } from './check.js';
import { logScheduledRunArbitrary, scheduledRunOf } from './schedule-shrink.js';
import { readSavedFailure } from './failure-db.js';
import { makeFailureReport } from './report.js';
import { parseFaultKinds, runScenario } from './run.js';
import type { ReplayOptions, ReplayResult } from './types.js';
import type { Scenario } from '../contract/types.js';

/** The scenario fast-check generates at { seed, path }. */
export function scenarioAt(options: ReplayOptions): Promise<Scenario> {
  return generatedAt(scenarioArbitrary(options), options, 'scenario');
}

/** What `arbitrary` generates at { seed, path } (a log's scenario, a store's); WalError EINVAL when the path names none. */
export async function generatedAt<S>(arbitrary: fc.Arbitrary<S>, options: { seed: number; path: string }, what: string): Promise<S> {
  if (!/^\d+(:\d+)*$/.test(options.path)) throw new WalError('EINVAL', `a fast-check path is numbers joined by ':', got "${options.path}"`);
  let found: S | undefined;
  let result: fc.RunDetails<[S]>;
  try {
    result = await fc.check(
      fc.asyncProperty(arbitrary, (s) => {
        found = s;
        return Promise.resolve(false);
      }),
      { seed: options.seed, path: options.path, endOnFailure: true },
    );
  } catch (err) {
    // fast-check refuses a path its generator cannot walk: the seed, path,
    // fault kinds or workload options differ from the run that printed it, or
    // the report came from another faultline version.
    throw new WalError(
      'EINVAL',
      `cannot replay seed ${options.seed} path ${options.path}: it does not name a ${what} of this faultline version with these options (${err instanceof Error ? err.message : String(err)})`,
      { cause: err },
    );
  }
  const s = result.counterexample?.[0] ?? found;
  if (s === undefined) throw new WalError('EINVAL', `no ${what} at seed ${options.seed} path ${options.path}`);
  return s;
}

/**
 * Replays a report's failure: the scenario at { seed, path } with the
 * probabilistic plan; with `schedulePath`, that run's faults as a schedule,
 * shrunk along the schedule path (no new shrinking), then run without
 * probabilities: the report's shrunk failure, bit for bit.
 */
export async function replayFailure(plugin: WalPlugin, options: ReplayOptions): Promise<ReplayResult> {
  const kinds = parseFaultKinds(options.faults ?? CONTRACT_FAULT_KINDS);
  const scenario = await scenarioAt(options);
  const base = runOptionsFor(options, kinds, options.seed, scenario);
  const id = replayIdentity(options, kinds, options.seed, options.path);
  if (options.schedulePath === undefined) {
    const outcome = await runScenario(plugin, { ...base, keepTrace: true });
    if (outcome.ok) return { outcome };
    return { outcome, failure: makeFailureReport(outcome, id, 0) };
  }
  const found = await runScenario(plugin, base);
  const start = found.ok ? undefined : scheduledRunOf(found);
  if (start === undefined)
    throw new WalError(
      'EINVAL',
      `seed ${options.seed} path ${options.path} ${found.ok ? 'breaks no rule' : 'fails with no fault fired'} here, so it records no fault schedule for --schedule-path to shrink: the module or options differ from the check's`,
    );
  const run = await generatedAt(
    logScheduledRunArbitrary(start),
    { seed: options.seed, path: options.schedulePath },
    'shrunk fault schedule',
  );
  const outcome = await runScenario(plugin, { ...scheduledRunOptions(base, run), keepTrace: true });
  if (outcome.ok) return { outcome };
  id.schedulePath = options.schedulePath;
  const failure = makeFailureReport(outcome, id, 0);
  failure.schedule = { path: options.schedulePath, shrinks: 0, foundWith: found.faultPlan };
  return { outcome, failure };
}

/**
 * Replays one saved failure (`faultline replay --scenario FILE`): the file's
 * own scenario, fault kinds, plan and workload, with the trace kept. Needs no
 * seed or path, and no generator of this faultline version.
 */
export async function replaySavedFailure(
  plugin: WalPlugin,
  file: string,
  options: { pluginModule?: string; pluginOptions?: unknown } = {},
): Promise<ReplayResult> {
  const entry = await readSavedFailure(file);
  const outcome = await runScenario(plugin, { ...savedRunOptions({}, entry), keepTrace: true });
  if (outcome.ok) return { outcome };
  const id = replayIdentity(
    { ...options, ...(entry.faultProbability === undefined ? {} : { faultProbability: entry.faultProbability }) },
    entry.faults,
    entry.found.seed,
    entry.found.path,
  );
  id.scenarioFile = file;
  return { outcome, failure: makeFailureReport(outcome, id, 0) };
}
