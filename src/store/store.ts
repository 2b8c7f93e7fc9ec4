/**
 * The Store: a transactional key-value store over faultline's log, a Store of
 * the contract's section 5 (docs/store.md).
 *
 * Isolation: optimistic, validated at one serialization point. A transaction
 * runs fn against the committed state plus its own buffered writes, noting
 * for each key it read the commit sequence number its read saw. When fn
 * resolves, the commit is decided synchronously (one JavaScript turn, so it
 * is a single writer lane that nothing can hold): if a commit sequenced after
 * one of its reads wrote that key, the read is stale and the transaction is
 * refused with ECONFLICT; otherwise it takes the next sequence number, and its
 * writes go to the log as one transaction (appendTransaction) in the same
 * turn, so log order is sequence order. Commits share the log's group commit:
 * many concurrent commits, one fdatasync. A commit is applied to the state in
 * sequence order once the log resolved it, and transaction() resolves after
 * that, so a transaction that begins after another resolved sees it. The
 * serial order is the sequence order; it respects real time, and every
 * committed transaction's reads are those of that order (strict
 * serializability).
 *
 * A transaction that fn rejects, that conflicts or that times out writes
 * nothing anywhere: the log is redo-only. A commit the log fails (EIO,
 * ENOSPC, EFAILSTOP) rejects with that error; a state store that fails to
 * apply a commit the log holds stops the store (EFAILSTOP): reopening
 * replays the log.
 */
import { assert } from '../assert.js';
import { errorCode, WalError } from '../errors.js';
import { backup as backupLog, copyFile, requireEmptyDir, type BackupManifest } from '../engine/backup.js';
import type { Clock, FileSystem, Store, StoreTransaction, WalEnv } from '../ports.js';
import { checkEnv, Wal, type WalStats } from '../engine/wal.js';
import { FlushTimings, type FlushDurations } from '../engine/flush-timings.js';
import { ensureDirectory, joinPath } from '../engine/segments.js';
import type { RecoveryReport } from '../engine/recovery.js';
import { MemoryStateStore } from './memory-state.js';
import { resolveStoreOptions, type ResolvedStoreOptions, type StoreOptions } from './options.js';
import { readSnapshotFile, removeTempSnapshot, SNAPSHOT_NAME, writeSnapshotFile } from './snapshot-file.js';
import type { StateStore, StateWrite } from './state-store.js';
import { Transaction, type TransactionHost } from './transaction.js';
import { decodeWrite, encodeWrite } from './write-record.js';

export interface TransactionOptions {
  /** This transaction's timeout in ms (default: the store's transactionTimeoutMs). */
  timeoutMs?: number;
}

export interface StoreStats {
  /** Transactions committed with writes (their commit resolved). */
  commits: number;
  /** Transactions committed without writes (nothing logged). */
  readOnlyCommits: number;
  /** Transactions whose fn rejected. */
  aborts: number;
  conflicts: number;
  timeouts: number;
  /** Commits the log or the state refused (EIO, ENOSPC, EFAILSTOP, ECLOSED, ...). */
  failures: number;
  /** Transactions whose fn is running. */
  activeTransactions: number;
  /** Commits sequenced and not yet resolved. */
  commitsInFlight: number;
  checkpoints: number;
  checkpointErrors: number;
  /** The LSN the last checkpoint covered (0: none yet). */
  lastCheckpointLsn: number;
  /** The LSN of the last transaction applied to the state. */
  appliedLsn: number;
  state: 'open' | 'failed' | 'closed';
  /** How long transactions took from transaction() to its settling, on the injected clock (every outcome), as histogram buckets. */
  transactionDurations: FlushDurations;
  wal: WalStats;
}

/** What opening found: the log's recovery, the snapshot, and what was replayed on top of it. */
export interface StoreOpenReport {
  wal: RecoveryReport;
  /** 'none': no snapshot; 'loaded'; 'rebuilt': the snapshot was damaged or another store's, and the whole log was replayed instead. */
  snapshot: 'none' | 'loaded' | 'rebuilt' | 'persistent';
  /** The LSN the state held before replay. */
  stateLsn: number;
  /** Committed transactions replayed from the log onto the state. */
  replayed: number;
}

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** The longest single sleep of the timeout watchdog. */
const WATCHDOG_SLICE_MS = 1000;

/** The log's directory inside a store's directory. */
export const STORE_WAL_DIR = 'wal';

/** Opens (and recovers) the store in env.dir, creating it when absent. */
export async function openStore(env: WalEnv, options?: StoreOptions): Promise<TransactionalStore> {
  return TransactionalStore.open(env, options);
}

interface Settle {
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

export class TransactionalStore implements Store, TransactionHost {
  private readonly active = new Set<Transaction>();
  private readonly settles = new Map<Transaction, Settle>();
  /** key -> the sequence number of the last sequenced commit that wrote it; insertion order is sequence order. */
  private readonly lastWrite = new Map<string, number>();
  private sequenced = 0;
  private visible = 0;
  private nextTxnId = 1;
  /**
   * Applies in sequence order: each commit's apply is issued once the one
   * before was issued (so a state store like LMDB can group the applies of
   * one group commit into one write), and its result made visible once the
   * one before completed.
   */
  private issueTail: Promise<void> = Promise.resolve();
  private doneTail: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private status: 'open' | 'closing' | 'failed' | 'closed' = 'open';
  private failure: WalError | undefined;
  private watchdogUntil: number | undefined;
  private checkpointTail: Promise<void> = Promise.resolve();
  private checkpointRunning = false;
  private readonly durations = new FlushTimings();
  private bytesAtCheckpoint = 0;
  private readonly counters = {
    commits: 0,
    readOnlyCommits: 0,
    aborts: 0,
    conflicts: 0,
    timeouts: 0,
    failures: 0,
    checkpoints: 0,
    checkpointErrors: 0,
    lastCheckpointLsn: 0,
  };

  private constructor(
    private readonly fs: FileSystem,
    private readonly clock: Clock,
    private readonly dir: string,
    private readonly wal: Wal,
    private readonly stateStore: StateStore,
    private readonly options: ResolvedStoreOptions,
    private readonly storeIdBytes: Uint8Array,
    readonly report: StoreOpenReport,
  ) {
    this.counters.lastCheckpointLsn = stateStore.persistent ? 0 : report.stateLsn;
  }

  static async open(env: WalEnv, options?: StoreOptions): Promise<TransactionalStore> {
    checkEnv(env, 'openStore');
    const opts = resolveStoreOptions(options);
    const kind = opts.walResolved.durability.kind;
    if (opts.state !== undefined && kind !== 'everyWrite' && kind !== 'groupCommit') {
      throw new WalError(
        'EINVAL',
        `invalid store option: a persistent state store needs durability everyWrite or groupCommit (it must never hold a commit the log could lose), got ${kind}`,
      );
    }
    await ensureDirectory(env.fs, env.dir); // created durably: each new directory's parent is synced
    const wal = await Wal.open({ fs: env.fs, clock: env.clock, dir: joinPath(env.dir, STORE_WAL_DIR) }, opts.wal);
    let state: StateStore | undefined;
    try {
      const storeId = wal.logId;
      const idBytes = hexBytes(storeId);
      let snapshot: StoreOpenReport['snapshot'];
      if (opts.state !== undefined) {
        state = await opts.state({ storeId });
        snapshot = 'persistent';
        const limit = state.maxKeyUtf8Bytes;
        if (limit !== undefined && opts.maxKeyBytes > limit) {
          throw new WalError(
            'EINVAL',
            `invalid store option: maxKeyBytes ${opts.maxKeyBytes} is above what the ${state.kind} state store takes (${limit})`,
          );
        }
      } else {
        ({ state, snapshot } = await loadMemoryState(env.fs, env.dir, wal, opts, idBytes));
      }
      const stateLsn = state.appliedLsn;
      checkStateAgainstLog(wal, stateLsn);
      let replayed = 0;
      for (const t of wal.recoveredTransactions) {
        if (t.lsn <= stateLsn) continue;
        await state.apply(
          t.lsn,
          t.records.map((r) => decodeWrite(r.data, r.lsn)),
        );
        replayed += 1;
      }
      const report: StoreOpenReport = { wal: wal.report, snapshot, stateLsn, replayed };
      opts.logger.info({ dir: env.dir, snapshot, stateLsn, replayed, appliedLsn: state.appliedLsn }, 'store opened');
      return new TransactionalStore(env.fs, env.clock, env.dir, wal, state, opts, idBytes, report);
    } catch (err) {
      await state?.close().catch(() => undefined); // the open error is the one reported
      await wal.close().catch(() => undefined);
      throw err;
    }
  }

  // --- TransactionHost

  get maxKeyBytes(): number {
    return this.options.maxKeyBytes;
  }
  get maxValueBytes(): number {
    return this.options.maxValueBytes;
  }
  get visibleSeq(): number {
    return this.visible;
  }
  readCommitted(key: string): Uint8Array | undefined {
    return this.stateStore.get(key);
  }

  // --- Store

  transaction<T>(fn: (tx: StoreTransaction) => Promise<T>, options?: TransactionOptions): Promise<T> {
    const refused = this.refusal();
    if (refused !== undefined) return Promise.reject(refused);
    if (typeof fn !== 'function') return Promise.reject(new WalError('EINVAL', 'transaction takes a function'));
    let timeoutMs = this.options.transactionTimeoutMs;
    if (options?.timeoutMs !== undefined) {
      const t = options.timeoutMs;
      if (typeof t !== 'number' || !Number.isSafeInteger(t) || t < 1) {
        return Promise.reject(new WalError('EINVAL', `timeoutMs must be a positive integer, got ${String(t)}`));
      }
      timeoutMs = t;
    }
    const began = this.clock.now();
    const tx = new Transaction(this, this.nextTxnId++, began + timeoutMs, this.visible);
    this.active.add(tx);
    const done = new Promise<T>((resolve, reject) => {
      this.settles.set(tx, {
        resolve: (v: unknown) => {
          this.durations.observe(this.clock.now() - began, true);
          resolve(v as T);
        },
        reject: (err: unknown) => {
          this.durations.observe(this.clock.now() - began, false);
          reject(err);
        },
      });
    });
    this.armWatchdog(tx.deadline);
    Promise.resolve()
      .then(() => fn(tx))
      .then(
        (value) => this.commit(tx, value),
        (err: unknown) => this.abort(tx, err),
      );
    return done;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const refused = this.refusal();
    if (refused !== undefined) throw refused;
    if (typeof key !== 'string') throw new WalError('EINVAL', 'a key must be a string');
    return this.stateStore.get(key)?.slice();
  }

  async entries(): Promise<Array<[string, Uint8Array]>> {
    const refused = this.refusal();
    if (refused !== undefined) throw refused;
    return this.stateStore.entries().map(([k, v]) => [k, v.slice()]);
  }

  /** Every commit that resolved before this call is durable when it resolves. */
  async sync(): Promise<void> {
    const refused = this.refusal();
    if (refused !== undefined) throw refused;
    await this.wal.sync();
  }

  /**
   * Persists the state and releases the log prefix it covers; commits go on
   * meanwhile (the state's snapshot is copy-on-write). Memory state: the log
   * is synced (so its LSNs never fall below the snapshot's), the snapshot
   * written durably (snapshot-file.ts), then the log released below it.
   * LMDB: the log is synced, the environment flushed, then the log released.
   * Checkpoints run one at a time, in call order.
   */
  checkpoint(): Promise<void> {
    const refused = this.refusal();
    if (refused !== undefined) return Promise.reject(refused);
    const run = this.checkpointTail.then(() => this.runCheckpoint());
    this.checkpointTail = run.catch(() => undefined); // the next checkpoint runs after this one, whatever its outcome; its own caller gets the error
    return run;
  }

  /**
   * A hot backup of the store into destDir (empty or absent) while commits
   * go on: the snapshot file copied and fdatasync'd, then the log's hot
   * backup into destDir/wal (backup.ts), whose manifest is written last. It
   * runs in the checkpoint order, so no checkpoint releases the log between
   * the snapshot it copies and the log it copies. The result is a store
   * directory: openStore on it (or on a copy restored with restoreBackup
   * into wal/) recovers every transaction acknowledged before the backup
   * began. The LMDB state lives outside the store: ENOTSUP.
   */
  backup(destFs: FileSystem, destDir: string): Promise<BackupManifest> {
    const refused = this.refusal();
    if (refused !== undefined) return Promise.reject(refused);
    if (this.stateStore.persistent) {
      return Promise.reject(
        new WalError(
          'ENOTSUP',
          `backup of a store with the ${this.stateStore.kind} state: copy its environment with that store's own tools, then back up the log`,
        ),
      );
    }
    const run = this.checkpointTail.then(async () => {
      await requireEmptyDir(destFs, destDir);
      const snapshot = await this.fs.open(joinPath(this.dir, SNAPSHOT_NAME), 'r').catch((err: unknown) => {
        if (errorCode(err) === 'ENOENT') return undefined;
        throw err;
      });
      if (snapshot !== undefined) {
        try {
          await copyFile(snapshot, undefined, destFs, joinPath(destDir, SNAPSHOT_NAME));
        } finally {
          await snapshot.close();
        }
        await destFs.syncDir(destDir);
      }
      return backupLog(this.wal, destFs, joinPath(destDir, STORE_WAL_DIR));
    });
    this.checkpointTail = run.then(
      () => undefined,
      () => undefined,
    ); // a checkpoint waits for the backup, whatever its outcome; the caller gets the error
    return run;
  }

  async close(): Promise<void> {
    if (this.status === 'closed') return;
    const wasFailed = this.status === 'failed';
    this.status = 'closing';
    for (const tx of [...this.active]) this.endWith(tx, new WalError('ECLOSED', 'the store was closed while this transaction ran'));
    await this.doneTail;
    await this.checkpointTail;
    this.status = 'closed';
    let first: unknown;
    await this.wal.close().catch((err: unknown) => (first = err));
    await this.stateStore.close().catch((err: unknown) => (first ??= err));
    if (first !== undefined && !wasFailed) throw first;
  }

  stats(): StoreStats {
    const c = this.counters;
    return {
      ...c,
      activeTransactions: this.active.size,
      commitsInFlight: this.inFlight,
      appliedLsn: this.stateStore.appliedLsn,
      state: this.status === 'closing' ? 'open' : this.status,
      transactionDurations: this.durations.snapshot(),
      wal: this.wal.stats(),
    };
  }

  /** The state store's kind ('memory', 'lmdb'). */
  get stateKind(): string {
    return this.stateStore.kind;
  }

  // --- commit lane

  private refusal(): WalError | undefined {
    if (this.status === 'open') return undefined;
    if (this.status === 'failed') return this.failure;
    return new WalError('ECLOSED', 'the store is closed');
  }

  private endWith(tx: Transaction, err: unknown): void {
    tx.phase = 'ended';
    this.active.delete(tx);
    const s = this.settles.get(tx);
    this.settles.delete(tx);
    s?.reject(err);
  }

  private abort(tx: Transaction, err: unknown): void {
    if (tx.phase !== 'running') return; // timed out or closed already: its rejection was given
    this.counters.aborts += 1;
    this.endWith(tx, err);
  }

  /** fn resolved: validate, sequence, log, apply, resolve. The decision runs in one turn. */
  private commit(tx: Transaction, value: unknown): void {
    if (tx.phase !== 'running') return;
    const settle = this.settles.get(tx);
    assert(settle !== undefined, 'a running transaction can still be settled', { transaction: tx.id });
    const refused = this.refusal();
    if (refused !== undefined) return this.fail(tx, refused);
    if (this.clock.now() > tx.deadline) return this.timeOut(tx);
    for (const [key, seen] of tx.reads) {
      const written = this.lastWrite.get(key);
      if (written !== undefined && written > seen) {
        this.counters.conflicts += 1;
        return this.endWith(
          tx,
          new WalError('ECONFLICT', `transaction conflict: '${key}' was written by a commit it did not see`, {
            details: { key, transaction: tx.id },
          }),
        );
      }
    }
    tx.phase = 'committing';
    this.active.delete(tx);
    this.settles.delete(tx);
    if (tx.writes.size === 0) {
      this.counters.readOnlyCommits += 1;
      this.pruneLastWrite();
      settle.resolve(value);
      return;
    }
    const seq = ++this.sequenced;
    const records: Uint8Array[] = [];
    const writes: StateWrite[] = [];
    for (const [key, w] of tx.writes) {
      this.lastWrite.delete(key); // re-inserted last: the map stays in sequence order
      this.lastWrite.set(key, seq);
      records.push(encodeWrite(w.keyBytes, w.value));
      writes.push({ key, value: w.value });
    }
    const logged = this.wal.appendTransaction(records);
    // Handled at once: a refusal (ENOSPC, EFAILSTOP) may settle while an earlier apply still runs; it is awaited below.
    logged.catch(() => undefined);
    this.inFlight += 1;
    const previousIssued = this.issueTail;
    const previousDone = this.doneTail;
    let markIssued: () => void = () => undefined;
    this.issueTail = new Promise<void>((resolve) => (markIssued = resolve));
    const applied = (async (): Promise<void> => {
      await previousIssued;
      let lsn: number;
      try {
        lsn = await logged;
      } catch (err) {
        markIssued();
        await previousDone;
        this.visible = seq; // a commit the log refused is never applied: later reads see what came before it
        throw err;
      }
      const applying = this.stateStore.apply(lsn, writes); // issued in sequence order (state stores apply in call order)
      markIssued();
      try {
        await applying;
      } catch (err) {
        throw this.stop(err, lsn);
      }
      await previousDone;
      // Only now: a read that saw seq - 1 while the apply ran is stale if it read a key this commit wrote, and validation says so.
      this.visible = seq;
    })();
    this.doneTail = applied.catch(() => undefined); // each caller gets its own commit's error
    applied.then(
      () => {
        this.inFlight -= 1;
        this.counters.commits += 1;
        this.pruneLastWrite();
        settle.resolve(value);
        this.maybeAutoCheckpoint();
      },
      (err: unknown) => {
        this.inFlight -= 1;
        this.counters.failures += 1;
        settle.reject(err);
      },
    );
  }

  private fail(tx: Transaction, err: WalError): void {
    this.counters.failures += 1;
    this.endWith(tx, err);
  }

  private timeOut(tx: Transaction): void {
    this.counters.timeouts += 1;
    this.endWith(
      tx,
      new WalError('ETIMEDOUT', `transaction ${tx.id} was open longer than its timeout and was aborted; nothing of it is applied`, {
        details: { transaction: tx.id, deadline: tx.deadline },
      }),
    );
  }

  /** The state could not apply a commit the log holds: the store stops; reopening replays the log. */
  private stop(err: unknown, lsn: number): WalError {
    const failure = new WalError(
      'EFAILSTOP',
      `the state store failed to apply the commit at LSN ${lsn}; the store stopped (reopen to replay the log)`,
      {
        cause: err,
        details: { lsn },
      },
    );
    if (this.status === 'open') {
      this.status = 'failed';
      this.failure = failure;
      this.options.logger.error({ dir: this.dir, lsn, err: String(err) }, 'state store failed to apply a logged commit; store stopped');
      for (const tx of [...this.active]) this.endWith(tx, failure);
    }
    return failure;
  }

  /** Drops write marks no running transaction can conflict with (at or below every running one's start, and visible). */
  private pruneLastWrite(): void {
    let floor = this.visible;
    for (const tx of this.active) floor = Math.min(floor, tx.startSeq);
    for (const [key, seq] of this.lastWrite) {
      if (seq > floor) break;
      this.lastWrite.delete(key);
    }
  }

  /**
   * One sleep on the injected clock toward the earliest deadline, at most
   * WATCHDOG_SLICE_MS long (the Clock port cannot cancel a sleep, so a closed
   * store's last timer ends within a slice, and a process can exit); a
   * transaction with an earlier deadline arms another.
   */
  private armWatchdog(deadline: number): void {
    if (this.watchdogUntil !== undefined && this.watchdogUntil <= deadline) return;
    this.watchdogUntil = deadline;
    void this.clock.sleep(Math.min(WATCHDOG_SLICE_MS, Math.max(0, deadline - this.clock.now()))).then(() => {
      if (this.watchdogUntil === deadline) this.watchdogUntil = undefined;
      if (this.status !== 'open') return;
      const now = this.clock.now();
      let next: number | undefined;
      for (const tx of [...this.active]) {
        if (tx.deadline <= now) this.timeOut(tx);
        else next = next === undefined ? tx.deadline : Math.min(next, tx.deadline);
      }
      if (next !== undefined) this.armWatchdog(next);
    });
  }

  private maybeAutoCheckpoint(): void {
    const every = this.options.checkpointEveryBytes;
    if (every === undefined || this.checkpointRunning || this.status !== 'open') return;
    if (this.wal.stats().bytesWritten - this.bytesAtCheckpoint < every) return;
    this.checkpoint().catch((err: unknown) => {
      // Counted in runCheckpoint; logged here because nobody awaits an automatic checkpoint.
      this.options.logger.error({ dir: this.dir, err: String(err) }, 'automatic checkpoint failed');
    });
  }

  private async runCheckpoint(): Promise<void> {
    this.checkpointRunning = true;
    const bytes = this.wal.stats().bytesWritten;
    try {
      if (this.stateStore.persistent) {
        const lsn = this.stateStore.appliedLsn;
        await this.wal.sync();
        await this.stateStore.flush();
        if (lsn > 0) await this.wal.truncatePrefix(lsn + 1);
        this.counters.lastCheckpointLsn = lsn;
      } else {
        const snapshot = this.stateStore.snapshot();
        try {
          const lsn = snapshot.appliedLsn;
          // The log is durable through the snapshot's LSN first: after a crash its LSNs never fall below the snapshot's.
          await this.wal.sync();
          await writeSnapshotFile(this.fs, this.dir, snapshot, this.storeIdBytes);
          if (lsn > 0) await this.wal.truncatePrefix(lsn + 1);
          this.counters.lastCheckpointLsn = lsn;
        } finally {
          snapshot.release();
        }
      }
      this.counters.checkpoints += 1;
      this.bytesAtCheckpoint = bytes;
    } catch (err) {
      this.counters.checkpointErrors += 1;
      throw err;
    } finally {
      this.checkpointRunning = false;
    }
  }
}

/** The memory state: from the snapshot file if there is one (a damaged one only when the log can rebuild it), else empty. */
async function loadMemoryState(
  fs: FileSystem,
  dir: string,
  wal: Wal,
  opts: ResolvedStoreOptions,
  idBytes: Uint8Array,
): Promise<{ state: StateStore; snapshot: StoreOpenReport['snapshot'] }> {
  await removeTempSnapshot(fs, dir);
  try {
    const decoded = await readSnapshotFile(fs, dir, {
      maxKeyBytes: opts.maxKeyBytes,
      maxValueBytes: opts.maxValueBytes,
      expectedStoreId: idBytes,
    });
    if (decoded === undefined) return { state: new MemoryStateStore(), snapshot: 'none' };
    return { state: new MemoryStateStore(decoded), snapshot: 'loaded' };
  } catch (err) {
    if (!(err instanceof WalError) || err.code !== 'ECORRUPT') throw err;
    // The snapshot cannot be used. The log can stand in for it only if it still holds every record from the first on.
    if (wal.report.firstLsn !== 1) {
      throw new WalError(
        'ECORRUPT',
        `the store's snapshot in ${dir} is unusable and the log no longer holds what it covered: ${err.message}`,
        {
          cause: err,
          details: { ...err.details, logFirstLsn: wal.report.firstLsn },
        },
      );
    }
    opts.logger.warn({ dir, reason: err.message }, 'snapshot unusable; rebuilding the state from the whole log');
    return { state: new MemoryStateStore(), snapshot: 'rebuilt' };
  }
}

/** The state must not be ahead of the log, and the log must hold every commit after the state's LSN. */
function checkStateAgainstLog(wal: Wal, stateLsn: number): void {
  const nextLsn = wal.stats().nextLsn;
  if (stateLsn >= nextLsn) {
    throw new WalError(
      'ECORRUPT',
      `the store's state includes LSN ${stateLsn} but its log ends before LSN ${nextLsn}: the log lost records the state holds`,
      {
        details: { stateLsn, nextLsn },
      },
    );
  }
  const first = wal.report.firstLsn;
  if (first !== undefined && first > stateLsn + 1) {
    throw new WalError(
      'ECORRUPT',
      `the store's log starts at LSN ${first} but its state holds only up to LSN ${stateLsn}: records between are gone`,
      {
        details: { stateLsn, logFirstLsn: first },
      },
    );
  }
  let inTransactions = 0;
  for (const t of wal.recoveredTransactions) inTransactions += t.records.length;
  if (inTransactions !== wal.recovered.length) {
    throw new WalError(
      'ECORRUPT',
      `the store's log holds ${wal.recovered.length - inTransactions} records outside transactions: not a store's log`,
      {
        details: { records: wal.recovered.length, inTransactions },
      },
    );
  }
}
