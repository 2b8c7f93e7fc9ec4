/**
 * The fault kinds, one row each: everything faultline knows about a kind
 * outside its injector module. Its name; whether the plugin contract (§4)
 * names it or the simulator adds it; the phase(s) it fires in under the
 * harness's check plan; what the harness may conclude once it fired
 * (acknowledged data lost, an open rejected); how its injector is built from
 * a spec; its entry in the check plan and in a uniform plan; its draw in
 * swarm mode; the type of effect it asks for (what a fault schedule's entry
 * of it carries); how a report prints its parameters; its row of the table in
 * docs/fault-model.md. Plans (plan.ts), the harness's policy
 * (src/harness/run.ts), the CLI's lists and that doc table
 * (test/faults/kinds.test.ts) all read it, so adding a kind is one row here
 * plus its injector module.
 *
 * The kind lists and the FaultKind, ContractFaultKind and FaultSpec types
 * (types.ts re-exports them) are derived from the rows, in row order: the
 * contract's kinds first, then the extras. A spec's parameters are those its
 * row's `injector` takes.
 */
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
import { transientErrorInjector, type TransientErrorCode } from './transient-error.js';
import type { FaultEffect, FaultInjector, FaultTrigger, SimPhase } from './types.js';

/**
 * When an open may reject because of a kind (rule 5 lets it): never; when it
 * fired while that open ran; or at every open once it fired in the run.
 */
export type OpenMayReject = 'never' | 'while-open-runs' | 'once-fired';

/** A kind's entry in the harness's check plan (faultPlanForCheck), given the check's fault probability p. */
export interface CheckPlanEntry<P> {
  /** Probability per matching operation. */
  readonly probability: (p: number) => number;
  readonly maxTimes?: number;
  /** Parameters besides the trigger (default none). */
  readonly params?: P;
}

/** The cells of the kind's row in docs/fault-model.md's table. */
export interface FaultKindDoc {
  readonly operations: string;
  readonly pageCache: string;
  readonly medium: string;
}

/**
 * One row. `P` is what a spec of the kind carries besides `kind` and
 * `trigger`: the parameter of its `injector` (the other members only follow
 * it). The members that take a P are methods, whose parameters TypeScript
 * checks both ways, so every row is also an AnyFaultKindRow.
 */
export interface FaultKindRow<K extends string = string, P extends object = Record<never, never>, C extends boolean = boolean> {
  readonly kind: K;
  /** Named by the plugin contract (§4: `--faults`, reports); false: a simulator extra. */
  readonly contract: C;
  /** When it fires in the harness's runs: in the check plan, one phase is a trigger filter, both phases are none. */
  readonly phases: readonly SimPhase[];
  /** It may take acknowledged data: once it fired in a run, durability (rule 2) is no longer required. */
  readonly destroysData: boolean;
  readonly openMayReject: OpenMayReject;
  /** Its injector, from its spec (validates the parameters). */
  injector(spec: P): FaultInjector;
  /** The type of effect its injector asks for: what a fault schedule's entry of the kind must carry (schedule.ts). */
  readonly effect: FaultEffect['type'];
  /** Its entry in the check plan; none: the check plan leaves it out. */
  readonly check?: CheckPlanEntry<NoInfer<P>>;
  /** Parameters in a uniform plan (faultPlanForKinds), besides the trigger (default none). */
  readonly uniform?: NoInfer<P>;
  /** Swarm mode's draw of its parameters, after the draws that turn it on and pick its probability (default none). */
  swarm?(rng: Rng): NoInfer<P>;
  /** Its parameters as report words ("bits=2"), printed after the trigger's (default none). */
  describe?(spec: NoInfer<P>): string[];
  readonly doc: FaultKindDoc;
}

/** Checks one row and fixes its types (kind and contract as literals, the parameters from `injector`). */
function row<const K extends string, P extends object = Record<never, never>, const C extends boolean = boolean>(
  r: FaultKindRow<K, P, C>,
): FaultKindRow<K, P, C> {
  return r;
}

const ANY_PHASE: readonly SimPhase[] = ['workload', 'recovery'];
const WORKLOAD: readonly SimPhase[] = ['workload'];
const RECOVERY: readonly SimPhase[] = ['recovery'];
const asGiven = (p: number): number => p;

export const FAULT_KIND_TABLE = [
  row({
    kind: 'crash',
    contract: true,
    // Not in the check plan: power cuts come from the scenario (CrashCutFileSystem), while the
    // clients run or while the log recovers. A plan may still hold one (swarm, uniform plans).
    phases: ANY_PHASE,
    destroysData: false,
    openMayReject: 'never',
    injector: () => crashInjector(),
    effect: 'crash',
    doc: {
      operations: 'any',
      pageCache: 'the operation does not happen; it and every later call reject `ECRASHED`',
      medium: 'frozen; crash images as above',
    },
  }),
  row({
    kind: 'fsync-error',
    contract: true,
    phases: WORKLOAD,
    destroysData: false,
    openMayReject: 'never',
    injector: () => fsyncErrorInjector(),
    effect: 'fsync-eio',
    check: { probability: asGiven },
    doc: {
      operations: '`sync`, `datasync`',
      pageCache: 'unchanged: reads still see the dirty data',
      medium:
        "rejects `EIO` and drops the file's pending writes: they never land, and later syncs succeed with nothing to do (the fsyncgate / CuttleFS model)",
    },
  }),
  row({
    kind: 'disk-full',
    contract: true,
    phases: WORKLOAD,
    destroysData: false,
    openMayReject: 'never',
    injector: (spec: { capacityBytes?: number }) => diskFullInjector(spec.capacityBytes),
    effect: 'enospc',
    check: { probability: asGiven },
    describe: (spec) => (spec.capacityBytes === undefined ? [] : [`capacity=${spec.capacityBytes}`]),
    doc: {
      operations: '`write` (and growing `truncate` in capacity mode)',
      pageCache:
        'rejects `ENOSPC` after a prefix of the data reached the cache (transient mode: a random strict prefix; capacity mode: what fits under `capacityBytes` of total file content). Deleting or shrinking files frees space',
      medium: 'the prefix is pending like any write',
    },
  }),
  row({
    kind: 'read-error',
    contract: true,
    phases: RECOVERY,
    destroysData: false,
    // The contract: open rejects, or recovers everything acknowledged.
    openMayReject: 'while-open-runs',
    injector: () => readErrorInjector(),
    effect: 'read-eio',
    check: { probability: (p) => Math.min(0.1, p * 2) },
    doc: { operations: '`read`', pageCache: 'rejects `EIO`', medium: 'unchanged' },
  }),
  row({
    kind: 'bitflip',
    contract: true,
    phases: ANY_PHASE,
    // The contract's bitflip row: losing acknowledged records is allowed, returning wrong bytes is not; open may reject.
    destroysData: true,
    openMayReject: 'once-fired',
    injector: (spec: { bits?: number }) => bitflipInjector(spec.bits),
    effect: 'flip',
    check: { probability: (p) => p / 4, maxTimes: 2 },
    swarm: (rng) => ({ bits: 1 + rng.nextInt(3) }),
    describe: (spec) => (spec.bits === undefined ? [] : [`bits=${spec.bits}`]),
    doc: {
      operations: '`read`, `write`, `sync`, `datasync`, `fstat` of a file',
      pageCache: 'a clean byte is re-read from the medium, so reads see the flip; a dirty byte keeps its newer content',
      medium: "`bits` (default 1) random bits of the file's durable bytes flip",
    },
  }),
  row({
    kind: 'lying-fsync',
    contract: true,
    phases: WORKLOAD,
    // The contract: as bitflip (a sync that lied acknowledged records a crash may still lose).
    destroysData: true,
    openMayReject: 'once-fired',
    injector: () => lyingFsyncInjector(),
    effect: 'lie',
    check: { probability: asGiven },
    doc: {
      operations: '`sync`, `datasync`, `syncDir`',
      pageCache: 'unchanged',
      medium:
        'nothing is persisted; the writes (or directory changes) stay pending, so a crash may still lose them (an honest sync later persists them)',
    },
  }),
  row({
    kind: 'torn-write',
    contract: false,
    phases: ANY_PHASE,
    // Only writes not yet synced are torn: acknowledged (synced) data is safe.
    destroysData: false,
    openMayReject: 'never',
    injector: () => tornWriteInjector(),
    effect: 'torn',
    check: { probability: asGiven },
    doc: {
      operations: '`write`',
      pageCache: 'the write lands whole',
      medium: 'if a crash comes before it is synced, only a strict prefix of its sectors lands (a sync still persists it whole)',
    },
  }),
  row({
    kind: 'misdirected-write',
    contract: false,
    phases: ANY_PHASE,
    // Not in the contract, but it destroys data twice over: the sectors asked for stay stale, and the
    // sectors it lands on lose their durable bytes, which may be acknowledged records. So the harness
    // treats it like bitflip.
    destroysData: true,
    openMayReject: 'once-fired',
    injector: (spec: { maxShiftSectors?: number }) => misdirectedWriteInjector(spec.maxShiftSectors),
    effect: 'redirect',
    check: { probability: asGiven },
    swarm: (rng) => ({ maxShiftSectors: 1 + rng.nextInt(16) }),
    describe: (spec) => (spec.maxShiftSectors === undefined ? [] : [`shift<=${spec.maxShiftSectors}`]),
    doc: {
      operations: '`write`',
      pageCache: 'the write lands where asked',
      medium:
        'the medium receives it 1..`maxShiftSectors` whole sectors away (never below 0): the intended sectors keep their old durable bytes, and the sectors it lands on lose theirs (acknowledged records too, so the harness treats it like `bitflip`)',
    },
  }),
  row({
    kind: 'latency',
    contract: false,
    phases: ANY_PHASE,
    destroysData: false,
    openMayReject: 'never',
    injector: (spec: { ms: number }) => latencyInjector(spec.ms),
    effect: 'delay',
    check: { probability: asGiven, params: { ms: 5 } },
    uniform: { ms: 50 },
    swarm: (rng) => ({ ms: 1 + rng.nextInt(200) }),
    describe: (spec) => [`ms=${spec.ms}`],
    doc: {
      operations: 'any',
      pageCache: 'the operation completes `ms` of virtual time later (a spike); other operations overtake it',
      medium: 'unchanged',
    },
  }),
  row({
    kind: 'transient-error',
    contract: false,
    effect: 'transient',
    phases: ANY_PHASE,
    // The call fails and may be retried; nothing on the medium changes. A WAL that does not retry
    // rejects the call (an append is not acknowledged; an open may reject, as under read-error).
    destroysData: false,
    openMayReject: 'while-open-runs',
    injector: (spec: { codes?: TransientErrorCode[]; burst?: number }) => transientErrorInjector(spec.codes, spec.burst),
    // Streaks of up to 3 failures: the built-in engine's default retries (5 attempts) outlast them.
    check: { probability: asGiven, params: { burst: 3 } },
    uniform: { burst: 3 },
    swarm: (rng) => ({ burst: 1 + rng.nextInt(8) }),
    describe: (spec) => [
      ...(spec.codes === undefined ? [] : [`codes=${spec.codes.join(',')}`]),
      ...(spec.burst === undefined ? [] : [`burst<=${spec.burst}`]),
    ],
    doc: {
      operations: '`read`, `write`',
      pageCache:
        'rejects `EAGAIN`, `EINTR` or `EBUSY` (one of `codes`, default all three); a write first puts a random strict prefix of its data in the cache. With `burst` n, the same call (operation, file, position, length) fails up to n times in a row',
      medium: 'unchanged',
    },
  }),
] as const;

type Rows = typeof FAULT_KIND_TABLE;

/** The kinds of the rows whose `contract` is C, in row order (a tuple type). */
type KindsWhere<R extends readonly unknown[], C extends boolean> = R extends readonly [infer H, ...infer T]
  ? H extends { readonly kind: infer K; readonly contract: C }
    ? [K, ...KindsWhere<T, C>]
    : KindsWhere<T, C>
  : [];

/** Fault kinds named by the plugin contract (`--faults`, reports). */
export const CONTRACT_FAULT_KINDS = FAULT_KIND_TABLE.filter((r) => r.contract).map((r) => r.kind) as unknown as Readonly<
  KindsWhere<Rows, true>
>;
/** Fault kinds only the simulator adds. */
export const EXTRA_FAULT_KINDS = FAULT_KIND_TABLE.filter((r) => !r.contract).map((r) => r.kind) as unknown as Readonly<
  KindsWhere<Rows, false>
>;
/** Every kind: the contract's, then the extras (the table's order: test/faults/kinds.test.ts checks it). */
export const FAULT_KINDS = [...CONTRACT_FAULT_KINDS, ...EXTRA_FAULT_KINDS] as const;

export type ContractFaultKind = (typeof CONTRACT_FAULT_KINDS)[number];
export type FaultKind = (typeof FAULT_KINDS)[number];

/** A spec of one row's kind: its name, an optional trigger, and the parameters its injector takes. */
type SpecOf<R> = R extends FaultKindRow<infer K, infer P, boolean> ? { kind: K; trigger?: FaultTrigger } & P : never;
/** One fault of a plan, as JSON: `{ kind, trigger?, ...parameters }`. */
export type FaultSpec = SpecOf<Rows[number]>;

/** A row with its parameters' type erased: for code that treats every kind alike (plans, the harness's policy). */
export type AnyFaultKindRow = FaultKindRow<FaultKind, object>;

const BY_KIND: ReadonlyMap<string, AnyFaultKindRow> = new Map(FAULT_KIND_TABLE.map((r): [string, AnyFaultKindRow] => [r.kind, r]));

/** The row of a kind; undefined for a name that is no fault kind. */
export function faultKindRow(kind: string): AnyFaultKindRow | undefined {
  return BY_KIND.get(kind);
}

/** The kinds whose row passes `test`, in table order. */
export function faultKindsWhere(test: (row: AnyFaultKindRow) => boolean): FaultKind[] {
  return FAULT_KIND_TABLE.filter((r) => test(r)).map((r) => r.kind);
}
