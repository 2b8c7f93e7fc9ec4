/**
 * The state store behind a Store (roadmap Phase 2): where the committed state
 * of a transactional store lives between checkpoints. The Store (src/store/store.ts)
 * decides what is committed; a state store only holds the result and the LSN
 * of the last transaction applied to it.
 *
 * Two implementations: an in-memory ordered map (memory-state.ts, the default,
 * which the Store checkpoints to a snapshot file) and LMDB (lmdb-state.ts, which
 * persists itself; a checkpoint is an LMDB sync).
 */

/** One write of a committed transaction: a value, or undefined for a delete. */
export interface StateWrite {
  readonly key: string;
  readonly value: Uint8Array | undefined;
}

/** A read-only view of the state at one moment; later applies do not change it. */
export interface StateSnapshot {
  /** The LSN of the last transaction the view includes (0: none). */
  readonly appliedLsn: number;
  /** The view's entries, sorted by key (UTF-16 code unit order, as Array.prototype.sort). */
  entries(): Iterable<[string, Uint8Array]>;
  /** Frees what the view holds; using it afterwards is an error. */
  release(): void;
}

export interface StateStore {
  /** 'memory' or 'lmdb'. */
  readonly kind: string;
  /** The LSN of the last transaction applied (0: none). */
  readonly appliedLsn: number;
  /** Whether the state survives a restart by itself (LMDB) or needs a snapshot file (memory). */
  readonly persistent: boolean;
  /** The longest key, in UTF-8 bytes, it takes whatever the key (undefined: no limit of its own); the Store's maxKeyBytes may not exceed it. */
  readonly maxKeyUtf8Bytes?: number;
  get(key: string): Uint8Array | undefined;
  /**
   * Applies one committed transaction's writes and records lsn as the last
   * applied, atomically. A transaction with lsn <= appliedLsn was applied
   * before and is skipped (replay after a crash is idempotent). lsn must be
   * a safe integer. Applies are issued without waiting for the one before to
   * complete (so one group commit's applies can share a write): a state store
   * applies them in call order.
   */
  apply(lsn: number, writes: readonly StateWrite[]): Promise<void>;
  /** The whole state, sorted by key. */
  entries(): Array<[string, Uint8Array]>;
  /** A consistent view for a checkpoint, taken without pausing applies. */
  snapshot(): StateSnapshot;
  /** Makes everything applied so far durable (LMDB: an environment sync; memory: nothing to do). */
  flush(): Promise<void>;
  close(): Promise<void>;
}
