/**
 * The store workloads and the store judge on a real disk: the epochs of
 * generateStoreScenario run against a StorePlugin on NodeFileSystem in a
 * temporary folder, with RealClock, optionally through FaultyFileSystem
 * (ENOSPC after a partial write and EIO on fsync while clients run; EIO on
 * read while the store opens). No power is cut (user space cannot): every
 * epoch ends with a clean close, then the store is reopened, its entries()
 * read and judged by the store judge of simulated runs
 * (src/contract/store-judge.ts); the clients are the simulator's
 * (runStoreClient). Think time is cut to 5 real ms, except sleeps drawn past
 * the store's transaction timeout, which are slept in full so the timeout
 * fires on the real clock.
 */
import { present } from '../../src/assert.js';
import { FaultyFileSystem, type RealFaultKind } from '../../src/real/faulty-file-system.js';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import type { Store, StorePlugin } from '../../src/ports.js';
import { StoreHistory } from '../../src/contract/store-history.js';
import { StoreJudge } from '../../src/contract/store-judge.js';
import { runStoreClient } from '../../src/contract/store-client.js';
import { acknowledgedTransactions, isAborted } from '../../src/contract/store-checker.js';
import { generateStoreScenario } from '../../src/contract/store-workload.js';
import { withoutPowerCuts } from '../../src/contract/workload.js';
import type { StoreViolation, StoreWorkloadOptions } from '../../src/contract/store-types.js';

export interface StoreRealRunOptions {
  seed: number;
  root: string;
  faults: readonly RealFaultKind[];
  /** Probability per eligible call of each fault kind (default 0.02; reads while opening get twice that). */
  probability?: number;
  workload?: StoreWorkloadOptions;
}

export interface StoreRealRunResult {
  violation?: StoreViolation;
  epochs: number;
  transactions: number;
  acknowledged: number;
  aborted: number;
  /** Transactions rejected with ETIMEDOUT (the store's timeout, on the real clock). */
  timedOut: number;
  checkpoints: number;
  injected: number;
}

const OPEN_ATTEMPTS = 3;
const clock = new RealClock();

export async function runStoreOnRealDisk(plugin: StorePlugin, options: StoreRealRunOptions): Promise<StoreRealRunResult> {
  const p = options.probability ?? 0.02;
  const fs = new FaultyFileSystem(new NodeFileSystem(options.root), {
    seed: options.seed,
    probabilities: Object.fromEntries(options.faults.map((k) => [k, k === 'read-error' ? Math.min(1, 2 * p) : p])),
    armed: false,
  });
  const whileOpening = options.faults.filter((k) => k === 'read-error');
  const whileRunning = options.faults.filter((k) => k !== 'read-error');
  const scenario = withoutPowerCuts(generateStoreScenario(options.seed, options.workload));
  const timeoutMs = options.workload?.transactionTimeoutMs ?? 0;
  const sleep = (ms: number): Promise<void> => clock.sleep(timeoutMs > 0 && ms > timeoutMs ? ms : Math.min(ms, 5));
  const history = new StoreHistory(() => clock.now());
  const judge = new StoreJudge(history, plugin.durableCommit);
  let epochs = 0;
  const finish = (violation?: StoreViolation): StoreRealRunResult => {
    const txns = history.transactions();
    const out: StoreRealRunResult = {
      epochs,
      transactions: txns.length,
      acknowledged: acknowledgedTransactions(history.calls, plugin.durableCommit).length,
      aborted: txns.filter(isAborted).length,
      timedOut: txns.filter((t) => t.error?.code === 'ETIMEDOUT').length,
      checkpoints: history.calls.filter((c) => c.kind === 'checkpoint' && c.outcome === 'resolved').length,
      injected: fs.injected.length,
    };
    if (violation !== undefined) out.violation = violation;
    return out;
  };

  for (let epoch = 0; epoch <= scenario.epochs.length; epoch++) {
    // Open (recover) with read errors armed; a refusal is allowed only when one fired.
    let store: Store | undefined;
    for (let attempt = 1; attempt <= OPEN_ATTEMPTS && store === undefined; attempt++) {
      const before = fs.injected.length;
      if (attempt < OPEN_ATTEMPTS) fs.arm(whileOpening); // the last attempt runs without faults
      const call = history.open(epoch);
      const opened = await history.track(call, async () => {
        const s = await plugin.openStore({ fs, clock, dir: 'store' });
        try {
          return { store: s, state: await s.entries() };
        } catch (err) {
          await s.close().catch(() => undefined);
          throw err;
        }
      });
      fs.disarm();
      if (opened.ok) {
        store = opened.value.store;
        const { violation } = judge.afterOpen(epoch, opened.value.state, { durabilityRequired: true, openCall: call });
        if (violation !== undefined) {
          await store.close();
          return finish(violation);
        }
      } else {
        const v = judge.afterOpenRejected(
          epoch,
          call.error ?? { message: 'open rejected' },
          fs.injected.length > before ? 'read-error' : undefined,
        );
        if (v !== undefined) return finish(v);
      }
    }
    if (store === undefined) {
      const refused = judge.afterOpenRejected(epoch, { message: `open refused ${OPEN_ATTEMPTS} times` }, undefined);
      return finish(present(refused, 'a refusal no fault allowed is a violation'));
    }
    const script = scenario.epochs[epoch];
    if (script === undefined) {
      await store.close();
      break;
    }

    // The epoch's clients, concurrently, with the running faults armed.
    const live = store;
    fs.arm(whileRunning);
    await Promise.all(script.clients.map((ops, client) => runStoreClient(ops, { history, epoch, client, store: live, sleep })));
    fs.disarm();
    await history.track(history.close(epoch), () => live.close());
    history.freeze(epoch);
    epochs++;
    const v = judge.afterWorkload(epoch);
    if (v !== undefined) return finish(v);
  }
  return finish();
}
