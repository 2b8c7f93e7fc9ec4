/**
 * One client of a store workload: runs its operations against a live store
 * one after the other and records every call in the store history, and for
 * each transaction every read (with what it returned) and every write (with
 * its self-identifying value). The store workload's counterpart of
 * runClient (client.ts); what differs between runners comes in through the
 * context.
 */
import type { Store } from '../ports.js';
import { errorSummary } from './history.js';
import type { StoreHistory } from './store-history.js';
import type { StoreClientOp, TxnCall, TxnStep } from './store-types.js';
import { storeValue } from './store-values.js';
import { storeKey } from './store-workload.js';

export interface StoreClientContext {
  history: StoreHistory;
  epoch: number;
  client: number;
  store: Store;
  /** Think time: virtual milliseconds on the simulator's clock, or a short real wait. */
  sleep(ms: number): Promise<void>;
}

/** The error a planned abort throws from fn (the store must reject transaction() and apply nothing). */
export class WorkloadAbort extends Error {
  constructor(label: string) {
    super(`the workload aborts ${label}`);
    this.name = 'WorkloadAbort';
  }
}

/** The fn given to store.transaction: the steps, noted in the history as they happen. */
function transactionBody(
  steps: readonly TxnStep[],
  call: TxnCall,
  ctx: StoreClientContext,
): (tx: Parameters<Parameters<Store['transaction']>[0]>[0]) => Promise<void> {
  const { history } = ctx;
  return async (tx) => {
    // A store may run fn again (a retry): the last attempt is the one that counts.
    if (!history.isFrozen(call.epoch)) {
      call.attempts++;
      call.events = [];
      delete call.fnRejected;
    }
    let writes = 0;
    try {
      for (const step of steps) {
        if (step.op === 'sleep') {
          await ctx.sleep(step.ms);
          continue;
        }
        const key = storeKey(step.key);
        if (step.op === 'get') {
          const got = await tx.get(key);
          history.note(call, { op: 'get', key, value: got === undefined ? null : Uint8Array.from(got) });
        } else if (step.op === 'put') {
          const value = storeValue(call.id, writes++, step.size);
          // Noted first: a put the store refuses (ETXNENDED after a timeout) still tells what fn tried.
          history.note(call, { op: 'put', key, value });
          tx.put(key, Uint8Array.from(value));
        } else {
          history.note(call, { op: 'delete', key });
          tx.delete(key);
        }
      }
      if (call.abortPlanned) throw new WorkloadAbort(call.label);
    } catch (err) {
      if (!history.isFrozen(call.epoch)) call.fnRejected = errorSummary(err);
      throw err;
    }
  };
}

/** Runs the operations in order; stops early when the history froze the epoch (its process died). */
export async function runStoreClient(ops: readonly StoreClientOp[], ctx: StoreClientContext): Promise<void> {
  const { history, epoch, client, store } = ctx;
  let seq = 0;
  for (const op of ops) {
    if (history.isFrozen(epoch)) return;
    if (op.op === 'txn') {
      const call = history.transaction(epoch, client, `e${epoch}.c${client}.t${seq++}`, op.abort === true);
      await history.track(call, () => store.transaction(transactionBody(op.steps, call, ctx)));
    } else if (op.op === 'sync') {
      await history.track(history.sync(epoch, client), () => store.sync());
    } else if (op.op === 'checkpoint') {
      const checkpoint = store.checkpoint;
      if (checkpoint === undefined) continue;
      await history.track(history.checkpoint(epoch, client), () => checkpoint.call(store));
    } else {
      await ctx.sleep(op.ms);
    }
  }
}
