/**
 * The oracle's words for a transactional store (plugin contract §5): the
 * store rules' names, the store scenarios the workload generator makes, the
 * calls a store history records, and the violation a store rule returns.
 * Plain data only (JSON-able), as src/contract/types.ts is for a log; the
 * epoch endings (power cuts, clean restarts) are the log's.
 *
 * Words (contract §5): a transaction is *acknowledged* when transaction()
 * resolved while durableCommit is true, or resolved before a sync() that
 * resolved; *aborted* when fn rejected, or transaction() rejected with
 * ETIMEDOUT or ECONFLICT; *failed* when transaction() rejected otherwise (its
 * outcome is unknown: applied whole or not at all). A transaction is
 * *applied* when the recovered state shows its writes.
 */
import type { CallOutcome, EpochEnd } from './types.js';

/** The store rules (§5, rules 1-6; rule 6 is the log's recovery-works and liveness). */
export const STORE_RULE_NAMES = ['atomicity', 'durability', 'aborted', 'order', 'checkpoint', 'recovery-works', 'liveness'] as const;
export type StoreRuleName = (typeof STORE_RULE_NAMES)[number];

/** The codes with which transaction() rejects to say the transaction was aborted (nothing of it applied). */
export const ABORT_CODES: readonly string[] = ['ETIMEDOUT', 'ECONFLICT'];

// ---- scenarios ------------------------------------------------------------------

/** One step inside a transaction's fn. Keys are indexes into the run's key space ("k0", "k1", ...). */
export type TxnStep =
  | { op: 'get'; key: number }
  /** A put of a fresh value of about `size` bytes (grown to fit the writer's identity). */
  | { op: 'put'; key: number; size: number }
  | { op: 'delete'; key: number }
  /** Think time inside the transaction (virtual ms); long ones pass the store's transaction timeout. */
  | { op: 'sleep'; ms: number };

export type StoreClientOp =
  /** One transaction; with `abort` its fn throws after the steps (the workload aborts it). */
  | { op: 'txn'; steps: TxnStep[]; abort?: boolean }
  | { op: 'sync' }
  /** Store.checkpoint(), skipped when the store has none. */
  | { op: 'checkpoint' }
  | { op: 'sleep'; ms: number };

export interface StoreEpochScript {
  /** One list of operations per client; clients run concurrently. */
  clients: StoreClientOp[][];
  end: EpochEnd;
}

export interface StoreScenario {
  simSeed: number;
  epochs: StoreEpochScript[];
}

/** Knobs for the store workload generator (defaults in parentheses). */
export interface StoreWorkloadOptions {
  /** Concurrent clients per epoch, upper bound (4). */
  maxClients?: number;
  /** Epochs per run, upper bound (4). */
  maxEpochs?: number;
  /** Operations per client per epoch, upper bound (8). */
  maxOpsPerClient?: number;
  /** Steps per transaction, upper bound (6). */
  maxStepsPerTxn?: number;
  /** Keys in the key space (6): few keys, many conflicts. */
  keys?: number;
  /** Largest value, bytes (256). */
  maxValueBytes?: number;
  /**
   * The store's transaction timeout in virtual ms, when it has one: some
   * sleeps inside transactions are then drawn past it (0: none known, sleeps
   * stay short).
   */
  transactionTimeoutMs?: number;
}

// ---- history ------------------------------------------------------------------

interface StoreCallBase {
  id: number;
  epoch: number;
  /** -1 for the harness itself (open, close). */
  client: number;
  calledTick: number;
  settledTick?: number;
  calledAt: number;
  settledAt?: number;
  calledTraceSeq?: number;
  settledTraceSeq?: number;
  outcome: CallOutcome;
  error?: { code?: string; message: string };
}

/** What a transaction's fn did, in order (the last attempt, when the store ran fn more than once). */
export type TxnEvent =
  /** A read and what it returned: the value's bytes, or null for absent. */
  { op: 'get'; key: string; value: Uint8Array | null } | { op: 'put'; key: string; value: Uint8Array } | { op: 'delete'; key: string };

export interface TxnCall extends StoreCallBase {
  kind: 'transaction';
  /** "e1.c2.t5": epoch, client, the client's transaction number. */
  label: string;
  events: TxnEvent[];
  /** How many times the store ran fn (0: never). */
  attempts: number;
  /** fn rejected (the workload's abort, or a step that threw): the transaction is aborted. */
  fnRejected?: { code?: string; message: string };
  /** The workload meant to abort it (its fn throws after the steps). */
  abortPlanned: boolean;
}
export interface StoreSyncCall extends StoreCallBase {
  kind: 'sync';
}
export interface CheckpointCall extends StoreCallBase {
  kind: 'checkpoint';
}
export interface StoreOpenCall extends StoreCallBase {
  kind: 'open';
  /** The recovered state, each key with the label of the write it shows (or "garbage"). */
  recovered?: { key: string; shows: string }[];
}
export interface StoreCloseCall extends StoreCallBase {
  kind: 'close';
}
export type StoreCall = TxnCall | StoreSyncCall | CheckpointCall | StoreOpenCall | StoreCloseCall;

// ---- violations -----------------------------------------------------------------

export interface StoreViolation {
  rule: StoreRuleName;
  epoch: number;
  message: string;
  evidence: Record<string, unknown>;
  /** The state the rules expected in part (key = writer labels), against what was recovered. */
  expected?: string[];
  recovered?: string[];
}
