/**
 * The oracle's vocabulary: the contract's rule names, the scenarios the
 * workload generator makes (what fast-check generates and shrinks), the
 * history of calls a run records, and the violation a rule returns. Plain
 * data only, so every history and verdict is JSON-able. Every runner (the
 * simulator's, the real disk's, the SIGKILL loop) speaks these words.
 *
 * Words follow the plugin contract (§4): an append is *acknowledged* when it
 * resolved while the plugin's durableAppend is true, or resolved before a call
 * of sync() that resolved; *released* when its LSN is below the upTo of a
 * truncatePrefix call that was made. A record recovered by an open counts as
 * acknowledged from then on.
 */
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
  /** With the swarm workload (option `swarm`): this run's draw, which shaped its operations. */
  swarm?: SwarmDraw;
}

/**
 * One run's swarm draw (Groce et al., "Swarm testing", ISSTA 2012): which
 * client operation kinds are on and how often each comes, how many clients,
 * how long they think, and how often an append takes a boundary size. Plain
 * JSON, part of the scenario, printed in the report.
 */
export interface SwarmDraw {
  /** Relative weights of the client operations (0: the kind is off this run; appends are always on). */
  weights: { append: number; sync: number; truncatePrefix: number; sleep: number };
  /** Clients per epoch, upper bound, this run (at most the workload's maxClients). */
  maxClients: number;
  /** Longest think time of a sleep, virtual ms. */
  maxSleepMs: number;
  /** Percent of appends that take a boundary size (BOUNDARY_SIZES, those within maxRecordBytes). */
  boundaryPercent: number;
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
  /**
   * true: the swarm workload. Each run first draws which operation kinds are
   * on and their weights, the clients and the think time (a SwarmDraw, kept in
   * the scenario), and a share of appends take boundary sizes. Default false.
   */
  swarm?: boolean;
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

// ---- violations ------------------------------------------------------------------

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
