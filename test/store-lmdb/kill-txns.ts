/** The transactions of the LMDB SIGKILL test: transaction `lsn`'s writes, the same in the child and the parent's model. */
import type { StateWrite } from '../../src/store/state-store.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Three writes per transaction, so a half-applied one shows: a slot, a log key, and a delete or an astral key. */
export function killTxnWrites(lsn: number): StateWrite[] {
  return [
    { key: `slot-${lsn % 37}`, value: enc(`lsn ${lsn}`) },
    { key: `log-${lsn}`, value: new Uint8Array(lsn % 300).fill(lsn & 0xff) },
    lsn % 5 === 0 ? { key: `log-${lsn - 3}`, value: undefined } : { key: `\u{1f600}-${lsn % 7}`, value: enc(String(lsn)) },
  ];
}

/** The state after transactions 1..upTo, sorted by key. */
export function killModel(upTo: number): Array<[string, Uint8Array]> {
  const model = new Map<string, Uint8Array>();
  for (let lsn = 1; lsn <= upTo; lsn++)
    for (const { key, value } of killTxnWrites(lsn)) {
      if (value === undefined) model.delete(key);
      else model.set(key, value);
    }
  return [...model.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
