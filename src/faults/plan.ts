/**
 * FaultPlan: compose the injectors from a declarative, JSON-serialisable plan
 * (validate, serialise, describe); build a plan from a list of kinds (one
 * builder, two profiles: the harness's check plan and the uniform plan of
 * `--faults LIST`); swarm mode: per seed, draw which faults are on and how
 * often (the campaign default); and FaultSet, the plan compiled for one
 * filesystem, which counts the faults where they fire. What differs from
 * kind to kind comes from the fault table (kinds.ts).
 */
import { WalError } from '../errors.js';
import type { Rng } from '../rng.js';
import { faultKindRow, type AnyFaultKindRow } from './kinds.js';
import { TriggerState } from './trigger.js';
import { describeScheduledFault, effectOn, operationKey, parseFaultSchedule, scheduledAt, type ScheduledFault } from './schedule.js';
import {
  FAULT_KINDS,
  type FaultEffect,
  type FaultInjector,
  type FaultKind,
  type FaultOpContext,
  type FaultPlan,
  type FaultSpec,
  type FaultTrigger,
  type SimOpKind,
} from './types.js';

export const NO_FAULTS: FaultPlan = Object.freeze({ version: 1, faults: Object.freeze([]) as unknown as FaultSpec[] }) as FaultPlan;

export function isFaultKind(x: unknown): x is FaultKind {
  return typeof x === 'string' && (FAULT_KINDS as readonly string[]).includes(x);
}

/** The injector a spec describes (validates its parameters and trigger). */
export function injectorFor(spec: FaultSpec): FaultInjector {
  const kind: unknown = (spec as { kind: unknown }).kind;
  const row = typeof kind === 'string' ? faultKindRow(kind) : undefined;
  if (row === undefined) throw new WalError('EINVAL', `unknown fault kind ${JSON.stringify(kind)}; known: ${FAULT_KINDS.join(', ')}`);
  return row.injector(spec);
}

/** Checks a value (or JSON text) is a valid FaultPlan; WalError EINVAL names what is wrong. */
export function parseFaultPlan(input: unknown): FaultPlan {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (cause) {
      throw new WalError('EINVAL', 'fault plan is not JSON', { cause });
    }
  }
  const p = value as Partial<FaultPlan> | null;
  if (p === null || typeof p !== 'object' || p.version !== 1 || !Array.isArray(p.faults)) {
    throw new WalError('EINVAL', 'a fault plan is { version: 1, faults: [...] }');
  }
  const faults: FaultSpec[] = [];
  p.faults.forEach((f, i) => {
    if (f === null || typeof f !== 'object' || !isFaultKind((f as { kind?: unknown }).kind)) {
      throw new WalError('EINVAL', `fault ${i}: unknown kind; known: ${FAULT_KINDS.join(', ')}`);
    }
    const spec = JSON.parse(JSON.stringify(f)) as FaultSpec;
    try {
      injectorFor(spec);
      new TriggerState(spec.trigger);
    } catch (err) {
      throw new WalError('EINVAL', `fault ${i} (${spec.kind}): ${(err as Error).message}`, { cause: err });
    }
    faults.push(spec);
  });
  const plan: FaultPlan = { version: 1, faults };
  if (p.swarm !== undefined) plan.swarm = { seed: String(p.swarm.seed) };
  if (p.schedule !== undefined) plan.schedule = parseFaultSchedule(p.schedule);
  return plan;
}

export function serializeFaultPlan(plan: FaultPlan): string {
  return JSON.stringify(plan);
}

/** One line per fault, for reports: "fsync-error p=0.01 phase=workload"; a schedule's entries after "schedule:". */
export function describeFaultPlan(plan: FaultPlan): string {
  if (plan.schedule !== undefined) {
    const entries = plan.schedule.length === 0 ? 'empty' : plan.schedule.map((e) => `e${e.epoch} ${describeScheduledFault(e)}`).join('; ');
    const rest = plan.faults.length === 0 ? '' : `${describeFaultPlan({ version: 1, faults: plan.faults })}; `;
    return `${rest}schedule: ${entries}`;
  }
  if (plan.faults.length === 0) return 'no faults';
  return plan.faults
    .map((f) => {
      const parts: string[] = [f.kind];
      const t = f.trigger ?? {};
      if (t.nth !== undefined) parts.push(`nth=${t.nth}`);
      else if (t.probability !== undefined) parts.push(`p=${t.probability}`);
      else parts.push('always');
      if (t.path !== undefined) parts.push(`path=/${t.path}/`);
      if (t.phase !== undefined) parts.push(`phase=${t.phase}`);
      if (t.maxTimes !== undefined) parts.push(`max=${t.maxTimes}`);
      parts.push(...(faultKindRow(f.kind)?.describe?.(f) ?? []));
      return parts.join(' ');
    })
    .join('; ');
}

/** The distinct kinds a plan uses (for reports and the contract's `--faults`). */
export function faultKindsOf(plan: FaultPlan): FaultKind[] {
  return [...new Set([...plan.faults.map((f) => f.kind), ...(plan.schedule ?? []).map((e) => e.kind)])];
}

/**
 * How buildFaultPlan turns a kind on. 'uniform' (faultPlanForKinds): every
 * named kind, crash too, with the one probability and no phase filter, plus
 * the row's `uniform` parameters. 'check' (faultPlanForCheck, the harness):
 * each row's `check` entry (probability from p, maxTimes, parameters) in the
 * row's phase; kinds without one (crash) are left out.
 */
export type FaultPlanProfile = 'uniform' | 'check';

/** The spec of one kind under a profile; undefined when the profile leaves the kind out. */
function specFor(row: AnyFaultKindRow, probability: number, profile: FaultPlanProfile): FaultSpec | undefined {
  if (profile === 'uniform') return { kind: row.kind, ...row.uniform, trigger: { probability } } as FaultSpec;
  const entry = row.check;
  if (entry === undefined) return undefined;
  const trigger: FaultTrigger = { probability: entry.probability(probability) };
  if (row.phases.length === 1) trigger.phase = row.phases[0];
  if (entry.maxTimes !== undefined) trigger.maxTimes = entry.maxTimes;
  return { kind: row.kind, ...entry.params, trigger } as FaultSpec;
}

/**
 * The one plan builder (faultPlanForKinds and faultPlanForCheck are its two
 * profiles): each named kind, in the order given, as its row says under the
 * profile. Keys come in the order kind, parameters, trigger: plans are traced
 * as JSON, so the order is part of a run's trace hash.
 */
export function buildFaultPlan(kinds: readonly string[], probability: number, profile: FaultPlanProfile): FaultPlan {
  if (profile === 'check' && !(probability >= 0 && probability <= 1))
    throw new WalError('EINVAL', `fault probability must be in [0, 1], got ${probability}`);
  const faults: FaultSpec[] = [];
  for (const kind of kinds) {
    const row = faultKindRow(kind);
    if (row === undefined) {
      if (profile === 'uniform') throw new WalError('EINVAL', `unknown fault kind "${kind}"; known: ${FAULT_KINDS.join(', ')}`);
      // The check profile takes typed kinds; an unknown one is left to parseFaultPlan, which names it by position.
      faults.push({ kind, trigger: { probability } } as unknown as FaultSpec);
      continue;
    }
    const spec = specFor(row, probability, profile);
    if (spec !== undefined) faults.push(spec);
  }
  return parseFaultPlan({ version: 1, faults });
}

/** A plan turning each named kind on with one probability per operation (what `--faults LIST` means). */
export function faultPlanForKinds(kinds: readonly string[], probability = 0.01): FaultPlan {
  return buildFaultPlan(kinds, probability, 'uniform');
}

export interface SwarmOptions {
  /** Kinds the swarm may turn on (default: every kind). */
  kinds?: readonly FaultKind[];
  /** Chance each kind is on (default 0.5). */
  onChance?: number;
  /** Probability per operation is drawn log-uniformly in [min, max] (default [0.0005, 0.05]). */
  minProbability?: number;
  maxProbability?: number;
}

/** Swarm mode: this seed's random choice of which faults are on and how often. */
export function swarmFaultPlan(rng: Rng, opts: SwarmOptions = {}): FaultPlan {
  const kinds = opts.kinds ?? FAULT_KINDS;
  const onChance = opts.onChance ?? 0.5;
  const lo = opts.minProbability ?? 0.0005;
  const hi = opts.maxProbability ?? 0.05;
  if (!(lo > 0 && hi >= lo && hi <= 1)) throw new WalError('EINVAL', 'swarm probabilities need 0 < min <= max <= 1');
  const faults: FaultSpec[] = [];
  for (const kind of kinds) {
    const row = faultKindRow(kind);
    if (row === undefined) throw new WalError('EINVAL', `unknown fault kind "${String(kind)}"`);
    // The draws, in this order per kind: on or off, its probability, then its row's parameters.
    if (!rng.chance(onChance)) continue;
    const probability = Number((lo * Math.pow(hi / lo, rng.nextFloat())).toPrecision(3));
    faults.push({ kind, trigger: { probability }, ...row.swarm?.(rng) } as FaultSpec);
  }
  return { version: 1, faults, swarm: { seed: rng.seed } };
}

/** A fault that fired, and the operation it fired on (what a schedule entry of it holds: scheduledFaultOf). */
export interface FiredFault {
  kind: FaultKind;
  /** Its position in the plan's faults, or with `scheduled`, in the plan's schedule. */
  index: number;
  effect: FaultEffect;
  /** It fired as an entry of the plan's schedule. */
  scheduled?: true;
  /** The operation: when it was decided, the filesystem's epoch and phase, its kind, path and ordinal (ScheduledFault.nth). */
  at: 'issue' | 'complete';
  epoch: number;
  phase: FaultOpContext['phase'];
  op: SimOpKind;
  path: string;
  nth: number;
}

/** The schedule entry that fires this fault again, at the same operation with the same effect. */
export function scheduledFaultOf(f: FiredFault): ScheduledFault {
  return { epoch: f.epoch, phase: f.phase, op: f.op, path: f.path, nth: f.nth, kind: f.kind, effect: f.effect };
}

/** What a FaultSet is told besides its plan. */
export interface FaultSetOptions {
  /**
   * Called once per fault that fires, in firing order, as it fires (before
   * the simulator applies it). The harness counts faults here: a run-wide
   * listener outlives the per-epoch filesystems and does not depend on the trace.
   */
  onFault?: (fault: FiredFault) => void;
  /** The run's epoch this filesystem serves (default 0): it fires the schedule's entries of that epoch. */
  epoch?: number;
}

/**
 * A plan compiled for one filesystem: asks each matching injector, in plan
 * order, then fires the schedule's entries for the operation, and counts what
 * fired (per kind, `fired`) and tells `onFault`. It numbers every operation
 * it is asked about (per decision point, phase, kind and path), so each fault
 * that fires carries the key a schedule entry names it by.
 */
export class FaultSet {
  readonly plan: FaultPlan;
  private readonly onFault: ((fault: FiredFault) => void) | undefined;
  private readonly counts = new Map<FaultKind, number>();
  private readonly entries: { index: number; injector: FaultInjector; trigger: TriggerState; rng: Rng }[];
  private readonly byOp = new Map<string, { index: number; injector: FaultInjector; trigger: TriggerState; rng: Rng }[]>();
  private readonly epoch: number;
  /** The schedule's entries of this epoch, by operation key and ordinal. */
  private readonly scheduled = new Map<string, { index: number; entry: ScheduledFault }[]>();
  /** Operations asked about so far, by operation key. */
  private readonly ordinals = new Map<string, number>();

  constructor(plan: FaultPlan, rng: Rng, opts: FaultSetOptions = {}) {
    this.plan = parseFaultPlan(plan);
    this.onFault = opts.onFault;
    this.epoch = opts.epoch ?? 0;
    (this.plan.schedule ?? []).forEach((entry, index) => {
      if (entry.epoch !== this.epoch) return;
      const key = `${operationKey(scheduledAt(entry.kind), entry.phase, entry.op, entry.path)}|${entry.nth}`;
      const list = this.scheduled.get(key) ?? [];
      list.push({ index, entry });
      this.scheduled.set(key, list);
    });
    this.entries = this.plan.faults.map((spec, index) => ({
      index,
      injector: injectorFor(spec),
      trigger: new TriggerState(spec.trigger),
      rng: rng.fork(`fault-${index}-${spec.kind}`),
    }));
    for (const e of this.entries) {
      for (const op of e.injector.ops) {
        const key = `${e.injector.at}:${op}`;
        const list = this.byOp.get(key) ?? [];
        list.push(e);
        this.byOp.set(key, list);
      }
    }
  }

  get empty(): boolean {
    return this.entries.length === 0 && this.scheduled.size === 0;
  }

  /** Faults fired so far, per kind; keys in the order the kinds first fired. */
  get fired(): Partial<Record<FaultKind, number>> {
    return Object.fromEntries(this.counts) as Partial<Record<FaultKind, number>>;
  }

  /** The faults firing on this operation at this point ('issue' or 'complete'). */
  fire(at: 'issue' | 'complete', op: SimOpKind, ctx: FaultOpContext): FiredFault[] {
    const key = operationKey(at, ctx.phase, op, ctx.path);
    const nth = (this.ordinals.get(key) ?? 0) + 1;
    this.ordinals.set(key, nth);
    const where = { at, epoch: this.epoch, phase: ctx.phase, op, path: ctx.path, nth };
    const out: FiredFault[] = [];
    for (const e of this.byOp.get(`${at}:${op}`) ?? []) {
      const repeated = e.injector.repeat?.(ctx, e.rng);
      let effect: FaultEffect | undefined;
      if (repeated !== undefined) effect = repeated;
      else {
        if (e.injector.applies !== undefined && !e.injector.applies(ctx)) continue;
        if (!e.trigger.fires(ctx, e.rng)) continue;
        effect = e.injector.effect(ctx, e.rng);
      }
      if (effect === undefined) continue;
      this.record({ kind: e.injector.kind, index: e.index, effect, ...where }, out);
    }
    for (const { index, entry } of this.scheduled.get(`${key}|${nth}`) ?? []) {
      const effect = effectOn(entry.effect, ctx);
      if (effect !== undefined) this.record({ kind: entry.kind, index, effect, scheduled: true, ...where }, out);
    }
    return out;
  }

  private record(fault: FiredFault, out: FiredFault[]): void {
    out.push(fault);
    this.counts.set(fault.kind, (this.counts.get(fault.kind) ?? 0) + 1);
    this.onFault?.(fault);
  }
}
