/**
 * The vocabulary shared by the fault injectors and the simulator: operation
 * kinds, phases, fault kinds (the contract's names plus the simulator's
 * extras), declarative fault specs and the effects an injector asks for.
 * Everything here is plain JSON-serialisable data.
 */
import type { Rng } from '../rng.js';

export type SimOpKind =
  | 'open'
  | 'read'
  | 'write'
  | 'sync'
  | 'datasync'
  | 'truncate'
  | 'fstat'
  | 'close'
  | 'readdir'
  | 'mkdir'
  | 'rename'
  | 'unlink'
  | 'stat'
  | 'syncDir';

export const SIM_OP_KINDS: readonly SimOpKind[] = [
  'open',
  'read',
  'write',
  'sync',
  'datasync',
  'truncate',
  'fstat',
  'close',
  'readdir',
  'mkdir',
  'rename',
  'unlink',
  'stat',
  'syncDir',
];

/** The harness flips the phase: workload (the client runs) or recovery (the WAL reopens). */
export type SimPhase = 'workload' | 'recovery';

/** Fault kinds named by the plugin contract (`--faults`, reports). */
export const CONTRACT_FAULT_KINDS = ['crash', 'fsync-error', 'disk-full', 'read-error', 'bitflip', 'lying-fsync'] as const;
/** Fault kinds only the simulator adds. */
export const EXTRA_FAULT_KINDS = ['torn-write', 'misdirected-write', 'latency'] as const;
export const FAULT_KINDS = [...CONTRACT_FAULT_KINDS, ...EXTRA_FAULT_KINDS] as const;

export type ContractFaultKind = (typeof CONTRACT_FAULT_KINDS)[number];
export type FaultKind = (typeof FAULT_KINDS)[number];

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

export type FaultSpec =
  | { kind: 'crash'; trigger?: FaultTrigger }
  | { kind: 'torn-write'; trigger?: FaultTrigger }
  | { kind: 'bitflip'; trigger?: FaultTrigger; bits?: number }
  | { kind: 'lying-fsync'; trigger?: FaultTrigger }
  | { kind: 'fsync-error'; trigger?: FaultTrigger }
  | { kind: 'disk-full'; trigger?: FaultTrigger; capacityBytes?: number }
  | { kind: 'read-error'; trigger?: FaultTrigger }
  | { kind: 'misdirected-write'; trigger?: FaultTrigger; maxShiftSectors?: number }
  | { kind: 'latency'; trigger?: FaultTrigger; ms: number };

/** A declarative, JSON-serialisable set of faults: what every report prints. */
export interface FaultPlan {
  version: 1;
  faults: FaultSpec[];
  /** Set when the plan was drawn by swarm mode: the seed it was drawn from. */
  swarm?: { seed: string };
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
}
