/**
 * The child of the store SIGKILL loop (store-kill-loop.ts), run as
 *   node store-crash-child.mjs <root> <epoch> <clients> <seed> <firstCallId> <variant>
 * It opens the built-in store in <root>/store (NodeFileSystem, RealClock,
 * default groupCommit), with the LMDB state store in <root>/lmdb or the
 * in-memory state, and runs <clients> concurrent clients of the store
 * workload (runStoreClient over ops drawn by storeClientOpArbitrary) until the
 * parent kills it.
 *
 * The clients record into a StoreHistory whose every call, transaction event
 * and settlement is sent to the parent as it happens, in the order it
 * happens (one IPC channel keeps that order), so the parent can rebuild the
 * same history with its own ticks. The history's call ids are the parent's:
 * it starts at <firstCallId> (the values the puts write name those ids). A
 * transaction's fn, once it settles, waits until everything it reported was
 * handed to the channel, so the parent knows every write before the store
 * can commit it.
 *
 * Variants: 'lmdb', 'memory', and 'lmdb-ack-early', a deliberately broken
 * store: transaction() resolves as soon as fn resolved, and the commit to the
 * log follows a few milliseconds later (acknowledged before durable).
 */
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import type { Store, StorePlugin, StoreTransaction } from '../../src/ports.js';
import { storePlugin } from '../../src/store/plugin.js';
import { StoreHistory } from '../../src/contract/store-history.js';
import { runStoreClient } from '../../src/contract/store-client.js';
import type { StoreCall, TxnCall, TxnEvent } from '../../src/contract/store-types.js';
import {
  ACK_EARLY_DELAY_MS,
  clientOps,
  entriesDigest,
  MAX_SLEEP_MS,
  STORE_DIR,
  STORE_VARIANTS,
  storeOptionsFor,
  toWire,
  type StoreChildMessage,
} from './store-crash-protocol.js';
import { sendToParent } from './child-ipc.js';

function send(message: StoreChildMessage): void {
  if (process.send === undefined) throw new Error('store-crash-child must run with an IPC channel');
  process.send(message);
}

/** Sends and resolves once the message (and so every one before it) was handed to the channel. */
const sendFlushed = (message: StoreChildMessage): Promise<void> => sendToParent(message);

/** A StoreHistory that reports to the parent as it records; ids start at firstId. */
class ReportingHistory extends StoreHistory {
  /** The transaction just begun: runStoreClient calls store.transaction in the same turn. */
  current: TxnCall | undefined;

  constructor(firstId: number) {
    super(() => performance.now());
    // Placeholders for the parent's calls so far: this history's ids are the parent's.
    for (let id = 0; id < firstId; id++)
      this.calls.push({ kind: 'sync', id, epoch: -1, client: -1, calledTick: 0, calledAt: 0, outcome: 'resolved' });
  }

  override transaction(epoch: number, client: number, label: string, abortPlanned: boolean): TxnCall {
    const call = super.transaction(epoch, client, label, abortPlanned);
    send({ t: 'begin', id: call.id, kind: 'transaction', client, label, abortPlanned });
    this.current = call;
    return call;
  }
  override sync(epoch: number, client: number): ReturnType<StoreHistory['sync']> {
    const call = super.sync(epoch, client);
    send({ t: 'begin', id: call.id, kind: 'sync', client });
    return call;
  }
  override checkpoint(epoch: number, client: number): ReturnType<StoreHistory['checkpoint']> {
    const call = super.checkpoint(epoch, client);
    send({ t: 'begin', id: call.id, kind: 'checkpoint', client });
    return call;
  }
  override note(call: TxnCall, event: TxnEvent): void {
    super.note(call, event);
    send({ t: 'event', id: call.id, attempt: call.attempts, event: toWire(event) });
  }
  override resolve(call: StoreCall, lsn?: number): boolean {
    const ok = super.resolve(call, lsn);
    if (ok) send({ t: 'settle', id: call.id, outcome: 'resolved', ...txnFields(call) });
    return ok;
  }
  override reject(call: StoreCall, err: unknown): boolean {
    const ok = super.reject(call, err);
    if (ok)
      send({
        t: 'settle',
        id: call.id,
        outcome: 'rejected',
        ...(call.error === undefined ? {} : { error: call.error }),
        ...txnFields(call),
      });
    return ok;
  }

  /** fn settled: report it and wait until the parent's channel holds it all. */
  fnSettled(call: TxnCall | undefined): Promise<void> {
    if (call === undefined) return Promise.resolve();
    return sendFlushed({
      t: 'fn',
      id: call.id,
      attempts: call.attempts,
      ...(call.fnRejected === undefined ? {} : { fnRejected: call.fnRejected }),
    });
  }
}

function txnFields(call: StoreCall): { attempts?: number; fnRejected?: { code?: string; message: string } } {
  if (call.kind !== 'transaction') return {};
  return call.fnRejected === undefined ? { attempts: call.attempts } : { attempts: call.attempts, fnRejected: call.fnRejected };
}

/** The store the clients see: fn reports its end and waits for the channel before the store may commit. */
function reportingStore(store: Store, history: ReportingHistory): Store {
  const checkpoint = store.checkpoint;
  return {
    transaction<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
      const call = history.current;
      history.current = undefined;
      return store.transaction(async (tx) => {
        try {
          const result = await fn(tx);
          await history.fnSettled(call);
          return result;
        } catch (err) {
          await history.fnSettled(call);
          throw err;
        }
      });
    },
    get: (key) => store.get(key),
    entries: () => store.entries(),
    sync: () => store.sync(),
    ...(checkpoint === undefined ? {} : { checkpoint: () => checkpoint.call(store) }),
    close: () => store.close(),
  };
}

/** The broken store: transaction() resolves when fn resolved; the real commit follows ACK_EARLY_DELAY_MS later. */
function ackEarly(store: Store): Store {
  return {
    transaction<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        store
          .transaction(async (tx) => {
            const result = await fn(tx);
            resolve(result);
            await new Promise((r) => setTimeout(r, ACK_EARLY_DELAY_MS));
            return result;
          })
          .catch(reject);
      });
    },
    get: (key) => store.get(key),
    entries: () => store.entries(),
    sync: () => store.sync(),
    checkpoint: async () => store.checkpoint?.(),
    close: () => store.close(),
  };
}

async function main(): Promise<void> {
  const [root, epochText, clientsText, seed, firstIdText, variantText] = process.argv.slice(2);
  const epoch = Number(epochText);
  const clients = Number(clientsText);
  const firstId = Number(firstIdText);
  const variant = STORE_VARIANTS.find((v) => v === variantText);
  if (
    root === undefined ||
    seed === undefined ||
    variant === undefined ||
    !Number.isSafeInteger(epoch) ||
    epoch < 0 ||
    !Number.isSafeInteger(clients) ||
    clients < 1 ||
    clients > 64 ||
    !Number.isSafeInteger(firstId) ||
    firstId < 0
  ) {
    throw new Error(`usage: store-crash-child <root> <epoch> <clients 1..64> <seed> <firstCallId> <${STORE_VARIANTS.join('|')}>`);
  }
  // The operations are drawn before the store opens, so a kill after 'ready' lands among transactions.
  const ops = Array.from({ length: clients }, (_, client) => clientOps(seed, epoch, client));
  const plugin: StorePlugin = storePlugin(storeOptionsFor(variant, root));
  const opened = await plugin.openStore({ fs: new NodeFileSystem(root), clock: new RealClock(), dir: STORE_DIR });
  const entries = await opened.entries();
  await sendFlushed({ t: 'ready', entries: entries.length, digest: entriesDigest(entries) });
  const history = new ReportingHistory(firstId);
  const store = reportingStore(variant === 'lmdb-ack-early' ? ackEarly(opened) : opened, history);
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.min(ms, MAX_SLEEP_MS)));
  await Promise.all(ops.map((list, client) => runStoreClient(list, { history, epoch, client, store, sleep })));
  send({ t: 'done' });
  // Stay alive until the parent kills: a clean exit is not what this test is about.
  setInterval(() => undefined, 60_000);
}

main().catch(async (err: unknown) => {
  await sendFlushed({ t: 'fail', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }).catch(() => undefined);
  process.exitCode = 1;
  process.disconnect?.();
});
