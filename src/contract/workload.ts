/**
 * Workloads as fast-check arbitraries: several concurrent clients per epoch
 * (appends of 0 B .. 1 MiB, mostly small, some spanning sectors and segments;
 * sync; truncatePrefix; think time), several epochs per run, each ending in a
 * clean restart or a power cut (biased towards sync-like operations).
 * Everything generated is plain JSON, so fast-check can shrink and print it.
 */
import fc from 'fast-check';
import { WalError } from '../errors.js';
import type { ClientOp, EpochEnd, EpochScript, Scenario, WorkloadOptions } from './types.js';
import { MAX_PAYLOAD_BYTES } from './payload.js';

export interface ResolvedWorkloadOptions {
  maxClients: number;
  maxEpochs: number;
  maxOpsPerClient: number;
  maxRecordBytes: number;
  largeRecordChance: number;
  maxBytesPerRun: number;
}

export const DEFAULT_WORKLOAD: ResolvedWorkloadOptions = Object.freeze({
  maxClients: 4,
  maxEpochs: 4,
  maxOpsPerClient: 12,
  maxRecordBytes: MAX_PAYLOAD_BYTES,
  largeRecordChance: 0.1,
  maxBytesPerRun: 8 * 1024 * 1024,
});

/** v when it is an integer in [lo, hi]; WalError EINVAL naming it otherwise. */
export function intIn(name: string, v: number, lo: number, hi: number): number {
  if (!Number.isSafeInteger(v) || v < lo || v > hi)
    throw new WalError('EINVAL', `${name} must be an integer in [${lo}, ${hi}], got ${String(v)}`);
  return v;
}

export function resolveWorkloadOptions(o: WorkloadOptions = {}): ResolvedWorkloadOptions {
  const r: ResolvedWorkloadOptions = {
    maxClients: intIn('maxClients', o.maxClients ?? DEFAULT_WORKLOAD.maxClients, 1, 64),
    maxEpochs: intIn('maxEpochs', o.maxEpochs ?? DEFAULT_WORKLOAD.maxEpochs, 1, 64),
    maxOpsPerClient: intIn('maxOpsPerClient', o.maxOpsPerClient ?? DEFAULT_WORKLOAD.maxOpsPerClient, 1, 10_000),
    maxRecordBytes: intIn('maxRecordBytes', o.maxRecordBytes ?? DEFAULT_WORKLOAD.maxRecordBytes, 0, MAX_PAYLOAD_BYTES),
    largeRecordChance: o.largeRecordChance ?? DEFAULT_WORKLOAD.largeRecordChance,
    maxBytesPerRun: intIn('maxBytesPerRun', o.maxBytesPerRun ?? DEFAULT_WORKLOAD.maxBytesPerRun, 0, 1024 * 1024 * 1024),
  };
  if (!(r.largeRecordChance >= 0 && r.largeRecordChance <= 1)) throw new WalError('EINVAL', 'largeRecordChance must be in [0, 1]');
  return r;
}

/** The non-default workload knobs (what a replay command must carry). */
export function nonDefaultWorkload(o: WorkloadOptions = {}): WorkloadOptions {
  const r = resolveWorkloadOptions(o);
  const out: WorkloadOptions = {};
  for (const k of Object.keys(DEFAULT_WORKLOAD) as (keyof ResolvedWorkloadOptions)[]) {
    if (r[k] !== DEFAULT_WORKLOAD[k]) (out as Record<string, number>)[k] = r[k];
  }
  return out;
}

export function recordSizeArbitrary(o: ResolvedWorkloadOptions): fc.Arbitrary<number> {
  const smallMax = Math.min(o.maxRecordBytes, 700);
  const small = fc.integer({ min: 0, max: smallMax });
  if (o.maxRecordBytes <= smallMax || o.largeRecordChance === 0) return small;
  const large = fc.integer({ min: smallMax + 1, max: o.maxRecordBytes });
  const lw = Math.max(1, Math.round(o.largeRecordChance * 100));
  return fc.oneof({ arbitrary: small, weight: Math.max(0, 100 - lw) }, { arbitrary: large, weight: lw });
}

export function clientOpArbitrary(o: ResolvedWorkloadOptions): fc.Arbitrary<ClientOp> {
  return fc.oneof(
    { arbitrary: recordSizeArbitrary(o).map((size): ClientOp => ({ op: 'append', size })), weight: 12 },
    { arbitrary: fc.constant<ClientOp>({ op: 'sync' }), weight: 3 },
    { arbitrary: fc.integer({ min: 0, max: 8 }).map((back): ClientOp => ({ op: 'truncatePrefix', back })), weight: 1 },
    { arbitrary: fc.integer({ min: 1, max: 20 }).map((ms): ClientOp => ({ op: 'sleep', ms })), weight: 1 },
  );
}

export function epochEndArbitrary(): fc.Arbitrary<EpochEnd> {
  const cut = fc
    .record({
      class: fc.oneof({ arbitrary: fc.constant('sync-like' as const), weight: 3 }, { arbitrary: fc.constant('any' as const), weight: 1 }),
      nth: fc.integer({ min: 1, max: 40 }),
      when: fc.constantFrom('before' as const, 'after' as const),
      inRecovery: fc.oneof({ arbitrary: fc.constant(false), weight: 5 }, { arbitrary: fc.constant(true), weight: 1 }),
    })
    .map(({ inRecovery, ...at }) => (inRecovery ? { ...at, phase: 'recovery' as const } : at));
  return fc.oneof(
    { arbitrary: fc.constant<EpochEnd>({ type: 'restart' }), weight: 1 },
    { arbitrary: fc.constant<EpochEnd>({ type: 'crash' }), weight: 1 },
    { arbitrary: cut.map((at): EpochEnd => ({ type: 'crash', at })), weight: 4 },
  );
}

export function epochArbitrary(o: ResolvedWorkloadOptions): fc.Arbitrary<EpochScript> {
  return fc.record({
    clients: fc.array(fc.array(clientOpArbitrary(o), { minLength: 0, maxLength: o.maxOpsPerClient }), {
      minLength: 1,
      maxLength: o.maxClients,
    }),
    end: epochEndArbitrary(),
  });
}

/** The arbitrary of whole runs (fast-check shrinks towards fewer epochs, clients, operations and smaller records). */
export function scenarioArbitrary(options: WorkloadOptions = {}): fc.Arbitrary<Scenario> {
  const o = resolveWorkloadOptions(options);
  return fc.record({
    simSeed: fc.integer({ min: 0, max: 0x7fffffff }),
    epochs: fc.array(epochArbitrary(o), { minLength: 1, maxLength: o.maxEpochs }),
  });
}

/** One scenario drawn deterministically from a seed (campaigns, benchmarks). */
export function generateScenario(seed: number, options: WorkloadOptions = {}): Scenario {
  const [s] = fc.sample(scenarioArbitrary(options), { seed, numRuns: 1 });
  if (s === undefined) throw new WalError('ESIM', 'fast-check produced no scenario');
  return s;
}

/**
 * The scenario as it runs when `crash` is not among the fault kinds: no power
 * cut happens, so every epoch ends in a clean close and reopen (the
 * contract, §4), and each other kind is tested on its own.
 */
export function withoutPowerCuts<S extends { epochs: readonly { end: EpochEnd }[] }>(scenario: S): S {
  if (scenario.epochs.every((e) => e.end.type === 'restart')) return scenario;
  return {
    ...scenario,
    epochs: scenario.epochs.map((e) => (e.end.type === 'restart' ? e : { ...e, end: { type: 'restart' } as EpochEnd })),
  };
}

/** Checks a value is a Scenario (for scenarios read from files); WalError EINVAL otherwise. */
export function parseScenario(value: unknown): Scenario {
  const s = value as Partial<Scenario> | null;
  if (s === null || typeof s !== 'object' || !Number.isSafeInteger(s.simSeed) || !Array.isArray(s.epochs) || s.epochs.length === 0) {
    throw new WalError('EINVAL', 'a scenario is { simSeed, epochs: [...] } with at least one epoch');
  }
  for (const e of s.epochs) {
    if (e === null || typeof e !== 'object' || !Array.isArray(e.clients) || e.end === undefined)
      throw new WalError('EINVAL', 'each epoch needs clients and end');
    for (const ops of e.clients) {
      if (!Array.isArray(ops)) throw new WalError('EINVAL', 'each client is a list of operations');
      for (const op of ops as ClientOp[]) {
        if (op.op === 'append') intIn('append size', op.size, 0, MAX_PAYLOAD_BYTES);
        else if (op.op === 'truncatePrefix') intIn('truncatePrefix back', op.back, 0, 1_000_000);
        else if (op.op === 'sleep') intIn('sleep ms', op.ms, 0, 3_600_000);
        else if (op.op !== 'sync') throw new WalError('EINVAL', `unknown client operation ${JSON.stringify(op)}`);
      }
    }
  }
  return s as Scenario;
}
