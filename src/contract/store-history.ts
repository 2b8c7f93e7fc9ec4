/**
 * A store's history: what each client's transactions read and wrote, when
 * they began and how they settled, and the syncs, checkpoints, opens and
 * closes around them. The recording (ticks, settlements, frozen epochs after
 * a power cut) is the log history's (CallRecorder); only the kinds of call
 * differ. Values are self-identifying (store-values.ts).
 */
import { CallRecorder } from './history.js';
import type { CheckpointCall, StoreCall, StoreCloseCall, StoreOpenCall, StoreSyncCall, TxnCall, TxnEvent } from './store-types.js';
import { describeValue } from './store-values.js';

export class StoreHistory extends CallRecorder<StoreCall> {
  transaction(epoch: number, client: number, label: string, abortPlanned: boolean): TxnCall {
    return this.begin<TxnCall>({ kind: 'transaction', epoch, client, label, events: [], attempts: 0, abortPlanned });
  }
  sync(epoch: number, client: number): StoreSyncCall {
    return this.begin<StoreSyncCall>({ kind: 'sync', epoch, client });
  }
  checkpoint(epoch: number, client: number): CheckpointCall {
    return this.begin<CheckpointCall>({ kind: 'checkpoint', epoch, client });
  }
  open(epoch: number): StoreOpenCall {
    return this.begin<StoreOpenCall>({ kind: 'open', epoch, client: -1 });
  }
  close(epoch: number): StoreCloseCall {
    return this.begin<StoreCloseCall>({ kind: 'close', epoch, client: -1 });
  }

  /** Notes one step of a transaction's fn; ignored once its epoch froze (the process died). */
  note(call: TxnCall, event: TxnEvent): void {
    if (!this.isFrozen(call.epoch)) call.events.push(event);
  }

  transactions(epoch?: number): TxnCall[] {
    return this.calls.filter((c): c is TxnCall => c.kind === 'transaction' && (epoch === undefined || c.epoch === epoch));
  }
}

/** The history as JSON-able data: each value becomes the label of its write and its length. */
export function storeHistoryToJson(calls: readonly StoreCall[]): Record<string, unknown>[] {
  return calls.map((c) => {
    if (c.kind !== 'transaction') return { ...c };
    return {
      ...c,
      events: c.events.map((e) => (e.op === 'delete' ? e : { ...e, value: e.value === null ? null : describeValue(e.value) })),
    };
  });
}
