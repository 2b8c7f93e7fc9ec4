/**
 * The in-memory state store (the Store's default): an ordered map from key to
 * value in a B+ tree (sorted-btree), plus the LSN of the last transaction
 * applied. It does not survive a restart by itself: the Store checkpoints it
 * to a snapshot file (snapshot-format.ts) and replays the log after it.
 *
 * A snapshot is the tree's clone(): O(1), copy-on-write. The clone and the
 * live tree share every node; the first apply after it copies only the nodes
 * on the paths it changes, so a checkpoint that is writing a snapshot never
 * pauses applies and never sees them.
 */
import BTreeModule from 'sorted-btree';
import { WalError } from '../errors.js';
import { assert } from '../assert.js';
import type { StateSnapshot, StateStore, StateWrite } from './state-store.js';

// sorted-btree is CommonJS with `exports.default = BTree`: plain Node hands ESM the exports object,
// while a bundler's interop (vitest, esbuild) may already unwrap the default. Accept either.
const btreeExport: unknown = BTreeModule;
const BTree = (typeof btreeExport === 'function' ? btreeExport : BTreeModule.default) as typeof BTreeModule.default;
type Tree = InstanceType<typeof BTree<string, Uint8Array>>;

/** JS string order (UTF-16 code units), the order of Array.prototype.sort and of entries(). */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A lone surrogate has no UTF-8 form: such a key could not be snapshotted or stored in LMDB unchanged. */
const LONE_SURROGATE = /\p{Cs}/u;

/** A StateSnapshot that also knows its number of entries (the snapshot encoder writes it in the header). */
export interface SizedStateSnapshot extends StateSnapshot {
  readonly size: number;
}

/** What a snapshot file decodes to (snapshot-format.ts): entries sorted by key, and the LSN they include. */
export interface LoadedState {
  readonly appliedLsn: number;
  readonly entries: Iterable<readonly [string, Uint8Array]>;
}

/**
 * Checks one transaction's arguments before anything is applied, so that
 * apply is all or nothing: after this, applying the writes cannot fail.
 * Shared by the state stores (the LMDB one adds its key size limit).
 */
export function validateApply(lsn: unknown, writes: unknown): asserts writes is readonly StateWrite[] {
  if (typeof lsn !== 'number' || !Number.isSafeInteger(lsn) || lsn < 1)
    throw new WalError('EINVAL', `apply: the LSN must be a positive safe integer, got ${String(lsn)}`, { details: { lsn } });
  if (!Array.isArray(writes)) throw new WalError('EINVAL', 'apply: writes must be an array', { details: { lsn } });
  for (let i = 0; i < writes.length; i++) {
    const write: unknown = writes[i];
    if (typeof write !== 'object' || write === null)
      throw new WalError('EINVAL', `apply: write #${i} is not an object`, { details: { lsn, index: i } });
    const { key, value } = write as { key?: unknown; value?: unknown };
    if (typeof key !== 'string') throw new WalError('EINVAL', `apply: write #${i} has no string key`, { details: { lsn, index: i } });
    if (LONE_SURROGATE.test(key))
      throw new WalError('EINVAL', `apply: the key of write #${i} is not well-formed UTF-16 (a lone surrogate)`, {
        details: { lsn, index: i },
      });
    if (value !== undefined && !(value instanceof Uint8Array))
      throw new WalError('EINVAL', `apply: the value of write #${i} is neither a Uint8Array nor undefined`, {
        details: { lsn, index: i, key },
      });
  }
}

export class MemoryStateStore implements StateStore {
  readonly kind = 'memory';
  readonly persistent = false;
  #tree: Tree;
  #appliedLsn: number;
  #closed = false;

  /** An empty state (appliedLsn 0), or the state a snapshot file decoded to. */
  constructor(loaded?: LoadedState) {
    this.#tree = new BTree<string, Uint8Array>(undefined, compareKeys);
    this.#appliedLsn = 0;
    if (loaded === undefined) return;
    const { appliedLsn } = loaded;
    if (!Number.isSafeInteger(appliedLsn) || appliedLsn < 0)
      throw new WalError('EINVAL', `a loaded state's appliedLsn must be a safe integer >= 0, got ${String(appliedLsn)}`, {
        details: { appliedLsn },
      });
    let previous: string | undefined;
    for (const [key, value] of loaded.entries) {
      if (typeof key !== 'string' || !(value instanceof Uint8Array))
        throw new WalError('EINVAL', 'a loaded state entry must be [string, Uint8Array]', { details: { key } });
      if (previous !== undefined && !(previous < key))
        throw new WalError('EINVAL', 'a loaded state must have strictly increasing keys', { details: { previous, key } });
      this.#tree.set(key, value);
      previous = key;
    }
    this.#appliedLsn = appliedLsn;
  }

  /** The state a decoded snapshot file holds (see decodeSnapshot in snapshot-format.ts). */
  static fromSnapshot(loaded: LoadedState): MemoryStateStore {
    return new MemoryStateStore(loaded);
  }

  get appliedLsn(): number {
    return this.#appliedLsn;
  }

  /** The number of keys. */
  get size(): number {
    return this.#tree.size;
  }

  /** The stored bytes (not a copy): callers must not modify them. */
  get(key: string): Uint8Array | undefined {
    this.#refuseClosed('get');
    return this.#tree.get(key);
  }

  async apply(lsn: number, writes: readonly StateWrite[]): Promise<void> {
    this.#refuseClosed('apply');
    validateApply(lsn, writes);
    if (lsn <= this.#appliedLsn) return;
    // Validated above: nothing below can throw, so the transaction is applied whole.
    // Values are copied: the caller may reuse its buffers.
    for (const { key, value } of writes) {
      if (value === undefined) this.#tree.delete(key);
      else this.#tree.set(key, value.slice());
    }
    this.#appliedLsn = lsn;
  }

  /** Every entry, sorted by key (the values are the stored bytes, not copies). */
  entries(): Array<[string, Uint8Array]> {
    this.#refuseClosed('entries');
    return this.#tree.toArray();
  }

  /** An O(1) copy-on-write view: applies after it go on and are not seen by it. */
  snapshot(): SizedStateSnapshot {
    this.#refuseClosed('snapshot');
    const clone = this.#tree.clone();
    clone.freeze();
    return new TreeSnapshot(clone, this.#appliedLsn);
  }

  async flush(): Promise<void> {
    this.#refuseClosed('flush');
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #refuseClosed(call: string): void {
    if (this.#closed) throw new WalError('ECLOSED', `${call}: the memory state store is closed`);
  }
}

class TreeSnapshot implements SizedStateSnapshot {
  readonly appliedLsn: number;
  readonly size: number;
  #tree: Tree | undefined;

  constructor(tree: Tree, appliedLsn: number) {
    this.#tree = tree;
    this.appliedLsn = appliedLsn;
    this.size = tree.size;
  }

  entries(): Iterable<[string, Uint8Array]> {
    const tree = this.#tree;
    if (tree === undefined) throw new WalError('ECLOSED', 'this state snapshot was released');
    return walk(tree, this.size);
  }

  /** Drops the view's hold on the shared nodes; releasing twice does nothing more. */
  release(): void {
    this.#tree = undefined;
  }
}

function* walk(tree: Tree, size: number): Generator<[string, Uint8Array]> {
  let count = 0;
  for (const entry of tree.entries()) {
    count++;
    yield entry;
  }
  assert(count === size, 'a frozen snapshot tree keeps its size', { count, size });
}
