/**
 * The harness API: what `checkWal`, `runScenario`, `faultline check`,
 * `faultline replay`, campaigns and benchmarks share: outcomes, options and
 * reports. Plain data only, so every outcome and report is JSON-able. The
 * contract's own words (scenarios, history calls, violations) are in
 * src/contract/types.ts.
 */
import type { FaultKind, FaultPlan } from '../faults/types.js';
import type { HistoryCall, RuleName, Scenario, Violation, WorkloadOptions } from '../contract/types.js';
import type { CrashImageRecord } from '../sim/sim-file-system.js';
import type { TimedFault } from './epoch-runner.js';

/**
 * One crash image of a run (kept with the trace, but outside it: the trace
 * hash does not cover it): the epoch whose power cut drew it, the virtual time
 * and trace position of its 'crash-image' line, the image (file bytes as
 * Uint8Array, like the history's payloads) and its per-sector map. Not a
 * public name (the element type of ScenarioOutcome['crashImages']).
 */
type CrashImageFacts = CrashImageRecord & { epoch: number };

export interface EpochOutcome {
  epoch: number;
  end: 'restart' | 'crash' | 'crash-in-recovery' | 'violation' | 'open-refused';
  /** Client calls of the epoch. */
  appends: number;
  /** Appends that resolved (the client got an LSN). */
  resolved: number;
  /** Appends acknowledged in the contract's sense. */
  acknowledged: number;
  /** Acknowledged (by the contract) and not released, yet missing at the next recovery. */
  lostAcknowledged: number;
  /** Resolved and not released, yet missing at the next recovery (what a lying durability level loses). */
  lostResolved: number;
  /** Virtual ms from the first lost resolved append's resolution to the crash (0 when none lost). */
  lostResolvedSpanMs: number;
  /** Records the next open recovered (undefined when there was no next open). */
  recoveredNext?: number;
  /**
   * Acknowledged, unreleased records the log held when the epoch ended (what a
   * power cut then puts at stake), counted at the next open that resolved
   * (undefined when there was none).
   */
  atStake?: number;
  /** Virtual time at the end of the epoch (crash or close). */
  endedAt: number;
  /** Faults that fired in this epoch (workload and the recovery after it), by kind. */
  faultsFired: Partial<Record<FaultKind, number>>;
}

export interface ScenarioOutcome {
  ok: boolean;
  violation?: Violation;
  scenario: Scenario;
  faultPlan: FaultPlan;
  epochs: EpochOutcome[];
  /** Scheduler steps and virtual ms used. */
  steps: number;
  virtualMs: number;
  /** Equal for equal runs (the simulator trace's hash). */
  traceHash: string;
  /** Every call, for reports (payload bytes omitted in JSON: use historyToJson). */
  history: HistoryCall[];
  /** Promises the plugin left rejected and unhandled during the run (a flaw the contract does not name). */
  unhandledRejections?: number;
  /** The simulator trace, as JSON lines, when RunScenarioOptions.keepTrace was set. */
  trace?: string[];
  /** With keepTrace: every crash image the power cuts drew and what each kept, sector by sector (not in the trace). */
  crashImages?: CrashImageFacts[];
  /** Every fault that fired, in firing order, when any did: as a schedule entry (which replays it) with its virtual time. */
  firedFaults?: TimedFault[];
}

// ---- options ----------------------------------------------------------------------

export interface RunScenarioOptions extends WorkloadOptions {
  /** Used to generate the scenario when `scenario` is not given, and names the run. */
  seed: number;
  /** The scenario to run (default: generated from seed). */
  scenario?: Scenario;
  /** Fault kinds on (default: every contract kind). 'crash' enables power cuts while clients run. */
  faults?: readonly FaultKind[];
  /** Probability per filesystem operation for each probabilistic fault kind (default 0.02). */
  faultProbability?: number;
  /** A full fault plan instead of `faults` (overrides it; crash cuts then follow the scenario). */
  faultPlan?: FaultPlan;
  /** Liveness bound: every call settles within this much virtual time (default 60,000 ms). */
  livenessMs?: number;
  /** Scheduler step bound for the whole run (default 2,000,000). */
  maxSteps?: number;
  /** Keep the simulator trace's lines in the outcome (default false). */
  keepTrace?: boolean;
  /** Sector size of the simulated disk (default 512). */
  sectorSize?: number;
}

export interface CheckProgress {
  runs: number;
  elapsedMs: number;
}

export interface CheckOptions extends WorkloadOptions {
  /** Upper bound of runs (default 100). */
  runs?: number;
  /** fast-check seed (default: drawn from the host's time, printed in reports). */
  seed?: number;
  /** Fault kinds on (default: every contract kind). */
  faults?: readonly FaultKind[];
  faultProbability?: number;
  /** Stop after this much wall-clock time (the check stops at the first violation, after `runs`, or at the limit). */
  timeLimitMs?: number;
  /** The module the plugin came from: written into the replay command (default: the built-in engine). */
  pluginModule?: string;
  /** Options passed to the module's factory: written into the replay command as JSON. */
  pluginOptions?: unknown;
  /**
   * The failure database (src/harness/failure-db.ts): the saved failures of
   * this plugin in this directory run first, before random search, and a new
   * failure is saved here. Default none from code; `faultline check` uses
   * `.faultline/failures`.
   */
  failureDir?: string;
  livenessMs?: number;
  maxSteps?: number;
  /** Shrinking stops after this much wall-clock time (default 60 s); the smallest failure found so far is reported. */
  shrinkTimeLimitMs?: number;
  /** Shrinking stops after this many shrink runs (default 2,000). */
  maxShrinkRuns?: number;
  /** Called after each completed run. */
  onProgress?: (progress: CheckProgress) => void;
  /**
   * Stops the check (e.g. a test runner's timeout): the run in progress
   * finishes, no further scenario runs, and checkWal rejects with WalError
   * EABORTED instead of reporting a pass it did not earn.
   */
  signal?: AbortSignal;
  /**
   * Floors against a vacuous pass (a misconfigured plugin acknowledging
   * nothing turns CI green otherwise): at least this many acknowledged
   * records over the check (default 1), and with `crash` on at least this many
   * power cuts with acknowledged records at stake (default 1; 0 without
   * `crash`). 0 lowers a floor away, for plugins that legitimately acknowledge
   * nothing.
   */
  minAcknowledged?: number;
  minCutsAtStake?: number;
}

export interface FailureReport {
  /** The fast-check seed. */
  seed: number;
  /** Fault kinds that were on. */
  faults: FaultKind[];
  rule: RuleName;
  message: string;
  /** One command line that replays this failure exactly. */
  replayCommand: string;
  /** Set when the command cannot name the plugin (it was built in code): what to do instead. */
  replayNote?: string;
  fastCheck: { seed: number; path: string; replayPath?: string };
  /** The plan the reported run used: with `schedule` set, its fault schedule, without probabilities. */
  faultPlan: FaultPlan;
  /**
   * Set when the failure was shrunk with its faults as a schedule: the faults
   * the failing run at { seed, path } fired became a schedule, and fast-check
   * shrank scenario and schedule together (the probabilistic plan off) along
   * `path` (replayed by `--schedule-path`), `shrinks` times. `foundWith` is the
   * probabilistic plan of the run that found it.
   */
  schedule?: { path: string; shrinks: number; foundWith: FaultPlan };
  /** The shrunk scenario. */
  counterexample: Scenario;
  /** Expected against recovered records, and the rule's evidence. */
  violation: Violation;
  /** Faults that fired in the failing run, by kind. */
  faultsFired: Partial<Record<FaultKind, number>>;
  /** The faults that fired in the failing run, in firing order: each at its operation, with its parameters and virtual time. */
  faultTimeline: TimedFault[];
  /** Shrink steps fast-check took. */
  shrinks: number;
  /** Simulator trace hash of the failing run (replay must reproduce it). */
  traceHash: string;
}

export interface CheckSummary {
  /** The fast-check seed the check used (rerun with it to get the same runs). */
  seed: number;
  runs: number;
  epochs: number;
  crashes: number;
  appends: number;
  acknowledged: number;
  /** Records returned by opens, summed over every open (a record is counted at each reopen that returns it). */
  recovered: number;
  /** Opens that resolved (recoveries judged). */
  recoveries: number;
  /** Power cuts while clients ran or at their end that had acknowledged records at stake. */
  cutsAtStake: number;
  faultsFired: Partial<Record<FaultKind, number>>;
  wallMs: number;
  stoppedBy: 'runs' | 'time-limit' | 'violation';
}

export interface CheckResult {
  ok: boolean;
  /** Completed runs. */
  runs: number;
  failure?: FailureReport;
  summary: CheckSummary;
  /** With a failure database: the saved scenarios replayed before random search. */
  savedReplayed?: number;
  /** With a failure database: where a new failure was saved (a failure from a saved scenario is not saved again). */
  savedTo?: string;
  /**
   * Set when no rule broke but the runs exercised too little to mean it (a
   * vacuous pass): each entry says which floor was not met. `faultline check`
   * exits 3 then; `assertWal` throws.
   */
  vacuous?: string[];
}

export interface ReplayOptions extends Omit<CheckOptions, 'runs' | 'timeLimitMs' | 'onProgress'> {
  seed: number;
  path: string;
  /** The report's schedule path (FailureReport.schedule.path): replays the failure shrunk with its fault schedule. */
  schedulePath?: string;
}

export interface ReplayResult {
  /** The rerun's outcome with the trace kept. */
  outcome: ScenarioOutcome;
  /** The rule broken on replay (undefined when the replay passed: then it did not reproduce). */
  failure?: FailureReport;
}
