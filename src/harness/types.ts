/**
 * The harness API: what `checkWal`, `runScenario`, `faultline check`,
 * `faultline replay`, campaigns and benchmarks share. Plain data only, so
 * every outcome and report is JSON-able.
 *
 * Words follow the plugin contract (§4): an append is *acknowledged* when it
 * resolved while the plugin's durableAppend is true, or resolved before a call
 * of sync() that resolved; *released* when its LSN is below the upTo of a
 * truncatePrefix call that was made. A record recovered by an open counts as
 * acknowledged from then on.
 */
import type { FaultKind, FaultPlan } from '../faults/types.js';

/** The contract's rule names (plugin-contract.md §4, rules 1..7). */
export const RULE_NAMES = ['integrity', 'durability', 'order', 'no-holes', 'recovery-works', 'lsns-go-on', 'liveness'] as const;
export type RuleName = (typeof RULE_NAMES)[number];

// ---- scenarios (what fast-check generates and shrinks) ---------------------------

/** One client operation. Sizes are record lengths in bytes (0 .. 1 MiB). */
export type ClientOp =
  | { op: 'append'; size: number }
  | { op: 'sync' }
  /** truncatePrefix(upTo) where upTo = the `back`-th newest LSN this client got (0 = its newest; clamped to its oldest); skipped when it has none. */
  | { op: 'truncatePrefix'; back: number }
  /** Think time on the epoch's clock, virtual milliseconds. */
  | { op: 'sleep'; ms: number };

/**
 * How an epoch ends. 'restart': every client finishes, the log is closed
 * cleanly and the page cache is written back. 'crash': power loss. With
 * `at` the power is cut while the clients run: at the `nth` (1-based)
 * filesystem operation of the class (`sync-like`: sync, datasync, syncDir,
 * rename; `any`: every operation), before it takes effect or right after it
 * completed. Without `at`, or when the workload ends before that operation,
 * power is cut once every client is done (unsynced data may still be lost).
 * With `phase: 'recovery'` the count starts at the epoch's open instead: the
 * power is cut while the log recovers, and the epoch's clients never run.
 */
export type EpochEnd =
  { type: 'restart' } | { type: 'crash'; at?: { class: 'sync-like' | 'any'; nth: number; when: 'before' | 'after'; phase?: 'recovery' } };

export interface EpochScript {
  /** One list of operations per client; clients run concurrently. */
  clients: ClientOp[][];
  end: EpochEnd;
}

/** One whole run: the simulator's seed and several epochs of workload. JSON-able. */
export interface Scenario {
  /** Seeds the Scheduler, the filesystem's fault draws and the crash images. */
  simSeed: number;
  epochs: EpochScript[];
}

/** Knobs for the workload generator (defaults in parentheses). */
export interface WorkloadOptions {
  /** Concurrent clients per epoch, upper bound (4). */
  maxClients?: number;
  /** Epochs per run, upper bound (4). Each epoch after the first starts with recovery. */
  maxEpochs?: number;
  /** Operations per client per epoch, upper bound (12). */
  maxOpsPerClient?: number;
  /** Largest record (1 MiB = 1048576). */
  maxRecordBytes?: number;
  /** Chance an append is large (sectors/segments-spanning) rather than small (0.1). */
  largeRecordChance?: number;
  /** Total bytes appended per run are capped at this (8 MiB); later appends shrink to fit. */
  maxBytesPerRun?: number;
}

// ---- history (what each client called and saw) -----------------------------------

export type CallOutcome = 'pending' | 'resolved' | 'rejected';

interface CallBase {
  /** Unique per run, in call order. */
  id: number;
  epoch: number;
  /** -1 for the harness itself (open, close). */
  client: number;
  /** Logical time of the call and of its settlement (one counter for the whole run). */
  calledTick: number;
  settledTick?: number;
  /** Virtual time (ms) of the call and settlement. */
  calledAt: number;
  settledAt?: number;
  /** Trace events recorded before the call and before its settlement: where it falls among filesystem events. */
  calledTraceSeq?: number;
  settledTraceSeq?: number;
  outcome: CallOutcome;
  /** The error's code and message when rejected. */
  error?: { code?: string; message: string };
}

export interface AppendCall extends CallBase {
  kind: 'append';
  /** Self-identifying payload: see payloadLabel. */
  data: Uint8Array;
  /** A short human name: "e1.c2.#5". */
  label: string;
  lsn?: number;
}
export interface SyncCall extends CallBase {
  kind: 'sync';
}
export interface TruncateCall extends CallBase {
  kind: 'truncatePrefix';
  upTo: number;
}
export interface OpenCall extends CallBase {
  kind: 'open';
  /** Recovered records identified against the history (appendId undefined: bytes that no append wrote). */
  recovered?: { lsn: number; appendId?: number; size: number }[];
}
export interface CloseCall extends CallBase {
  kind: 'close';
}
export type HistoryCall = AppendCall | SyncCall | TruncateCall | OpenCall | CloseCall;

// ---- violations and outcomes ------------------------------------------------------

/** One broken rule, with the evidence that shows it. */
export interface Violation {
  rule: RuleName;
  /** Epoch whose recovery (or workload, for liveness and lsns-go-on) broke it. */
  epoch: number;
  message: string;
  /** Rule-specific evidence: appends by label/lsn, positions, calls. JSON-able. */
  evidence: Record<string, unknown>;
  /** What should have been recovered against what was (labels with LSNs), when the rule is about a recovery. */
  expected?: string[];
  recovered?: string[];
}

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
  livenessMs?: number;
  maxSteps?: number;
  /** Shrinking stops after this much wall-clock time (default 60 s); the smallest failure found so far is reported. */
  shrinkTimeLimitMs?: number;
  /** Shrinking stops after this many shrink runs (default 2,000). */
  maxShrinkRuns?: number;
  /** Called after each completed run. */
  onProgress?: (progress: CheckProgress) => void;
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
  fastCheck: { seed: number; path: string; replayPath?: string };
  faultPlan: FaultPlan;
  /** The shrunk scenario. */
  counterexample: Scenario;
  /** Expected against recovered records, and the rule's evidence. */
  violation: Violation;
  /** Faults that fired in the failing run, by kind. */
  faultsFired: Partial<Record<FaultKind, number>>;
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
  recovered: number;
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
}

export interface ReplayOptions extends Omit<CheckOptions, 'runs' | 'timeLimitMs' | 'onProgress'> {
  seed: number;
  path: string;
}

export interface ReplayResult {
  /** The rerun's outcome with the trace kept. */
  outcome: ScenarioOutcome;
  /** The rule broken on replay (undefined when the replay passed: then it did not reproduce). */
  failure?: FailureReport;
}
