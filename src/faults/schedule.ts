/**
 * Fault schedules: the faults of one run as plain data, no probabilities.
 * An entry names the operation a fault fires on (the run's epoch, the phase,
 * the operation kind, the path, and its ordinal `nth` among the operations
 * of that kind on that path in that epoch and phase), the fault kind, and the
 * effect it had (its parameters: the bytes a disk-full kept, the bits a
 * bitflip flipped, ...). A FaultSet given a plan with a schedule fires each
 * entry at its operation, drawing nothing; the harness records the faults a
 * run fired as a schedule (FiredFault carries the key), so a failing
 * probabilistic run becomes a schedule that shrinking (src/harness/
 * schedule-shrink.ts) and replay work on. docs/replay.md describes the format.
 */
import { TRANSIENT_ERROR_CODES } from './transient-error.js';
import { WalError } from '../errors.js';
import { faultKindRow } from './kinds.js';
import { SIM_OP_KINDS, type SimOpKind } from './ops.js';
import type { FaultEffect, FaultKind, FaultOpContext, SimPhase } from './types.js';

/** One fault of a schedule: where it fires, and what it does there. */
export interface ScheduledFault {
  /** The run's epoch (0-based): its open (recovery phase) and its clients (workload phase). */
  epoch: number;
  phase: SimPhase;
  /** The simulator's operation kind (rmdir is an unlink, as the fault table has it). */
  op: SimOpKind;
  path: string;
  /**
   * The operation's ordinal (1-based) among the operations of this kind on
   * this path in this epoch and phase, counted when they are issued for a
   * latency entry and when they complete for every other kind.
   */
  nth: number;
  kind: FaultKind;
  /** What the fault does to the operation: the effect type of the kind's row, with its parameters. */
  effect: FaultEffect;
}

/** Where a kind's faults are decided: when the call is made (latency) or when it completes. */
export function scheduledAt(kind: FaultKind): 'issue' | 'complete' {
  return faultKindRow(kind)?.effect === 'delay' ? 'issue' : 'complete';
}

/** The operation kinds a kind's injector looks at (its row's injector, built with the parameters its check or uniform plan uses). */
function opsOf(kind: FaultKind): readonly SimOpKind[] {
  const row = faultKindRow(kind);
  if (row === undefined) return [];
  const ops = row.injector({ ...row.uniform, ...row.check?.params }).ops;
  // disk-full's capacity mode also fails a growing truncate (its transient mode, built here, only writes).
  return row.effect === 'enospc' ? [...ops, 'truncate'] : ops;
}

/** The key an operation is looked up by in a FaultSet: the ordinal counter's key plus nth. */
export function operationKey(at: 'issue' | 'complete', phase: SimPhase, op: SimOpKind, path: string): string {
  return `${at}|${phase}|${op}|${path}`;
}

const ENTRY_KEYS = ['epoch', 'phase', 'op', 'path', 'nth', 'kind', 'effect'];
const EFFECT_KEYS: Record<FaultEffect['type'], readonly string[]> = {
  crash: [],
  enospc: ['keepBytes'],
  'read-eio': [],
  'fsync-eio': [],
  lie: [],
  torn: [],
  redirect: ['target'],
  delay: ['ms'],
  flip: ['bits'],
  transient: ['code', 'keepBytes'],
};

const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

/** Checks one entry; returns what is wrong with it, or undefined. */
function entryProblem(e: Record<string, unknown>): string | undefined {
  const extra = Object.keys(e).filter((k) => !ENTRY_KEYS.includes(k));
  if (extra.length > 0) return `unknown field(s) ${extra.join(', ')}; an entry is { ${ENTRY_KEYS.join(', ')} }`;
  if (!isCount(e.epoch)) return `epoch must be a non-negative integer, got ${JSON.stringify(e.epoch)}`;
  if (e.phase !== 'workload' && e.phase !== 'recovery') return `phase must be workload or recovery, got ${JSON.stringify(e.phase)}`;
  if (typeof e.path !== 'string' || e.path === '') return `path must be a non-empty string, got ${JSON.stringify(e.path)}`;
  if (!isCount(e.nth) || e.nth < 1) return `nth must be a positive integer, got ${JSON.stringify(e.nth)}`;
  const row = typeof e.kind === 'string' ? faultKindRow(e.kind) : undefined;
  if (row === undefined) return `unknown fault kind ${JSON.stringify(e.kind)}`;
  if (typeof e.op !== 'string' || !(SIM_OP_KINDS as readonly string[]).includes(e.op))
    return `op must be one of ${SIM_OP_KINDS.join(', ')}, got ${JSON.stringify(e.op)}`;
  const ops = opsOf(row.kind);
  if (!ops.includes(e.op as SimOpKind)) return `${row.kind} does not fire on ${e.op} (it fires on ${ops.join(', ')})`;
  const effect = e.effect as Record<string, unknown> | null;
  if (effect === null || typeof effect !== 'object' || Array.isArray(effect)) return 'effect must be an object { type, ...parameters }';
  if (effect.type !== row.effect) return `a ${row.kind} fault's effect is of type "${row.effect}", got ${JSON.stringify(effect.type)}`;
  const allowed = EFFECT_KEYS[row.effect];
  const extraParams = Object.keys(effect).filter((k) => k !== 'type' && !allowed.includes(k));
  if (extraParams.length > 0)
    return `effect "${row.effect}" takes ${allowed.length === 0 ? 'no parameters' : allowed.join(', ')}, got ${extraParams.join(', ')}`;
  switch (row.effect) {
    case 'enospc':
      return isCount(effect.keepBytes)
        ? undefined
        : `effect keepBytes must be a non-negative integer, got ${JSON.stringify(effect.keepBytes)}`;
    case 'redirect':
      return isCount(effect.target)
        ? undefined
        : `effect target must be a non-negative integer (a byte offset), got ${JSON.stringify(effect.target)}`;
    case 'delay':
      return typeof effect.ms === 'number' && Number.isFinite(effect.ms) && effect.ms > 0
        ? undefined
        : `effect ms must be a positive number, got ${JSON.stringify(effect.ms)}`;
    case 'transient':
      if (!(TRANSIENT_ERROR_CODES as readonly unknown[]).includes(effect.code))
        return `effect code must be one of ${TRANSIENT_ERROR_CODES.join(', ')}, got ${JSON.stringify(effect.code)}`;
      return isCount(effect.keepBytes)
        ? undefined
        : `effect keepBytes must be a non-negative integer, got ${JSON.stringify(effect.keepBytes)}`;
    case 'flip':
      return Array.isArray(effect.bits) && effect.bits.length > 0 && effect.bits.length <= 64 && effect.bits.every(isCount)
        ? undefined
        : `effect bits must be a list of 1 to 64 bit positions (non-negative integers), got ${JSON.stringify(effect.bits)}`;
    default:
      return undefined;
  }
}

/** Checks a value (or JSON text) is a fault schedule, a list of entries; WalError EINVAL names the entry and what is wrong. */
export function parseFaultSchedule(input: unknown): ScheduledFault[] {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (cause) {
      throw new WalError('EINVAL', 'fault schedule is not JSON', { cause });
    }
  }
  if (!Array.isArray(value))
    throw new WalError('EINVAL', 'a fault schedule is a list of entries { epoch, phase, op, path, nth, kind, effect }');
  return value.map((e: unknown, i) => {
    if (e === null || typeof e !== 'object' || Array.isArray(e)) throw new WalError('EINVAL', `fault schedule entry ${i}: not an object`);
    const problem = entryProblem(e as Record<string, unknown>);
    if (problem !== undefined) throw new WalError('EINVAL', `fault schedule entry ${i}: ${problem}`, { details: { entry: i } });
    return scheduleEntryOf(e as ScheduledFault);
  });
}

/**
 * An entry's own fields, copied in the canonical key order (schedules are
 * traced as JSON, so the order is part of a trace hash); anything else a
 * value carries (a report's virtual time) is left out.
 */
export function scheduleEntryOf(e: ScheduledFault): ScheduledFault {
  return {
    epoch: e.epoch,
    phase: e.phase,
    op: e.op,
    path: e.path,
    nth: e.nth,
    kind: e.kind,
    effect: JSON.parse(JSON.stringify(e.effect)) as FaultEffect,
  };
}

/**
 * The effect an entry has on the operation it names, as that operation is
 * now (after shrinking, the operation at a key may be shorter, or its file
 * smaller): a disk-full keeps at most all but one byte of the write, a
 * bitflip flips only bits inside the file's durable bytes, and an entry that
 * cannot apply (an empty write for disk-full, torn-write or
 * misdirected-write; a file with no durable bytes for bitflip) does nothing.
 * On the run the schedule was recorded from, every effect is as recorded.
 */
export function effectOn(effect: FaultEffect, ctx: FaultOpContext): FaultEffect | undefined {
  const len = ctx.length ?? 0;
  switch (effect.type) {
    case 'enospc':
      if (ctx.op === 'truncate') return effect;
      return len === 0 ? undefined : { type: 'enospc', keepBytes: Math.min(effect.keepBytes, len - 1) };
    case 'torn':
    case 'redirect':
      return len === 0 ? undefined : effect;
    case 'transient':
      // A write leaves at most a strict prefix in the page cache; a read leaves nothing.
      return { ...effect, keepBytes: ctx.op === 'write' ? Math.min(effect.keepBytes, Math.max(0, len - 1)) : 0 };
    case 'flip': {
      const bits = effect.bits.filter((b) => b < (ctx.durableSize ?? 0) * 8);
      return bits.length === 0 ? undefined : { type: 'flip', bits };
    }
    default:
      return effect;
  }
}

/** An effect's parameters as report words ("keep=12B", "bits=[3,17]"); none for an effect without any. */
export function effectWords(effect: FaultEffect): string[] {
  switch (effect.type) {
    case 'enospc':
      return [`keep=${effect.keepBytes}B`];
    case 'redirect':
      return [`to byte ${effect.target}`];
    case 'delay':
      return [`+${effect.ms}ms`];
    case 'flip':
      return [`bits=[${effect.bits.join(',')}]`];
    case 'transient':
      return [effect.code, ...(effect.keepBytes > 0 ? [`keep=${effect.keepBytes}B`] : [])];
    default:
      return [];
  }
}

/** One entry in a report's words: "fsync-error on datasync #2 of /wal/0001.log (workload)". */
export function describeScheduledFault(e: ScheduledFault): string {
  return [`${e.kind} on ${e.op} #${e.nth} of ${e.path} (${e.phase})`, ...effectWords(e.effect)].join(' ');
}
