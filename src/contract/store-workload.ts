/**
 * Store workloads as fast-check arbitraries: several concurrent clients per
 * epoch running transactions (reads, puts, deletes, think time inside, some
 * aborted by a throwing fn), syncs, checkpoints and think time, over a small
 * key space so transactions conflict; several epochs per run, each ending as
 * a log workload's does (epochEndArbitrary). When the options name the
 * store's transaction timeout, some sleeps inside transactions pass it.
 * Everything generated is plain JSON, so fast-check can shrink and print it.
 */
import fc from 'fast-check';
import { WalError } from '../errors.js';
import type { StoreClientOp, StoreEpochScript, StoreScenario, StoreWorkloadOptions, TxnStep } from './store-types.js';
import { epochEndArbitrary, intIn } from './workload.js';

export interface ResolvedStoreWorkload {
  maxClients: number;
  maxEpochs: number;
  maxOpsPerClient: number;
  maxStepsPerTxn: number;
  keys: number;
  maxValueBytes: number;
  transactionTimeoutMs: number;
}

export const DEFAULT_STORE_WORKLOAD: ResolvedStoreWorkload = Object.freeze({
  maxClients: 4,
  maxEpochs: 4,
  maxOpsPerClient: 8,
  maxStepsPerTxn: 6,
  keys: 6,
  maxValueBytes: 256,
  transactionTimeoutMs: 0,
});

/** The largest value the workload writes (the contract's record bound). */
export const MAX_STORE_VALUE_BYTES = 1024 * 1024;

export function resolveStoreWorkload(o: StoreWorkloadOptions = {}): ResolvedStoreWorkload {
  const d = DEFAULT_STORE_WORKLOAD;
  return {
    maxClients: intIn('maxClients', o.maxClients ?? d.maxClients, 1, 64),
    maxEpochs: intIn('maxEpochs', o.maxEpochs ?? d.maxEpochs, 1, 64),
    maxOpsPerClient: intIn('maxOpsPerClient', o.maxOpsPerClient ?? d.maxOpsPerClient, 1, 10_000),
    maxStepsPerTxn: intIn('maxStepsPerTxn', o.maxStepsPerTxn ?? d.maxStepsPerTxn, 1, 1_000),
    keys: intIn('keys', o.keys ?? d.keys, 1, 100_000),
    maxValueBytes: intIn('maxValueBytes', o.maxValueBytes ?? d.maxValueBytes, 0, MAX_STORE_VALUE_BYTES),
    transactionTimeoutMs: intIn('transactionTimeoutMs', o.transactionTimeoutMs ?? d.transactionTimeoutMs, 0, 3_600_000),
  };
}

/** The non-default store workload knobs (what a replay command must carry). */
export function nonDefaultStoreWorkload(o: StoreWorkloadOptions = {}): StoreWorkloadOptions {
  const r = resolveStoreWorkload(o);
  const out: Record<string, number> = {};
  for (const k of Object.keys(DEFAULT_STORE_WORKLOAD) as (keyof ResolvedStoreWorkload)[])
    if (r[k] !== DEFAULT_STORE_WORKLOAD[k]) out[k] = r[k];
  return out as StoreWorkloadOptions;
}

/** The store workload knobs among `o` (a check's options carry others too). */
export function storeWorkloadOf(o: StoreWorkloadOptions): StoreWorkloadOptions {
  const w: Record<string, number> = {};
  for (const k of Object.keys(DEFAULT_STORE_WORKLOAD) as (keyof ResolvedStoreWorkload)[]) {
    const v = o[k];
    if (v !== undefined) w[k] = v;
  }
  return w as StoreWorkloadOptions;
}

/** The name of key `i` of the key space. */
export function storeKey(i: number): string {
  return `k${i}`;
}

function sleepArbitrary(o: ResolvedStoreWorkload): fc.Arbitrary<number> {
  const short = fc.integer({ min: 1, max: 20 });
  if (o.transactionTimeoutMs === 0) return short;
  // Past the timeout (and a little beyond, so the store's timer surely fired).
  const long = fc.integer({ min: o.transactionTimeoutMs + 1, max: 2 * o.transactionTimeoutMs + 10 });
  return fc.oneof({ arbitrary: short, weight: 4 }, { arbitrary: long, weight: 1 });
}

export function txnStepArbitrary(o: ResolvedStoreWorkload): fc.Arbitrary<TxnStep> {
  const key = fc.integer({ min: 0, max: o.keys - 1 });
  const size = fc.integer({ min: 0, max: o.maxValueBytes });
  return fc.oneof(
    { arbitrary: key.map((k): TxnStep => ({ op: 'get', key: k })), weight: 5 },
    { arbitrary: fc.record({ key, size }).map(({ key: k, size: s }): TxnStep => ({ op: 'put', key: k, size: s })), weight: 5 },
    { arbitrary: key.map((k): TxnStep => ({ op: 'delete', key: k })), weight: 1 },
    { arbitrary: sleepArbitrary(o).map((ms): TxnStep => ({ op: 'sleep', ms })), weight: 1 },
  );
}

export function storeClientOpArbitrary(o: ResolvedStoreWorkload): fc.Arbitrary<StoreClientOp> {
  const txn = fc
    .record({
      steps: fc.array(txnStepArbitrary(o), { minLength: 1, maxLength: o.maxStepsPerTxn }),
      abort: fc.oneof({ arbitrary: fc.constant(false), weight: 7 }, { arbitrary: fc.constant(true), weight: 1 }),
    })
    .map(({ steps, abort }): StoreClientOp => (abort ? { op: 'txn', steps, abort } : { op: 'txn', steps }));
  return fc.oneof(
    { arbitrary: txn, weight: 12 },
    { arbitrary: fc.constant<StoreClientOp>({ op: 'sync' }), weight: 2 },
    { arbitrary: fc.constant<StoreClientOp>({ op: 'checkpoint' }), weight: 1 },
    { arbitrary: fc.integer({ min: 1, max: 20 }).map((ms): StoreClientOp => ({ op: 'sleep', ms })), weight: 1 },
  );
}

export function storeEpochArbitrary(o: ResolvedStoreWorkload): fc.Arbitrary<StoreEpochScript> {
  return fc.record({
    clients: fc.array(fc.array(storeClientOpArbitrary(o), { minLength: 0, maxLength: o.maxOpsPerClient }), {
      minLength: 1,
      maxLength: o.maxClients,
    }),
    end: epochEndArbitrary(),
  });
}

/** The arbitrary of whole store runs (shrinks towards fewer epochs, clients, operations and steps). */
export function storeScenarioArbitrary(options: StoreWorkloadOptions = {}): fc.Arbitrary<StoreScenario> {
  const o = resolveStoreWorkload(options);
  return fc.record({
    simSeed: fc.integer({ min: 0, max: 0x7fffffff }),
    epochs: fc.array(storeEpochArbitrary(o), { minLength: 1, maxLength: o.maxEpochs }),
  });
}

/** One store scenario drawn deterministically from a seed. */
export function generateStoreScenario(seed: number, options: StoreWorkloadOptions = {}): StoreScenario {
  const [s] = fc.sample(storeScenarioArbitrary(options), { seed, numRuns: 1 });
  if (s === undefined) throw new WalError('ESIM', 'fast-check produced no store scenario');
  return s;
}

function parseStep(step: unknown): void {
  const s = step as Partial<Record<string, unknown>> | null;
  if (s === null || typeof s !== 'object') throw new WalError('EINVAL', `a transaction step is an object, got ${JSON.stringify(step)}`);
  if (s.op === 'sleep') intIn('sleep ms', s.ms as number, 0, 3_600_000);
  else if (s.op === 'get' || s.op === 'put' || s.op === 'delete') {
    intIn('key', s.key as number, 0, 100_000);
    if (s.op === 'put') intIn('put size', s.size as number, 0, MAX_STORE_VALUE_BYTES);
  } else throw new WalError('EINVAL', `unknown transaction step ${JSON.stringify(step)}`);
}

/** Checks a value is a StoreScenario (saved failures); WalError EINVAL otherwise. */
export function parseStoreScenario(value: unknown): StoreScenario {
  const s = value as Partial<StoreScenario> | null;
  if (s === null || typeof s !== 'object' || !Number.isSafeInteger(s.simSeed) || !Array.isArray(s.epochs) || s.epochs.length === 0)
    throw new WalError('EINVAL', 'a store scenario is { simSeed, epochs: [...] } with at least one epoch');
  for (const e of s.epochs) {
    if (e === null || typeof e !== 'object' || !Array.isArray(e.clients) || e.end === undefined)
      throw new WalError('EINVAL', 'each epoch needs clients and end');
    for (const ops of e.clients) {
      if (!Array.isArray(ops)) throw new WalError('EINVAL', 'each client is a list of operations');
      for (const op of ops as StoreClientOp[]) {
        if (op.op === 'txn') {
          if (!Array.isArray(op.steps)) throw new WalError('EINVAL', 'a transaction needs a list of steps');
          op.steps.forEach(parseStep);
        } else if (op.op === 'sleep') intIn('sleep ms', op.ms, 0, 3_600_000);
        else if (op.op !== 'sync' && op.op !== 'checkpoint') throw new WalError('EINVAL', `unknown store operation ${JSON.stringify(op)}`);
      }
    }
  }
  return s as StoreScenario;
}
