/**
 * The harness's words for checking a store (checkStore, runStoreScenario,
 * `faultline check --store`): outcomes, options, summaries and reports, as
 * types.ts has them for a log. Plain data only. The store oracle's own words
 * are in src/contract/store-types.ts.
 */
import type { TimedFault } from './epoch-runner.js';
import type { FaultKind, FaultPlan } from '../faults/types.js';
import type { StoreCall, StoreRuleName, StoreScenario, StoreViolation, StoreWorkloadOptions } from '../contract/store-types.js';
import type { BaseEpochOutcome } from './epoch-runner.js';
import type { CheckOptions, RunScenarioOptions, ScenarioOutcome } from './types.js';
import type { WorkloadOptions } from '../contract/types.js';

export interface StoreEpochOutcome extends BaseEpochOutcome {
  /** transaction() calls of the epoch. */
  transactions: number;
  /** Those that resolved (committed). */
  committed: number;
  /** Committed and acknowledged (durableCommit, or a later sync resolved). */
  acknowledged: number;
  /** Aborted: fn rejected, or ETIMEDOUT / ECONFLICT. */
  aborted: number;
  /** Acknowledged transactions with writes, counted at the next open that resolved (undefined when there was none). */
  atStake?: number;
  /** Acknowledged, yet provably not applied at the next open. */
  lostAcknowledged: number;
  /** Transactions the next open's state shows applied. */
  appliedNext?: number;
}

export interface StoreScenarioOutcome extends Omit<ScenarioOutcome, 'violation' | 'scenario' | 'epochs' | 'history'> {
  violation?: StoreViolation;
  scenario: StoreScenario;
  epochs: StoreEpochOutcome[];
  history: StoreCall[];
}

/** One seeded store run's options: a log run's, with the store's workload knobs instead of the log's. */
export interface StoreRunOptions extends Omit<RunScenarioOptions, keyof WorkloadOptions | 'scenario'>, StoreWorkloadOptions {
  scenario?: StoreScenario;
}

export interface StoreCheckOptions extends Omit<CheckOptions, keyof WorkloadOptions>, StoreWorkloadOptions {}

export interface StoreCheckSummary {
  seed: number;
  runs: number;
  epochs: number;
  crashes: number;
  transactions: number;
  committed: number;
  acknowledged: number;
  aborted: number;
  /** Transactions the recovered states showed applied, summed over every open. */
  applied: number;
  recoveries: number;
  /** Power cuts that had acknowledged transactions at stake. */
  cutsAtStake: number;
  faultsFired: Partial<Record<FaultKind, number>>;
  wallMs: number;
  stoppedBy: 'runs' | 'time-limit' | 'violation';
}

export interface StoreFailureReport {
  /** Always 'store': a saved failure and a replay know which check made it. */
  subject: 'store';
  seed: number;
  faults: FaultKind[];
  rule: StoreRuleName;
  message: string;
  replayCommand: string;
  replayNote?: string;
  fastCheck: { seed: number; path: string };
  faultPlan: FaultPlan;
  /** Set when the failure was shrunk with its faults as a schedule (FailureReport.schedule). */
  schedule?: { path: string; shrinks: number; foundWith: FaultPlan };
  counterexample: StoreScenario;
  violation: StoreViolation;
  faultsFired: Partial<Record<FaultKind, number>>;
  /** The faults that fired in the failing run, in firing order, each at its operation (as the log's report has it). */
  faultTimeline: TimedFault[];
  shrinks: number;
  traceHash: string;
}

export interface StoreCheckResult {
  ok: boolean;
  runs: number;
  failure?: StoreFailureReport;
  summary: StoreCheckSummary;
  savedReplayed?: number;
  savedTo?: string;
  vacuous?: string[];
}

export interface StoreReplayOptions extends Omit<StoreCheckOptions, 'runs' | 'timeLimitMs' | 'onProgress'> {
  seed: number;
  path: string;
  /** The report's schedule path: replays the failure shrunk with its fault schedule. */
  schedulePath?: string;
}

export interface StoreReplayResult {
  outcome: StoreScenarioOutcome;
  failure?: StoreFailureReport;
}
