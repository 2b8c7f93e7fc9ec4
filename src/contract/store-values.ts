/**
 * Self-identifying store values: every put of a run writes a value no other
 * put writes, naming its transaction (the history call's run-wide id) and
 * the write's index in that transaction, so a recovered state and every read
 * tell exactly which write they show. Layout: the ASCII text
 * `fl<id>.<index>;` then filler bytes derived from both, to the requested size.
 */
import { WalError } from '../errors.js';

const PREFIX = 'fl';

/** Which write a value is: the transaction's call id and the write's index in it. */
export interface WriteId {
  txn: number;
  write: number;
}

/** The value of write `write` of transaction `txn`, of `size` bytes or the shortest length that holds its name. */
export function storeValue(txn: number, write: number, size: number): Uint8Array {
  if (!Number.isSafeInteger(txn) || txn < 0 || !Number.isSafeInteger(write) || write < 0)
    throw new WalError('EINVAL', `a store value needs a transaction id and write index >= 0, got ${txn}, ${write}`);
  const head = new TextEncoder().encode(`${PREFIX}${txn}.${write};`);
  const out = new Uint8Array(Math.max(head.length, size));
  out.set(head, 0);
  let x = (txn * 0x9e3779b1 + write * 0x85ebca6b) ^ 0x27d4eb2f || 1;
  for (let i = head.length; i < out.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = 0x61 + ((x >>> 0) % 26);
  }
  return out;
}

/** The write a value names, when it has the layout (its bytes may still differ: compare with the write). */
export function parseStoreValue(value: Uint8Array): WriteId | undefined {
  const end = value.indexOf(0x3b); // ';'
  if (end < 0 || end > 40) return undefined;
  const m = /^fl(\d+)\.(\d+)$/.exec(new TextDecoder().decode(value.subarray(0, end)));
  if (m === null) return undefined;
  return { txn: Number(m[1]), write: Number(m[2]) };
}

/** A short name for a value in reports: `fl12.0(40B)`, or `?(7B)` for bytes of no layout. */
export function describeValue(value: Uint8Array): string {
  const id = parseStoreValue(value);
  return id === undefined ? `?(${value.length}B)` : `fl${id.txn}.${id.write}(${value.length}B)`;
}

export function sameValue(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
