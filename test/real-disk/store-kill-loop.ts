/**
 * The parent side of the store SIGKILL loop: start a child
 * (store-crash-child.ts) that runs concurrent transactions on the built-in
 * store on a real disk and reports each call, event and settlement over IPC;
 * SIGKILL it at a seeded random moment; rebuild its calls in this process's
 * StoreHistory; reopen the store here, read entries(), and judge the recovery
 * with the store judge of simulated runs (src/contract/store-judge.ts, the
 * contract's section 5 rules); repeat.
 *
 * Real-time order: the parent's history gives each call and settlement its
 * tick when the message arrives. One child's messages arrive in the order the
 * child sent them (one IPC channel), and a child is started only after the
 * one before it closed (exit and channel) and was judged, so every tick of a
 * later child comes after all of an earlier one's.
 *
 * Epochs: child k runs epoch k; the parent's reopen after it is the open of
 * epoch k + 1 and is judged against the calls of epoch k, with the state the
 * previous reopen recovered as its base.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import { Rng } from '../../src/rng.js';
import { storePlugin } from '../../src/store/plugin.js';
import { StoreHistory } from '../../src/contract/store-history.js';
import { StoreJudge } from '../../src/contract/store-judge.js';
import { acknowledgedTransactions, isAborted } from '../../src/contract/store-checker.js';
import type { StoreCall, StoreViolation, TxnCall } from '../../src/contract/store-types.js';
import { bundleForNode } from '../helpers/bundle.js';
import { entriesDigest, fromWire, STORE_DIR, storeOptionsFor, type StoreChildMessage, type StoreVariant } from './store-crash-protocol.js';

const here = dirname(fileURLToPath(import.meta.url));
const CHILD = join(here, 'store-crash-child.ts');

let bundled: Promise<string> | undefined;
/** The child as one plain ESM file (esbuild), so each start skips TypeScript compilation. */
function childProgram(): Promise<string> {
  bundled ??= bundleForNode(CHILD, 'store-crash-child.mjs');
  return bundled;
}

export interface StoreKillLoopOptions {
  kills: number;
  seed: number;
  clients: number;
  variant: StoreVariant;
  /** The longest wait after the child is ready before the kill, ms (default 150). */
  maxDelayMs?: number;
}

export interface StoreKillLoopResult {
  violation?: StoreViolation;
  /** Children killed (and recoveries judged). */
  kills: number;
  killedBeforeReady: number;
  transactions: number;
  committed: number;
  acknowledged: number;
  aborted: number;
  /** Acknowledged transactions with writes that a recovery was judged against. */
  atStake: number;
  checkpoints: number;
  /** Keys in the last recovered state. */
  recoveredKeys: number;
  history: StoreHistory;
}

type Pending = Map<number, StoreCall>;

/** Applies one child message to the parent's history. */
function record(history: StoreHistory, epoch: number, calls: Pending, m: StoreChildMessage): void {
  if (m.t === 'begin') {
    const call =
      m.kind === 'transaction'
        ? history.transaction(epoch, m.client, m.label ?? `e${epoch}.c${m.client}.?`, m.abortPlanned === true)
        : m.kind === 'sync'
          ? history.sync(epoch, m.client)
          : history.checkpoint(epoch, m.client);
    if (call.id !== m.id) throw new Error(`the child's call ${m.id} became call ${call.id} here: the histories' ids went apart`);
    calls.set(m.id, call);
    return;
  }
  if (m.t !== 'event' && m.t !== 'fn' && m.t !== 'settle') return;
  const call = calls.get(m.id);
  if (call === undefined) throw new Error(`message ${m.t} for unknown call ${m.id}`);
  if (m.t === 'event') {
    const txn = call as TxnCall;
    if (txn.attempts !== m.attempt) {
      txn.attempts = m.attempt;
      txn.events = [];
    }
    history.note(txn, fromWire(m.event));
    return;
  }
  if (call.kind === 'transaction' && (m.t === 'fn' || m.attempts !== undefined)) {
    if (m.attempts !== undefined) call.attempts = m.attempts;
    if (m.fnRejected !== undefined) call.fnRejected = m.fnRejected;
    else delete call.fnRejected;
  }
  if (m.t === 'settle') {
    if (m.outcome === 'resolved') history.resolve(call);
    else if (history.reject(call, new Error(m.error?.message ?? 'rejected')) && m.error !== undefined) call.error = m.error;
  }
}

async function runChild(
  root: string,
  epoch: number,
  options: StoreKillLoopOptions,
  history: StoreHistory,
  rng: Rng,
  expectedDigest: string,
): Promise<{ beforeReady: boolean }> {
  const file = await childProgram();
  const args = [root, String(epoch), String(options.clients), String(options.seed), String(history.calls.length), options.variant];
  const child: ChildProcess = fork(file, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const calls: Pending = new Map();
  // Most kills while the clients run; some at a random moment of start-up and recovery.
  const early = rng.chance(0.15);
  const delayMs = early ? rng.nextInt(700) : 1 + rng.nextInt(options.maxDelayMs ?? 150);
  let ready = false;
  let failure: Error | undefined;
  let timer: NodeJS.Timeout | undefined;
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const fail = (err: Error): void => {
    failure ??= err;
    kill();
  };
  const watchdog = setTimeout(() => fail(new Error(`child ${epoch} never became ready`)), 30_000);
  if (early) timer = setTimeout(kill, delayMs);
  child.on('message', (m: StoreChildMessage) => {
    if (failure !== undefined) return;
    try {
      if (m.t === 'ready') {
        ready = true;
        clearTimeout(watchdog);
        if (m.digest !== expectedDigest)
          fail(
            new Error(
              `child ${epoch} opened a state (${m.digest}) other than the one the parent read after a clean close (${expectedDigest})`,
            ),
          );
        else if (!early) timer = setTimeout(kill, delayMs);
      } else if (m.t === 'fail') fail(new Error(`child ${epoch} failed: ${m.message}`));
      else record(history, epoch, calls, m);
    } catch (err) {
      fail(err instanceof Error ? err : new Error(String(err)));
    }
  });
  // 'close': the process ended and its channel is drained, so no message of it is still to come.
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c, s) => resolve({ code: c, signal: s }));
  });
  clearTimeout(watchdog);
  if (timer !== undefined) clearTimeout(timer);
  history.freeze(epoch);
  if (failure !== undefined) throw failure;
  if (signal !== 'SIGKILL') throw new Error(`child ${epoch} exited with ${code ?? signal}, not by SIGKILL`);
  return { beforeReady: !ready };
}

/** Kills, reopens and judges; stops at the first violation. */
export async function storeKillLoop(root: string, options: StoreKillLoopOptions): Promise<StoreKillLoopResult> {
  const rng = new Rng(`${options.seed}/store-kills`);
  const history = new StoreHistory(() => performance.now());
  const storeOptions = storeOptionsFor(options.variant === 'memory' ? 'memory' : 'lmdb', root);
  const plugin = storePlugin(storeOptions);
  const judge = new StoreJudge(history, plugin.durableCommit);
  const env = { fs: new NodeFileSystem(root), clock: new RealClock(), dir: STORE_DIR };
  const result: StoreKillLoopResult = {
    kills: 0,
    killedBeforeReady: 0,
    transactions: 0,
    committed: 0,
    acknowledged: 0,
    aborted: 0,
    atStake: 0,
    checkpoints: 0,
    recoveredKeys: 0,
    history,
  };
  const finish = (violation?: StoreViolation): StoreKillLoopResult => {
    const txns = history.transactions();
    result.transactions = txns.length;
    result.committed = txns.filter((t) => t.outcome === 'resolved' && t.fnRejected === undefined).length;
    result.acknowledged = acknowledgedTransactions(history.calls, plugin.durableCommit).length;
    result.aborted = txns.filter(isAborted).length;
    result.checkpoints = history.calls.filter((c) => c.kind === 'checkpoint' && c.outcome === 'resolved').length;
    if (violation !== undefined) result.violation = violation;
    return result;
  };
  let digest = entriesDigest([]);
  for (let epoch = 0; epoch < options.kills; epoch++) {
    const { beforeReady } = await runChild(root, epoch, options, history, rng, digest);
    result.kills++;
    if (beforeReady) result.killedBeforeReady++;
    const resolvedAbort = judge.afterWorkload(epoch);
    if (resolvedAbort !== undefined) return finish(resolvedAbort);
    const open = history.open(epoch + 1);
    const opened = await history.track(open, () => plugin.openStore(env));
    if (!opened.ok) {
      const refused = judge.afterOpenRejected(epoch + 1, open.error ?? { message: 'open rejected' }, undefined);
      if (refused !== undefined) return finish(refused);
      throw new Error('a refused open must be a violation here');
    }
    const store = opened.value;
    const state = await store.entries();
    await history.track(history.close(epoch + 1), () => store.close());
    const verdict = judge.afterOpen(epoch + 1, state, { durabilityRequired: true, openCall: open });
    result.atStake += verdict.stats.atStake;
    result.recoveredKeys = state.length;
    digest = entriesDigest(state);
    if (verdict.violation !== undefined) return finish(verdict.violation);
  }
  return finish();
}
