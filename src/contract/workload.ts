/**
 * Workloads as fast-check arbitraries: several concurrent clients per epoch
 * (appends of 0 B .. 1 MiB, mostly small, some spanning sectors and segments;
 * sync; truncatePrefix; think time), several epochs per run, each ending in a
 * clean restart or a power cut (biased towards sync-like operations).
 * Everything generated is plain JSON, so fast-check can shrink and print it.
 */
import fc from 'fast-check';
import { WalError } from '../errors.js';
import type { ClientOp, EpochEnd, EpochScript, Scenario, SwarmDraw, WorkloadOptions } from './types.js';
import { MAX_PAYLOAD_BYTES } from './payload.js';

export interface ResolvedWorkloadOptions {
  maxClients: number;
  maxEpochs: number;
  maxOpsPerClient: number;
  maxRecordBytes: number;
  largeRecordChance: number;
  maxBytesPerRun: number;
  swarm: boolean;
}

export const DEFAULT_WORKLOAD: ResolvedWorkloadOptions = Object.freeze({
  maxClients: 4,
  maxEpochs: 4,
  maxOpsPerClient: 12,
  maxRecordBytes: MAX_PAYLOAD_BYTES,
  largeRecordChance: 0.1,
  maxBytesPerRun: 8 * 1024 * 1024,
  swarm: false,
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
    swarm: o.swarm ?? DEFAULT_WORKLOAD.swarm,
  };
  if (!(r.largeRecordChance >= 0 && r.largeRecordChance <= 1)) throw new WalError('EINVAL', 'largeRecordChance must be in [0, 1]');
  if (typeof r.swarm !== 'boolean') throw new WalError('EINVAL', 'swarm must be true or false');
  return r;
}

/** The non-default workload knobs (what a replay command must carry). */
export function nonDefaultWorkload(o: WorkloadOptions = {}): WorkloadOptions {
  const r = resolveWorkloadOptions(o);
  const out: WorkloadOptions = {};
  for (const k of Object.keys(DEFAULT_WORKLOAD) as (keyof ResolvedWorkloadOptions)[]) {
    if (r[k] !== DEFAULT_WORKLOAD[k]) (out as Record<string, number | boolean>)[k] = r[k];
  }
  return out;
}

/**
 * Record sizes an off-by-one between a writer and a reader trips on: empty,
 * one byte, a sector and a byte either side, and the contract's largest
 * record and one below it. Integers drawn from a range rarely hit them (the
 * largest is never drawn from 0..1 MiB), so the swarm workload draws them on
 * purpose.
 */
export const BOUNDARY_SIZES: readonly number[] = [0, 1, 511, 512, 513, MAX_PAYLOAD_BYTES - 1, MAX_PAYLOAD_BYTES];

export function recordSizeArbitrary(o: ResolvedWorkloadOptions, boundaryPercent = 0): fc.Arbitrary<number> {
  const smallMax = Math.min(o.maxRecordBytes, 700);
  const small = fc.integer({ min: 0, max: smallMax });
  const boundary = BOUNDARY_SIZES.filter((n) => n <= o.maxRecordBytes);
  const sized =
    o.maxRecordBytes <= smallMax || o.largeRecordChance === 0
      ? small
      : fc.oneof(
          { arbitrary: small, weight: Math.max(0, 100 - Math.max(1, Math.round(o.largeRecordChance * 100))) },
          {
            arbitrary: fc.integer({ min: smallMax + 1, max: o.maxRecordBytes }),
            weight: Math.max(1, Math.round(o.largeRecordChance * 100)),
          },
        );
  if (boundaryPercent <= 0 || boundary.length === 0) return sized;
  return fc.oneof(
    { arbitrary: sized, weight: 100 - boundaryPercent },
    { arbitrary: fc.constantFrom(...boundary), weight: boundaryPercent },
  );
}

/** The default operation mix: what a run draws when it is not a swarm run. */
const DEFAULT_MIX: SwarmDraw['weights'] = { append: 12, sync: 3, truncatePrefix: 1, sleep: 1 };
const DEFAULT_MAX_SLEEP_MS = 20;

export function clientOpArbitrary(o: ResolvedWorkloadOptions, draw?: SwarmDraw): fc.Arbitrary<ClientOp> {
  const w = draw?.weights ?? DEFAULT_MIX;
  const kinds = [
    { arbitrary: recordSizeArbitrary(o, draw?.boundaryPercent ?? 0).map((size): ClientOp => ({ op: 'append', size })), weight: w.append },
    { arbitrary: fc.constant<ClientOp>({ op: 'sync' }), weight: w.sync },
    { arbitrary: fc.integer({ min: 0, max: 8 }).map((back): ClientOp => ({ op: 'truncatePrefix', back })), weight: w.truncatePrefix },
    {
      arbitrary: fc.integer({ min: 1, max: draw?.maxSleepMs ?? DEFAULT_MAX_SLEEP_MS }).map((ms): ClientOp => ({ op: 'sleep', ms })),
      weight: w.sleep,
    },
  ];
  return fc.oneof(...kinds.filter((k) => k.weight > 0));
}

/** A swarm run's draw: a kind other than append is off a third of the time; the others get weights of 1..12. */
export function swarmDrawArbitrary(o: ResolvedWorkloadOptions): fc.Arbitrary<SwarmDraw> {
  const weight = fc.oneof({ arbitrary: fc.constant(0), weight: 1 }, { arbitrary: fc.integer({ min: 1, max: 12 }), weight: 2 });
  return fc.record({
    weights: fc.record({ append: fc.integer({ min: 1, max: 12 }), sync: weight, truncatePrefix: weight, sleep: weight }),
    maxClients: fc.integer({ min: 1, max: o.maxClients }),
    maxSleepMs: fc.integer({ min: 1, max: 50 }),
    boundaryPercent: fc.integer({ min: 0, max: 30 }),
  });
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

export function epochArbitrary(o: ResolvedWorkloadOptions, draw?: SwarmDraw): fc.Arbitrary<EpochScript> {
  return fc.record({
    clients: fc.array(fc.array(clientOpArbitrary(o, draw), { minLength: 0, maxLength: o.maxOpsPerClient }), {
      minLength: 1,
      maxLength: draw?.maxClients ?? o.maxClients,
    }),
    end: epochEndArbitrary(),
  });
}

/**
 * The arbitrary of whole runs (fast-check shrinks towards fewer epochs,
 * clients, operations and smaller records). With `swarm`, each run draws its
 * SwarmDraw first and its epochs from it; the draw is kept in the scenario.
 */
export function scenarioArbitrary(options: WorkloadOptions = {}): fc.Arbitrary<Scenario> {
  const o = resolveWorkloadOptions(options);
  const runOf = (draw?: SwarmDraw): fc.Arbitrary<Scenario> =>
    fc.record({
      simSeed: fc.integer({ min: 0, max: 0x7fffffff }),
      epochs: fc.array(epochArbitrary(o, draw), { minLength: 1, maxLength: o.maxEpochs }),
    });
  if (!o.swarm) return runOf();
  return swarmDrawArbitrary(o).chain((draw) => runOf(draw).map((s): Scenario => ({ ...s, swarm: draw })));
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
  if (s.swarm !== undefined) parseSwarmDraw(s.swarm);
  return s as Scenario;
}

function parseSwarmDraw(d: unknown): void {
  const draw = d as Partial<SwarmDraw> | null;
  const w = draw?.weights;
  if (draw === null || typeof draw !== 'object' || w === null || typeof w !== 'object')
    throw new WalError('EINVAL', 'a swarm draw is { weights, maxClients, maxSleepMs, boundaryPercent }');
  intIn('swarm weight of append', w.append ?? Number.NaN, 1, 1000);
  for (const k of ['sync', 'truncatePrefix', 'sleep'] as const) intIn(`swarm weight of ${k}`, w[k] ?? Number.NaN, 0, 1000);
  intIn('swarm maxClients', draw.maxClients ?? Number.NaN, 1, 64);
  intIn('swarm maxSleepMs', draw.maxSleepMs ?? Number.NaN, 1, 3_600_000);
  intIn('swarm boundaryPercent', draw.boundaryPercent ?? Number.NaN, 0, 100);
}

/** The swarm draw as the report prints it. */
export function describeSwarmDraw(d: SwarmDraw): string {
  const w = d.weights;
  const mix = (['append', 'sync', 'truncatePrefix', 'sleep'] as const).map((k) => (w[k] === 0 ? `${k} off` : `${k} ${w[k]}`)).join(', ');
  return `${mix}; up to ${d.maxClients} clients, sleeps up to ${d.maxSleepMs} ms, ${d.boundaryPercent}% boundary-size appends`;
}
