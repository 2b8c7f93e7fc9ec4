/**
 * exploreWal: a bounded exhaustive search of one plugin's crash states on the
 * simulator, where checkWal samples them. It enumerates every workload of up
 * to C clients and K operations in all over a small alphabet (EXPLORE_ALPHABET),
 * every interleaving of those clients the scheduler can produce (every order
 * in which the runnable simulated operations can complete), every crash point
 * (each moment between two completions, and the moment the clients are done)
 * and every crash image at each point (SimFileSystem.crashImages), and judges
 * each recovery with the contract's checker, as the epoch runner does. A
 * clean close and reopen after each interleaving is judged too.
 *
 * What it prunes, and why that loses nothing (docs/explore.md):
 * - workloads that differ only in which client runs which operation list
 *   (clients run the same code; a permutation of the lists gives the same
 *   interleavings with the clients renamed);
 * - crash states already judged: the same disk image under the same history
 *   of calls gives the same verdict (recovery runs one fixed interleaving).
 * Interleavings are not reduced: every order of completions is run.
 *
 * Bounds: judged states, wall time, and assignments examined per crash point
 * (a point whose images the cap cut short makes the search incomplete; the
 * result says so). The result names the bound that stopped it.
 */
import { WalError } from '../errors.js';
import { present } from '../assert.js';
import type { RecoveredRecord, WalLog, WalPlugin } from '../ports.js';
import { checkLiveness } from '../contract/checker.js';
import { Judge } from '../contract/judge.js';
import { runClient } from '../contract/client.js';
import { History, errorSummary } from '../contract/history.js';
import { PayloadFactory } from '../contract/payload.js';
import type { ClientOp, HistoryCall, Violation } from '../contract/types.js';
import { createHash } from 'node:crypto';
import type { DiskImage } from '../sim/image.js';
import { createSimWorld, type SimWorld } from '../sim/world.js';
import { DEFAULT_LIVENESS_MS, drive, microtaskDrain } from './epoch-runner.js';
import { hostYield } from './host-yield.js';

/** One letter of the explorer's operation alphabet. */
export interface ExploreLetter {
  name: string;
  op: ClientOp;
}

/**
 * The alphabet: a small append (inside one sector), a large one (several
 * sectors, past a small segment), sync, and truncatePrefix up to the
 * client's newest LSN. Sleeps are left out: with no timers the simulator has
 * no other ordering to offer than the interleavings enumerated anyway.
 */
export const EXPLORE_ALPHABET: readonly ExploreLetter[] = Object.freeze([
  { name: 'append-small', op: { op: 'append', size: 64 } },
  { name: 'append-large', op: { op: 'append', size: 2000 } },
  { name: 'sync', op: { op: 'sync' } },
  { name: 'truncate', op: { op: 'truncatePrefix', back: 0 } },
]);

export const EXPLORE_LIMITS = Object.freeze({ maxClients: 4, maxOps: 8 });
export const DEFAULT_EXPLORE_MAX_STATES = 200_000;
export const DEFAULT_EXPLORE_IMAGE_CAP = 4096;
const SUBJECT_DIR = '/wal';
const EXPLORE_SEED = 'explore';

export interface ExploreOptions {
  /** Most clients in a workload (1..4); with `ops`, unless `workload` is given. */
  clients?: number;
  /** Most operations in a workload, over all its clients (1..8); with `clients`, unless `workload` is given. */
  ops?: number;
  /** Stop after judging this many distinct crash states (default 200,000). */
  maxStates?: number;
  /** Stop after this much wall time (default: none). */
  timeLimitMs?: number;
  /** Crash-image assignments examined per crash point (default 4,096); a point cut short leaves the search incomplete. */
  imageCap?: number;
  /** Virtual-time bound on every call (default the harness's liveness bound). */
  livenessMs?: number;
  /** Explore this one workload (each client's operations, by letter name) instead of every workload within clients and ops. */
  workload?: string[][];
  /** Named in the replay command of a counterexample. */
  pluginModule?: string;
  /** The module's factory options, named in the replay command too. */
  pluginOptions?: unknown;
  /** Told after each workload. */
  onProgress?: (p: { workloads: number; ofWorkloads: number; states: number }) => void;
}

export type ExploreStop = 'complete' | 'violation' | 'max-states' | 'time-limit';

/** One crash state, named so `replayExploreState` (and `faultline explore --replay`) can rebuild it. */
export interface ExploreStateId {
  /** Each client's operations, by letter name. */
  workload: string[][];
  /** The scheduler's pick (an index among the runnable operations) at each step of the workload, up to the crash. */
  picks: number[];
  /** Steps completed before the power was cut; 'restart' for the clean close and reopen after the workload. */
  crashAt: number | 'restart';
  /** Index of the image among the distinct crash images of that point (0 for a restart). */
  image: number;
}

export interface ExploreCounterexample extends ExploreStateId {
  violation: Violation;
  replayCommand: string;
}

export interface ExploreResult {
  ok: boolean;
  stoppedBy: ExploreStop;
  /** True when nothing bounded the search short: every state within the bound was judged. */
  complete: boolean;
  bound: { clients: number; ops: number; alphabet: string[]; workload?: string[][] };
  /** Workloads run, and those skipped as a renaming of clients of one run. */
  workloads: number;
  ofWorkloads: number;
  prunedSymmetric: number;
  /** Interleavings run (one simulated run each). */
  interleavings: number;
  /** Moments between two completions examined, over every interleaving (shared prefixes counted once). */
  crashPoints: number;
  /** Distinct crash states judged (an image under a history), restarts included. */
  states: number;
  /** Images reopened (recovery is deterministic, so each distinct image is recovered once and judged under each history). */
  recoveries: number;
  /** Crash states not judged again: the same image under the same history as one judged before. */
  prunedDuplicate: number;
  /** Crash points whose image enumeration the cap cut short. */
  cappedPoints: number;
  wallMs: number;
  counterexample?: ExploreCounterexample;
}

// ---- workloads -------------------------------------------------------------------------

function letter(name: string): ExploreLetter {
  const l = EXPLORE_ALPHABET.find((x) => x.name === name);
  if (l === undefined)
    throw new WalError('EINVAL', `unknown operation "${name}"; the alphabet is ${EXPLORE_ALPHABET.map((x) => x.name).join(', ')}`);
  return l;
}

/** Every operation list of 1..max letters, shortest first. */
function sequences(max: number): string[][] {
  const out: string[][] = [];
  let level: string[][] = [[]];
  for (let len = 1; len <= max; len++) {
    level = level.flatMap((s) => EXPLORE_ALPHABET.map((l) => [...s, l.name]));
    out.push(...level);
  }
  return out;
}

/** A workload named by letters (for `workload` and `--workload`); WalError EINVAL otherwise. */
export function checkWorkload(value: unknown): string[][] {
  if (!Array.isArray(value) || value.length === 0 || value.length > EXPLORE_LIMITS.maxClients)
    throw new WalError('EINVAL', `a workload is a list of 1..${EXPLORE_LIMITS.maxClients} clients, each a list of operation names`);
  for (const ops of value) {
    if (!Array.isArray(ops)) throw new WalError('EINVAL', 'each client is a list of operation names');
    for (const name of ops) letter(String(name));
  }
  return value as string[][];
}

function factorial(n: number): number {
  return n <= 1 ? 1 : n * factorial(n - 1);
}

/**
 * Every workload of 1..clients clients, each with at least one operation and
 * at most `ops` in all, as a multiset of operation lists (client lists in
 * non-decreasing order of their index), with the number of client orders it
 * stands for.
 */
export function exploreWorkloads(clients: number, ops: number): { workload: string[][]; orders: number }[] {
  const seqs = sequences(ops);
  const out: { workload: string[][]; orders: number }[] = [];
  const pick = (from: number, chosen: number[], left: number): void => {
    if (chosen.length > 0) {
      const counts = new Map<number, number>();
      for (const i of chosen) counts.set(i, (counts.get(i) ?? 0) + 1);
      let orders = factorial(chosen.length);
      for (const c of counts.values()) orders /= factorial(c);
      out.push({ workload: chosen.map((i) => present(seqs[i], 'a sequence index')), orders });
    }
    if (chosen.length === clients) return;
    for (let i = from; i < seqs.length; i++) {
      const len = present(seqs[i], 'a sequence index').length;
      if (len > left) continue;
      pick(i, [...chosen, i], left - len);
    }
  };
  pick(0, [], ops);
  return out;
}

// ---- one interleaving --------------------------------------------------------------------

interface CrashPoint {
  step: number;
  images: DiskImage[];
  capped: boolean;
  /** The calls as the process saw them at this moment (later settlements unseen). */
  calls: HistoryCall[];
}

interface Interleaving {
  taken: number[];
  branches: number[];
  points: CrashPoint[];
  /** The clean close and reopen after the workload (absent when the run broke liveness). */
  restart?: { image: DiskImage; calls: HistoryCall[] };
  violation?: { violation: Violation; crashAt: number | 'restart' };
}

function snapshot(calls: readonly HistoryCall[]): HistoryCall[] {
  return calls.map((c) => ({ ...c }));
}

/** The opened log of a fresh world over `image`, or why it did not open. */
async function openOn(
  plugin: WalPlugin,
  world: SimWorld,
  livenessMs: number,
): Promise<{ log: WalLog } | { error: { code?: string; message: string } } | { hang: string }> {
  const opening = plugin.open({ fs: world.fs, clock: world.clock, dir: SUBJECT_DIR }).then(
    (log) => ({ log }),
    (err: unknown) => ({ error: errorSummary(err) }),
  );
  const r = await drive(world, opening, livenessMs);
  if (r.kind === 'settled') return r.value;
  return { hang: r.kind === 'stuck' ? r.reason : 'open' };
}

function freshWorld(image?: DiskImage): SimWorld {
  const opts: Parameters<typeof createSimWorld>[0] = { seed: EXPLORE_SEED, hostYield, drain: microtaskDrain, choose: () => 0 };
  if (image !== undefined) opts.image = image;
  return createSimWorld(opts);
}

/**
 * Runs `workload` once: the picks of `prefix`, then the first runnable
 * operation at every later step. Crash points from step `examineFrom` on are
 * recorded (earlier ones were recorded by the run that shares them).
 */
async function runInterleaving(
  plugin: WalPlugin,
  workload: string[][],
  prefix: readonly number[],
  examineFrom: number,
  o: { imageCap: number; livenessMs: number },
  stopAt?: number,
): Promise<Interleaving> {
  const taken: number[] = [];
  const branches: number[] = [];
  const points: CrashPoint[] = [];
  const history = new History(() => world?.scheduler.now ?? 0);
  let inWorkload = false;
  let world: SimWorld | undefined = undefined;
  let cut = false;
  let diverged: string | undefined;
  const record = (step: number): void => {
    const w = present(world, 'the world of this run');
    const e = w.fs.crashImages(o.imageCap);
    points.push({ step, images: e.images, capped: e.capped, calls: snapshot(history.calls) });
  };
  world = createSimWorld({
    seed: EXPLORE_SEED,
    hostYield,
    drain: microtaskDrain,
    choose: (n) => {
      if (!inWorkload || cut) return 0;
      const step = taken.length;
      if (stopAt !== undefined && step === stopAt) {
        record(step);
        cut = true;
        history.freeze(0);
        present(world, 'the world of this run').fs.powerOff('explore: crash point reached');
        return 0;
      }
      if (stopAt === undefined && step >= examineFrom) record(step);
      let c = step < prefix.length ? (prefix[step] as number) : 0;
      if (c >= n) {
        // Not the run the picks were recorded in: stop it and say so (below), never judge it.
        diverged ??= `step ${step} has ${n} runnable operation(s), the recorded pick was ${c}`;
        cut = true;
        history.freeze(0);
        present(world, 'the world of this run').fs.powerOff('explore: the run did not repeat');
        c = 0;
      }
      taken.push(c);
      branches.push(n);
      return c;
    },
  });
  const opened = await openOn(plugin, world, o.livenessMs);
  if (!('log' in opened)) {
    const v =
      'error' in opened
        ? present(
            new Judge(history, plugin.durableAppend === true).afterOpenRejected(0, opened.error, undefined),
            'an open that rejects with no fault to allow it breaks rule 5',
          )
        : present(checkLiveness(0, [], o.livenessMs, opened.hang), 'a hang breaks liveness');
    return { taken, branches, points, violation: { violation: v, crashAt: 0 } };
  }
  const log = gated(opened.log, world);
  const payloads = new PayloadFactory();
  inWorkload = true;
  const clients = workload.map((names, client) =>
    runClient(
      names.map((n) => letter(n).op),
      { history, payloads, epoch: 0, client, log, sleep: (ms) => present(world, 'the world').clock.sleep(ms) },
    ),
  );
  const done = await drive(world, Promise.all(clients), o.livenessMs);
  if (diverged !== undefined) {
    throw stopAt === undefined
      ? new WalError(
          'ESIM',
          `the plugin did not repeat its run of the same workload and picks (${diverged}): is it deterministic on the ports?`,
        )
      : new WalError(
          'EINVAL',
          `this plugin does not reach the state: ${diverged} (another module or other --plugin-options than the search's?)`,
        );
  }
  if (cut) return { taken, branches, points };
  if (done.kind !== 'settled') {
    const unsettled = history.calls.filter((c) => c.outcome === 'pending');
    const v = present(
      checkLiveness(0, unsettled, o.livenessMs, done.kind === 'stuck' ? done.reason : 'workload'),
      'a hang breaks liveness',
    );
    return { taken, branches, points, violation: { violation: v, crashAt: taken.length } };
  }
  if (stopAt === undefined || stopAt === taken.length) record(taken.length);
  if (stopAt !== undefined) return { taken, branches, points };
  inWorkload = false;
  const closing = opened.log.close().then(
    () => undefined,
    (err: unknown) => errorSummary(err),
  );
  const closed = await drive(world, closing, o.livenessMs);
  if (closed.kind !== 'settled') {
    const v = present(checkLiveness(0, [], o.livenessMs, 'close'), 'a hang breaks liveness');
    return { taken, branches, points, violation: { violation: v, crashAt: 'restart' } };
  }
  const restart = { image: world.fs.shutdownImage(), calls: snapshot(history.calls) };
  world.fs.powerOff('explore: end of run');
  return { taken, branches, points, restart };
}

/**
 * The log as the clients see it: each call first waits for one scheduler
 * step of its own, so which client calls next is a pick of the scheduler
 * like any completion, and the explorer enumerates the orders of calls too
 * (not only the orders of the filesystem operations they cause).
 */
function gated(log: WalLog, world: SimWorld): WalLog {
  const step = (): Promise<void> => world.scheduler.schedule('client-call', () => undefined);
  const truncate = log.truncatePrefix;
  const g: WalLog = {
    get recovered() {
      return log.recovered;
    },
    append: (record) => step().then(() => log.append(record)),
    sync: () => step().then(() => log.sync()),
    close: () => log.close(),
  };
  if (truncate !== undefined) g.truncatePrefix = (upTo) => step().then(() => truncate.call(log, upTo));
  return g;
}

// ---- judging one crash state ---------------------------------------------------------------

/**
 * What reopening one image gave: the recovered records and the LSN the next
 * append got (or a rule broken after them: liveness of that append or of the
 * close), or the open's rejection, or a hang.
 */
export type ImageRecovery =
  | { kind: 'opened'; recovered: RecoveredRecord[]; nextLsn?: number; afterwards?: Violation }
  | { kind: 'rejected'; error: { code?: string; message: string } }
  | { kind: 'hang'; violation: Violation };

const PROBE = new Uint8Array([0x65, 0x78, 0x70]);

/**
 * Reopens `image` in a fresh world (recovery runs one fixed interleaving, so
 * the same image always recovers the same way), then appends one record and
 * closes. What it saw is judged per history by judgeRecovery.
 */
export async function recoverImage(plugin: WalPlugin, image: DiskImage, livenessMs: number): Promise<ImageRecovery> {
  const world = freshWorld(image);
  const opened = await openOn(plugin, world, livenessMs);
  if ('error' in opened) return { kind: 'rejected', error: opened.error };
  if ('hang' in opened)
    return { kind: 'hang', violation: present(checkLiveness(1, [], livenessMs, opened.hang), 'a hang breaks liveness') };
  const log = opened.log;
  const recovered = Array.isArray(log.recovered) ? [...log.recovered] : [];
  const out: ImageRecovery = { kind: 'opened', recovered };
  const next = await drive(
    world,
    log.append(PROBE).then(
      (lsn) => ({ lsn }),
      (err: unknown) => ({ error: errorSummary(err) }),
    ),
    livenessMs,
  );
  if (next.kind !== 'settled')
    out.afterwards = present(checkLiveness(1, [], livenessMs, 'append after recovery'), 'a hang breaks liveness');
  else {
    if ('lsn' in next.value) out.nextLsn = next.value.lsn;
    const closed = await drive(
      world,
      log.close().catch(() => undefined),
      livenessMs,
    );
    if (closed.kind !== 'settled')
      out.afterwards = present(checkLiveness(1, [], livenessMs, 'close after recovery'), 'a hang breaks liveness');
  }
  world.fs.powerOff('explore: judged');
  return out;
}

/**
 * The verdict on one crash state, through the judge every runner uses: the
 * first open (of the empty directory) recovered nothing; the reopen of the
 * image is judged against the calls the process had seen (rules 1-5), and the
 * append after it against what it recovered (rules 3 and 6).
 */
export function judgeRecovery(recovery: ImageRecovery, calls: readonly HistoryCall[], durableAppend: boolean): Violation | undefined {
  if (recovery.kind === 'hang') return recovery.violation;
  const history = new History(() => 0);
  history.calls.push(...calls.map((c) => ({ ...c })));
  const judge = new Judge(history, durableAppend);
  judge.afterOpen(0, [], { durabilityRequired: true });
  if (recovery.kind === 'rejected') return judge.afterOpenRejected(1, recovery.error, undefined);
  const v = judge.afterOpen(1, recovery.recovered, { durabilityRequired: true }).violation;
  if (v !== undefined) return v;
  if (recovery.nextLsn !== undefined) history.resolve(history.append(1, 0, PROBE, 'e1.c0.#0'), recovery.nextLsn);
  return judge.afterWorkload(1) ?? recovery.afterwards;
}

/** File contents hashed once per buffer: images of one crash point (and zero-filled files) share their buffers. */
const contentDigests = new WeakMap<Uint8Array, string>();

function contentDigest(data: Uint8Array): string {
  let d = contentDigests.get(data);
  if (d === undefined) {
    d = createHash('sha256').update(data).digest('base64');
    contentDigests.set(data, d);
  }
  return d;
}

/**
 * A SHA-256 digest of an image (its directories, and each file's path and
 * content digest): equal images have equal digests, and different ones a
 * collision SHA-256 makes negligible. Cheaper than diskImageKey, which spells
 * out every byte, for the thousands of images of a search.
 */
export function imageDigest(image: DiskImage): string {
  const h = createHash('sha256');
  for (const d of image.dirs) h.update(`d ${d}\n`);
  for (const f of image.files) h.update(`f ${f.path} ${f.data.length} ${contentDigest(f.data)}\n`);
  return h.digest('base64');
}

function historyKey(calls: readonly HistoryCall[]): string {
  const facts = calls.map((c) => [
    c.kind,
    c.client,
    c.outcome,
    c.calledTick,
    c.settledTick ?? -1,
    c.kind === 'append' ? `${c.label}@${c.lsn ?? '?'}` : c.kind === 'truncatePrefix' ? c.upTo : '',
  ]);
  return JSON.stringify(facts);
}

// ---- the search --------------------------------------------------------------------------

/** The command that rebuilds and judges one explored state. */
export function exploreReplayCommand(id: ExploreStateId, plugin: { pluginModule?: string; pluginOptions?: unknown } = {}): string {
  const json = JSON.stringify({ workload: id.workload, picks: id.picks, crashAt: id.crashAt, image: id.image });
  const mod = plugin.pluginModule === undefined ? '' : ` ${plugin.pluginModule}`;
  const opts = plugin.pluginOptions === undefined ? '' : ` --plugin-options '${JSON.stringify(plugin.pluginOptions)}'`;
  return `npx faultline explore${mod}${opts} --replay '${json}'`;
}

function validate(o: ExploreOptions): Required<Pick<ExploreOptions, 'maxStates' | 'imageCap' | 'livenessMs'>> {
  const int = (name: string, v: number, lo: number, hi: number): void => {
    if (!Number.isSafeInteger(v) || v < lo || v > hi)
      throw new WalError('EINVAL', `${name} must be an integer in [${lo}, ${hi}], got ${String(v)}`);
  };
  if (o.workload === undefined) {
    int('clients', o.clients ?? Number.NaN, 1, EXPLORE_LIMITS.maxClients);
    int('ops', o.ops ?? Number.NaN, 1, EXPLORE_LIMITS.maxOps);
  } else {
    if (o.clients !== undefined || o.ops !== undefined) throw new WalError('EINVAL', 'give either a workload or clients and ops, not both');
    checkWorkload(o.workload);
  }
  const r = {
    maxStates: o.maxStates ?? DEFAULT_EXPLORE_MAX_STATES,
    imageCap: o.imageCap ?? DEFAULT_EXPLORE_IMAGE_CAP,
    livenessMs: o.livenessMs ?? DEFAULT_LIVENESS_MS,
  };
  int('maxStates', r.maxStates, 1, Number.MAX_SAFE_INTEGER);
  int('imageCap', r.imageCap, 1, 10_000_000);
  int('livenessMs', r.livenessMs, 1, 3_600_000);
  if (o.timeLimitMs !== undefined && !(o.timeLimitMs > 0)) throw new WalError('EINVAL', 'timeLimitMs must be positive');
  return r;
}

export async function exploreWal(plugin: WalPlugin, options: ExploreOptions): Promise<ExploreResult> {
  if (plugin === null || typeof plugin !== 'object' || typeof plugin.open !== 'function')
    throw new WalError('EPLUGIN', 'not a WalPlugin: it needs name, durableAppend and open(env)');
  const o = validate(options);
  const started = performance.now();
  const all =
    options.workload === undefined
      ? exploreWorkloads(present(options.clients, 'clients'), present(options.ops, 'ops'))
      : [{ workload: options.workload, orders: 1 }];
  const result: ExploreResult = {
    ok: true,
    stoppedBy: 'complete',
    complete: true,
    bound:
      options.workload === undefined
        ? { clients: present(options.clients, 'clients'), ops: present(options.ops, 'ops'), alphabet: EXPLORE_ALPHABET.map((l) => l.name) }
        : {
            clients: options.workload.length,
            ops: options.workload.flat().length,
            alphabet: EXPLORE_ALPHABET.map((l) => l.name),
            workload: options.workload,
          },
    workloads: 0,
    ofWorkloads: all.length,
    prunedSymmetric: 0,
    interleavings: 0,
    crashPoints: 0,
    states: 0,
    recoveries: 0,
    prunedDuplicate: 0,
    cappedPoints: 0,
    wallMs: 0,
  };
  const judged = new Set<string>();
  const recoveries = new Map<string, ImageRecovery>();
  const durableAppend = plugin.durableAppend === true;
  const stop = (why: ExploreStop): ExploreResult => {
    result.stoppedBy = why;
    result.complete = why === 'complete' && result.cappedPoints === 0;
    result.ok = why !== 'violation';
    result.wallMs = performance.now() - started;
    return result;
  };
  const found = (id: ExploreStateId, violation: Violation): ExploreResult => {
    result.counterexample = { ...id, violation, replayCommand: exploreReplayCommand(id, options) };
    return stop('violation');
  };
  const outOfTime = (): boolean => options.timeLimitMs !== undefined && performance.now() - started > options.timeLimitMs;
  /** Judges one crash state unless it was judged before: 'bound' when the state bound stops the search. */
  const judge = async (image: DiskImage, calls: readonly HistoryCall[]): Promise<Violation | 'bound' | undefined> => {
    const imageKey = imageDigest(image);
    const key = `${historyKey(calls)}\n${imageKey}`;
    if (judged.has(key)) {
      result.prunedDuplicate++;
      return undefined;
    }
    if (result.states >= o.maxStates) return 'bound';
    judged.add(key);
    result.states++;
    let recovery = recoveries.get(imageKey);
    if (recovery === undefined) {
      recovery = await recoverImage(plugin, image, o.livenessMs);
      recoveries.set(imageKey, recovery);
      result.recoveries++;
    }
    return judgeRecovery(recovery, calls, durableAppend);
  };

  for (const { workload, orders } of all) {
    if (outOfTime()) return stop('time-limit');
    result.workloads++;
    result.prunedSymmetric += orders - 1;
    const stack: number[][] = [[]];
    while (stack.length > 0) {
      if (outOfTime()) return stop('time-limit');
      const prefix = present(stack.pop(), 'a prefix on the stack');
      const run = await runInterleaving(plugin, workload, prefix, prefix.length, o);
      result.interleavings++;
      if (run.violation !== undefined) {
        return found({ workload, picks: run.taken, crashAt: run.violation.crashAt, image: 0 }, run.violation.violation);
      }
      for (const point of run.points) {
        result.crashPoints++;
        if (point.capped) result.cappedPoints++;
        for (let i = 0; i < point.images.length; i++) {
          const v = await judge(present(point.images[i], 'an image of the point'), point.calls);
          if (v === 'bound') return stop('max-states');
          if (v !== undefined) return found({ workload, picks: run.taken.slice(0, point.step), crashAt: point.step, image: i }, v);
        }
      }
      if (run.restart !== undefined) {
        const v = await judge(run.restart.image, run.restart.calls);
        if (v === 'bound') return stop('max-states');
        if (v !== undefined) return found({ workload, picks: run.taken, crashAt: 'restart', image: 0 }, v);
      }
      // Every other pick at every step past the prefix is a sibling interleaving still to run.
      for (let d = run.taken.length - 1; d >= prefix.length; d--) {
        const n = present(run.branches[d], 'a branch count per step');
        for (let alt = n - 1; alt >= 1; alt--) stack.push([...run.taken.slice(0, d), alt]);
      }
    }
    options.onProgress?.({ workloads: result.workloads, ofWorkloads: all.length, states: result.states });
  }
  return stop('complete');
}

// ---- replay --------------------------------------------------------------------------------

/** Checks a value names an explored state (for `--replay`); WalError EINVAL otherwise. */
export function parseExploreStateId(value: unknown): ExploreStateId {
  const v = value as Partial<ExploreStateId> | null;
  const bad = (why: string): never => {
    throw new WalError('EINVAL', `an explored state is { workload, picks, crashAt, image }: ${why}`);
  };
  if (v === null || typeof v !== 'object') return bad('not an object');
  checkWorkload(v.workload);
  if (!Array.isArray(v.picks) || !v.picks.every((p) => Number.isSafeInteger(p) && p >= 0))
    return bad('picks must be non-negative integers');
  if (!(v.crashAt === 'restart' || (Number.isSafeInteger(v.crashAt) && (v.crashAt as number) >= 0)))
    return bad('crashAt is a step or "restart"');
  if (!Number.isSafeInteger(v.image) || (v.image as number) < 0) return bad('image must be a non-negative integer');
  return v as ExploreStateId;
}

export interface ExploreReplayResult {
  id: ExploreStateId;
  /** The violation the state shows now (undefined: it passes). */
  violation?: Violation;
  /** The calls as the process saw them at the crash, for the report. */
  history: HistoryCall[];
  /** How many distinct images the crash point has. */
  images: number;
}

/** Rebuilds one explored state (its workload, picks, crash point and image) and judges it again. */
export async function replayExploreState(
  plugin: WalPlugin,
  id: ExploreStateId,
  options: { imageCap?: number; livenessMs?: number } = {},
): Promise<ExploreReplayResult> {
  const o = { imageCap: options.imageCap ?? DEFAULT_EXPLORE_IMAGE_CAP, livenessMs: options.livenessMs ?? DEFAULT_LIVENESS_MS };
  const stopAt = id.crashAt === 'restart' ? undefined : id.crashAt;
  const run = await runInterleaving(plugin, id.workload, id.picks, Number.MAX_SAFE_INTEGER, o, stopAt);
  if (run.violation !== undefined) return { id, violation: run.violation.violation, history: [], images: 0 };
  if (id.crashAt === 'restart') {
    const restart = present(run.restart, 'a run that did not break liveness ends with a restart');
    const violation = judgeRecovery(await recoverImage(plugin, restart.image, o.livenessMs), restart.calls, plugin.durableAppend === true);
    return { id, ...(violation === undefined ? {} : { violation }), history: restart.calls, images: 1 };
  }
  const point = run.points.find((p) => p.step === id.crashAt);
  if (point === undefined) throw new WalError('EINVAL', `the run has no step ${String(id.crashAt)} (it took ${run.taken.length} steps)`);
  const image = point.images[id.image];
  if (image === undefined)
    throw new WalError('EINVAL', `crash point ${String(id.crashAt)} has ${point.images.length} images, not ${id.image + 1}`);
  const violation = judgeRecovery(await recoverImage(plugin, image, o.livenessMs), point.calls, plugin.durableAppend === true);
  return { id, ...(violation === undefined ? {} : { violation }), history: point.calls, images: point.images.length };
}
