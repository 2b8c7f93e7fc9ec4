/**
 * FaultPlan: compose the injectors from a declarative, JSON-serialisable plan
 * (validate, serialise, describe), and swarm mode: per seed, draw which
 * faults are on and how often (the campaign default).
 */
import { WalError } from '../errors.js';
import type { Rng } from '../rng.js';
import { bitflipInjector } from './bitflip.js';
import { crashInjector } from './crash.js';
import { diskFullInjector } from './disk-full.js';
import { fsyncErrorInjector } from './fsync-error.js';
import { latencyInjector } from './latency.js';
import { lyingFsyncInjector } from './lying-fsync.js';
import { misdirectedWriteInjector } from './misdirected-write.js';
import { readErrorInjector } from './read-error.js';
import { tornWriteInjector } from './torn-write.js';
import { TriggerState } from './trigger.js';
import {
  FAULT_KINDS,
  type FaultEffect,
  type FaultInjector,
  type FaultKind,
  type FaultOpContext,
  type FaultPlan,
  type FaultSpec,
  type SimOpKind,
} from './types.js';

export const NO_FAULTS: FaultPlan = Object.freeze({ version: 1, faults: Object.freeze([]) as unknown as FaultSpec[] }) as FaultPlan;

export function isFaultKind(x: unknown): x is FaultKind {
  return typeof x === 'string' && (FAULT_KINDS as readonly string[]).includes(x);
}

/** The injector a spec describes (validates its parameters and trigger). */
export function injectorFor(spec: FaultSpec): FaultInjector {
  switch (spec.kind) {
    case 'crash':
      return crashInjector();
    case 'torn-write':
      return tornWriteInjector();
    case 'bitflip':
      return bitflipInjector(spec.bits);
    case 'lying-fsync':
      return lyingFsyncInjector();
    case 'fsync-error':
      return fsyncErrorInjector();
    case 'disk-full':
      return diskFullInjector(spec.capacityBytes);
    case 'read-error':
      return readErrorInjector();
    case 'misdirected-write':
      return misdirectedWriteInjector(spec.maxShiftSectors);
    case 'latency':
      return latencyInjector(spec.ms);
    default: {
      const kind: unknown = (spec as { kind: unknown }).kind;
      throw new WalError('EINVAL', `unknown fault kind ${JSON.stringify(kind)}; known: ${FAULT_KINDS.join(', ')}`);
    }
  }
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
  return plan;
}

export function serializeFaultPlan(plan: FaultPlan): string {
  return JSON.stringify(plan);
}

/** One line per fault, for reports: "fsync-error p=0.01 phase=workload". */
export function describeFaultPlan(plan: FaultPlan): string {
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
      if (f.kind === 'bitflip' && f.bits !== undefined) parts.push(`bits=${f.bits}`);
      if (f.kind === 'disk-full' && f.capacityBytes !== undefined) parts.push(`capacity=${f.capacityBytes}`);
      if (f.kind === 'misdirected-write' && f.maxShiftSectors !== undefined) parts.push(`shift<=${f.maxShiftSectors}`);
      if (f.kind === 'latency') parts.push(`ms=${f.ms}`);
      return parts.join(' ');
    })
    .join('; ');
}

/** The distinct kinds a plan uses (for reports and the contract's `--faults`). */
export function faultKindsOf(plan: FaultPlan): FaultKind[] {
  return [...new Set(plan.faults.map((f) => f.kind))];
}

/** A plan turning each named kind on with one probability per operation (what `--faults LIST` means). */
export function faultPlanForKinds(kinds: readonly string[], probability = 0.01): FaultPlan {
  const faults: FaultSpec[] = kinds.map((kind) => {
    if (!isFaultKind(kind)) throw new WalError('EINVAL', `unknown fault kind "${kind}"; known: ${FAULT_KINDS.join(', ')}`);
    return kind === 'latency' ? { kind, ms: 50, trigger: { probability } } : ({ kind, trigger: { probability } } as FaultSpec);
  });
  return parseFaultPlan({ version: 1, faults });
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
    if (!isFaultKind(kind)) throw new WalError('EINVAL', `unknown fault kind "${String(kind)}"`);
    if (!rng.chance(onChance)) continue;
    const probability = Number((lo * Math.pow(hi / lo, rng.nextFloat())).toPrecision(3));
    const trigger = { probability };
    switch (kind) {
      case 'latency':
        faults.push({ kind, trigger, ms: 1 + rng.nextInt(200) });
        break;
      case 'bitflip':
        faults.push({ kind, trigger, bits: 1 + rng.nextInt(3) });
        break;
      case 'misdirected-write':
        faults.push({ kind, trigger, maxShiftSectors: 1 + rng.nextInt(16) });
        break;
      default:
        faults.push({ kind, trigger } as FaultSpec);
    }
  }
  return { version: 1, faults, swarm: { seed: rng.seed } };
}

export interface FiredFault {
  kind: FaultKind;
  index: number;
  effect: FaultEffect;
}

/** A plan compiled for one filesystem: asks each matching injector, in plan order. */
export class FaultSet {
  readonly plan: FaultPlan;
  private readonly entries: { index: number; injector: FaultInjector; trigger: TriggerState; rng: Rng }[];
  private readonly byOp = new Map<string, { index: number; injector: FaultInjector; trigger: TriggerState; rng: Rng }[]>();

  constructor(plan: FaultPlan, rng: Rng) {
    this.plan = parseFaultPlan(plan);
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
    return this.entries.length === 0;
  }

  /** The faults firing on this operation at this point ('issue' or 'complete'). */
  fire(at: 'issue' | 'complete', op: SimOpKind, ctx: FaultOpContext): FiredFault[] {
    const list = this.byOp.get(`${at}:${op}`);
    if (list === undefined) return [];
    const out: FiredFault[] = [];
    for (const e of list) {
      if (e.injector.applies !== undefined && !e.injector.applies(ctx)) continue;
      if (!e.trigger.fires(ctx, e.rng)) continue;
      const effect = e.injector.effect(ctx, e.rng);
      if (effect !== undefined) out.push({ kind: e.injector.kind, index: e.index, effect });
    }
    return out;
  }
}
