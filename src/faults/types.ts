/**
 * The vocabulary shared by the fault injectors and the simulator: operation
 * kinds, phases, fault kinds (the contract's names plus the simulator's
 * extras), declarative fault specs and the effects an injector asks for.
 * Everything here is plain JSON-serialisable data. The fault kinds and the
 * shape of a spec come from the fault table (kinds.ts, one row per kind), the
 * operation kinds from ops.ts; both are re-exported here.
 */
import type { Rng } from '../rng.js';
import type { FaultKind, FaultSpec } from './kinds.js';
import type { SimOpKind } from './ops.js';
import type { ScheduledFault } from './schedule.js';

export { SIM_OP_KINDS, type SimOpKind } from './ops.js';
export { CONTRACT_FAULT_KINDS, EXTRA_FAULT_KINDS, FAULT_KINDS, type ContractFaultKind, type FaultKind, type FaultSpec } from './kinds.js';

/** The harness flips the phase: workload (the client runs) or recovery (the WAL reopens). */
export type SimPhase = 'workload' | 'recovery';

/**
 * When a fault fires. Filters first (phase, path), then: the nth matching
 * operation (1-based), else with `probability` per matching operation; with
 * neither, every matching operation. `maxTimes` bounds how often it fires.
 */
export interface FaultTrigger {
  probability?: number;
  nth?: number;
  /** A regular expression (source text) the operation's path must match. */
  path?: string;
  phase?: SimPhase;
  maxTimes?: number;
}

/** A declarative, JSON-serialisable set of faults: what every report prints. */
export interface FaultPlan {
  version: 1;
  faults: FaultSpec[];
  /** Set when the plan was drawn by swarm mode: the seed it was drawn from. */
  swarm?: { seed: string };
  /**
   * Faults fired at named operations, drawing nothing (schedule.ts): what a
   * failing run recorded, replayed and shrunk. Fired after the plan's own
   * faults on the same operation.
   */
  schedule?: ScheduledFault[];
}

/** What the simulator tells an injector about the operation at hand. */
export interface FaultOpContext {
  op: SimOpKind;
  path: string;
  phase: SimPhase;
  sectorSize: number;
  /** write/read: position and length; truncate: the new size in `length`. */
  offset?: number;
  length?: number;
  /** The file's size in the page cache, for file operations. */
  fileSize?: number;
  /** The file's durable size on the medium, for file operations. */
  durableSize?: number;
  /** Bytes of file content the disk holds now. */
  usedBytes: number;
}

/** What an injector asks the simulator to do to this operation. */
export type FaultEffect =
  | { type: 'crash' }
  | { type: 'enospc'; keepBytes: number }
  | { type: 'read-eio' }
  /** A read or write rejects with `code`; a write first puts its first keepBytes bytes in the page cache. */
  | { type: 'transient'; code: 'EAGAIN' | 'EINTR' | 'EBUSY'; keepBytes: number }
  | { type: 'fsync-eio' }
  | { type: 'lie' }
  | { type: 'torn' }
  | { type: 'redirect'; target: number }
  | { type: 'delay'; ms: number }
  | { type: 'flip'; bits: number[] };

/** One fault, compiled from its spec: which operations it looks at, and what it does when its trigger fires. */
export interface FaultInjector {
  readonly kind: FaultKind;
  readonly ops: readonly SimOpKind[];
  /** 'issue': decided when the call is made (latency); 'complete': when the scheduler completes it. */
  readonly at: 'issue' | 'complete';
  /** Called only when the trigger fired; undefined means nothing to do this time. */
  effect(ctx: FaultOpContext, rng: Rng): FaultEffect | undefined;
  /** Optional gate besides the trigger (capacity mode fires only when a write would not fit). */
  applies?(ctx: FaultOpContext): boolean;
  /**
   * Optional, asked before the gate and the trigger: an effect it returns
   * fires now without a trigger draw (a fault that persists over a few
   * calls, such as transient-error's bursts); undefined: the trigger decides.
   */
  repeat?(ctx: FaultOpContext, rng: Rng): FaultEffect | undefined;
}
