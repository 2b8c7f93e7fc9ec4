/**
 * The log writer: takes admitted appends from the queue in batches, encodes
 * each batch into one buffer, writes it at the tail of the active segment
 * (rotating first when it would not fit), and applies the durability level:
 *
 * - everyWrite / groupCommit: one fdatasync per batch; every append of the
 *   batch resolves only after it. Appends that arrive while a batch is being
 *   written and synced form the next batch (groupCommit may also wait
 *   maxWaitUs for more). everyWrite is groupCommit with maxBatch 1.
 * - interval: appends resolve after the write; a flusher on the injected
 *   clock fdatasyncs every `ms` when something is unsynced.
 * - none: appends resolve after the write; nothing is synced for them.
 *
 * All file operations run one at a time under one lock (await order is the
 * only order the simulator guarantees). Failures:
 * - a failed sync/datasync/syncDir: fail-stop. Nothing after it is
 *   acknowledged, it is never retried, every pending and later call rejects
 *   with EFAILSTOP. Reopening recovers.
 * - a failed write (ENOSPC, EIO): truncate back to the last good offset and
 *   datasync, reject the batch (ENOSPC or EIO), keep working. If the
 *   truncate fails: read-only (EREADONLY) for later appends.
 */
import { errorCode, WalError, type WalErrorCode } from '../errors.js';
import type { Clock, FileHandle, FileSystem } from '../ports.js';
import { encodeBatchInto, encodeSegmentHeader, RECORD_HEADER_SIZE, SEGMENT_HEADER_SIZE, viewOf } from './format.js';
import type { ResolvedOptions } from './options.js';
import { AdmissionQueue, type QueuedAppend } from './queue.js';
import { installSegment, mustSync, prepareSegment, removeFile, type PreparedSegment } from './segments.js';

/** A promise-chain mutex: runs functions one at a time in call order. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined, // the caller gets the rejection through `result`
    );
    return result;
  }
}

export interface SegmentEntry {
  firstLsn: number;
  name: string;
  /** Clock time the segment was sealed (a newer one began); undefined for the active one. */
  sealedAt: number | undefined;
}

export interface ActiveSegment {
  handle: FileHandle;
  name: string;
  firstLsn: number;
  writeOffset: number;
  size: number;
  /** The record size limit in this segment's header (a log reopened with a larger maxRecordSize rotates first). */
  maxRecordSize: number;
}

export type WriterStatus = 'open' | 'readOnly' | 'failStopped' | 'closed';

export interface WriterCounters {
  appends: number;
  appendsRejected: number;
  batches: number;
  maxBatchSeen: number;
  recordBytesWritten: number;
  writeErrors: number;
  rollbacks: number;
  rotations: number;
  segmentsRemoved: number;
  intervalFlushes: number;
  /** fdatasyncs of the active segment (batches, interval, sync(), seals, rollbacks). */
  dataSyncs: number;
  backgroundErrors: number;
}

export interface WriterInit {
  fs: FileSystem;
  clock: Clock;
  dir: string;
  options: ResolvedOptions;
  salt: Uint8Array;
  seed: number;
  segments: SegmentEntry[];
  active: ActiveSegment;
  nextLsn: number;
  /** Every LSN below nextLsn is durable at open (recovery synced it). */
}

/** Fraction of the active segment written before the next one is prepared in the background. */
const PREPARE_AHEAD_AT = 0.5;

/** Batch buffers up to this size are kept for the next batch; larger ones are dropped after use. */
const BATCH_BUFFER_KEEP = 4 * 1024 * 1024;

/** One append waiting in the queue or in a batch; a rejection is counted once, here. */
class PendingAppend implements QueuedAppend {
  constructor(
    readonly data: Uint8Array,
    readonly resolve: (lsn: number) => void,
    private readonly rejectPromise: (err: unknown) => void,
    private readonly counters: WriterCounters,
  ) {}
  reject(err: unknown): void {
    this.counters.appendsRejected += 1;
    this.rejectPromise(err);
  }
}

function writeErrorCode(err: unknown): WalErrorCode {
  if (err instanceof WalError) return err.code;
  return errorCode(err) === 'ENOSPC' ? 'ENOSPC' : 'EIO';
}

/** The filesystem's own code under faultline's wrapping (a WalError's cause chain, a few levels at most). */
function ioErrorCode(err: unknown): string | undefined {
  let e = err;
  for (let depth = 0; depth < 4 && e instanceof WalError && e.cause !== undefined; depth++) e = e.cause;
  return errorCode(e);
}

export class LogWriter {
  readonly counters: WriterCounters = {
    appends: 0,
    appendsRejected: 0,
    batches: 0,
    maxBatchSeen: 0,
    recordBytesWritten: 0,
    writeErrors: 0,
    rollbacks: 0,
    rotations: 0,
    segmentsRemoved: 0,
    intervalFlushes: 0,
    dataSyncs: 0,
    backgroundErrors: 0,
  };
  readonly queue: AdmissionQueue;
  private readonly lock = new Mutex();
  private readonly fs: FileSystem;
  private readonly clock: Clock;
  private readonly dir: string;
  private readonly options: ResolvedOptions;
  private readonly salt: Uint8Array;
  private readonly seed: number;
  private readonly durableAppends: boolean;
  readonly segments: SegmentEntry[];
  private active: ActiveSegment;
  private nextLsn: number;
  private lastWrittenLsn: number;
  private syncedThrough: number;
  private unsynced = false;
  private status: WriterStatus = 'open';
  private closing = false;
  private failure: WalError | undefined;
  private pumping: Promise<void> | undefined;
  private preparing: Promise<{ ok: true; prepared: PreparedSegment } | { ok: false; error: unknown }> | undefined;
  lastBackgroundError: unknown;

  constructor(init: WriterInit) {
    this.fs = init.fs;
    this.clock = init.clock;
    this.dir = init.dir;
    this.options = init.options;
    this.salt = init.salt;
    this.seed = init.seed;
    this.segments = init.segments;
    this.active = init.active;
    this.nextLsn = init.nextLsn;
    this.lastWrittenLsn = init.nextLsn - 1;
    this.syncedThrough = init.nextLsn - 1;
    const kind = init.options.durability.kind;
    this.durableAppends = kind === 'everyWrite' || kind === 'groupCommit';
    this.queue = new AdmissionQueue(init.options.maxQueueDepth, init.options.maxQueueBytes, init.options.backpressure, init.clock, () =>
      this.kick(),
    );
    this.prepareAheadIfDue();
    const d = init.options.durability;
    if (d.kind === 'interval') void this.flushLoop(d.ms);
  }

  get state(): WriterStatus {
    return this.status;
  }
  get lsnNext(): number {
    return this.nextLsn;
  }
  get durableThrough(): number {
    return this.syncedThrough;
  }
  get activeSegment(): Readonly<Pick<ActiveSegment, 'name' | 'firstLsn' | 'writeOffset' | 'size'>> {
    return this.active;
  }

  /** Why appends are refused now, or undefined. */
  private refusal(): WalError | undefined {
    if (this.status === 'failStopped' || this.status === 'readOnly') return this.failure;
    if (this.status === 'closed' || this.closing) return new WalError('ECLOSED', 'the log is closed');
    return undefined;
  }

  append(data: Uint8Array): Promise<number> {
    if (!(data instanceof Uint8Array)) return Promise.reject(new WalError('EINVAL', 'append takes a Uint8Array'));
    if (data.length > this.options.maxRecordSize) {
      this.counters.appendsRejected += 1;
      return Promise.reject(
        new WalError('ETOOLARGE', `record of ${data.length} bytes is above maxRecordSize ${this.options.maxRecordSize}`, {
          details: { bytes: data.length, maxRecordSize: this.options.maxRecordSize },
        }),
      );
    }
    const refused = this.refusal();
    if (refused !== undefined) {
      this.counters.appendsRejected += 1;
      return Promise.reject(refused);
    }
    return new Promise<number>((resolve, reject) => this.queue.offer(new PendingAppend(data, resolve, reject, this.counters)));
  }

  private kick(): void {
    if (this.pumping !== undefined) return;
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
      if (this.queue.queued > 0) this.kick();
    });
  }

  private async pump(): Promise<void> {
    const { maxBatch, maxBatchBytes, maxWaitUs } = this.options.batch;
    const window = this.options.durability.kind === 'groupCommit' ? maxWaitUs : 0;
    // Each iteration takes at least one queued append, so this ends once the queue is empty.
    while (this.queue.queued > 0) {
      if (window > 0 && this.queue.queued < maxBatch && this.queue.pendingBytes < maxBatchBytes) {
        await this.clock.sleep(window / 1000);
      }
      const batch = this.queue.take(maxBatch, maxBatchBytes, this.roomForNextBatch(), RECORD_HEADER_SIZE);
      if (batch.length === 0) break;
      await this.lock
        .run(() => this.commitBatch(batch))
        .catch((err: unknown) => {
          // commitBatch settles its batch itself; an exception escaping it is a bug: stop rather than guess.
          this.settle(batch, { error: this.failStop(err) });
        });
    }
  }

  /**
   * The bytes the next batch may take so that a segment grows past
   * segmentSize only by a single record larger than the space left: the room
   * left in the active segment, or a whole fresh segment when the first
   * queued record does not fit there (commitBatch then rotates first).
   */
  private roomForNextBatch(): number {
    const fresh = this.options.segmentSize - SEGMENT_HEADER_SIZE;
    const left = this.options.segmentSize - this.active.writeOffset;
    const head = this.queue.peek();
    if (head === undefined || this.active.writeOffset === SEGMENT_HEADER_SIZE) return Math.max(left, 0);
    return head.data.length + RECORD_HEADER_SIZE <= left ? left : fresh;
  }

  /**
   * Settles every append of a batch, once: the batch is emptied as it is
   * settled, so a second call for the same batch does nothing.
   */
  private settle(batch: QueuedAppend[], outcome: { lsn: number } | { error: unknown }): void {
    const items = batch.splice(0, batch.length);
    const lsn = 'lsn' in outcome ? outcome.lsn : undefined;
    for (let k = 0; k < items.length; k++) {
      const item = items[k] as QueuedAppend;
      this.queue.release(item.data.length);
      if (lsn !== undefined) item.resolve(lsn + k);
      else item.reject((outcome as { error: unknown }).error);
    }
  }

  /**
   * The batch buffer, reused from batch to batch (a write is awaited before
   * the next batch is encoded, so it is never changed under a write in
   * flight). Batches above BATCH_BUFFER_KEEP get a buffer of their own.
   */
  private batchBuffer = new Uint8Array(0);
  private batchView = viewOf(this.batchBuffer);

  private encodeBatch(batch: readonly QueuedAppend[], first: number): Uint8Array {
    let total = 0;
    for (let k = 0; k < batch.length; k++) total += RECORD_HEADER_SIZE + (batch[k] as QueuedAppend).data.length;
    let out = this.batchBuffer;
    let view = this.batchView;
    if (total > out.length) {
      out = new Uint8Array(Math.max(total, Math.min(BATCH_BUFFER_KEEP, 2 * out.length)));
      view = viewOf(out);
      if (out.length <= BATCH_BUFFER_KEEP) {
        this.batchBuffer = out;
        this.batchView = view;
      }
    }
    const end = encodeBatchInto(out, view, batch, first, this.syncedThrough, this.seed);
    return out.subarray(0, end);
  }

  /** Writes one batch and settles every append in it. Never throws. */
  private async commitBatch(batch: QueuedAppend[]): Promise<void> {
    const refused = this.status === 'open' ? undefined : (this.failure ?? new WalError('ECLOSED', 'the log is closed'));
    if (refused !== undefined) return this.settle(batch, { error: refused });
    const first = this.nextLsn;
    const buf = this.encodeBatch(batch, first);
    let largest = 0;
    for (let k = 0; k < batch.length; k++) largest = Math.max(largest, (batch[k] as QueuedAppend).data.length);
    const full = this.active.writeOffset + buf.length > this.options.segmentSize;
    const empty = this.active.writeOffset === SEGMENT_HEADER_SIZE;
    if ((full && !empty) || largest > this.active.maxRecordSize) {
      try {
        if (empty) await this.rewriteEmptyHeader();
        else await this.rotate();
      } catch (err) {
        return this.settle(batch, { error: this.onFailure(err, 'rotation') });
      }
    }
    const offset = this.active.writeOffset;
    try {
      await this.active.handle.write(buf, offset);
    } catch (err) {
      return this.settle(batch, { error: await this.rollback(offset, err) });
    }
    this.active.writeOffset = offset + buf.length;
    this.active.size = Math.max(this.active.size, this.active.writeOffset);
    this.prepareAheadIfDue();
    this.nextLsn = first + batch.length;
    this.lastWrittenLsn = this.nextLsn - 1;
    this.unsynced = true;
    this.counters.batches += 1;
    this.counters.maxBatchSeen = Math.max(this.counters.maxBatchSeen, batch.length);
    this.counters.recordBytesWritten += buf.length;
    if (this.durableAppends) {
      try {
        await this.syncActive('fdatasync of a batch');
      } catch (err) {
        return this.settle(batch, { error: err });
      }
    }
    this.counters.appends += batch.length;
    this.settle(batch, { lsn: first });
  }

  /** fdatasync of the active segment; a failure stops the log (and is thrown as EFAILSTOP). */
  private async syncActive(what: string): Promise<void> {
    const through = this.lastWrittenLsn;
    this.counters.dataSyncs += 1;
    try {
      await mustSync(this.active.handle.datasync(), `${what} (${this.active.name})`);
    } catch (err) {
      throw this.failStop(err);
    }
    this.syncedThrough = Math.max(this.syncedThrough, through);
    if (this.lastWrittenLsn === through) this.unsynced = false;
  }

  /** Stops the log for good: every queued and later append rejects with EFAILSTOP. */
  private failStop(cause: unknown): WalError {
    if (this.status !== 'failStopped') {
      this.status = 'failStopped';
      this.failure =
        cause instanceof WalError && cause.code === 'EFAILSTOP'
          ? cause
          : new WalError('EFAILSTOP', 'the log stopped after a failed sync; reopen it to recover', { cause });
      const failure = this.failure;
      this.queue.rejectAll(() => failure);
      this.options.logger.error(
        { dir: this.dir, code: ioErrorCode(cause), err: String((cause as Error)?.message ?? cause) },
        'sync failed: the log stopped (fail-stop); reopen it to recover',
      );
    }
    return this.failure as WalError;
  }

  /** Maps a failure of rotation or retention to the error the batch gets; sync failures stop the log. */
  private onFailure(err: unknown, what: string): WalError {
    if (err instanceof WalError && err.code === 'EFAILSTOP') return this.failStop(err);
    if (err instanceof WalError) return err;
    const code = writeErrorCode(err);
    return new WalError(code, `${what} failed: ${String((err as Error)?.message ?? err)}`, { cause: err });
  }

  /** Undoes a failed write: truncate to the last good offset and make that durable. */
  private async rollback(offset: number, err: unknown): Promise<WalError> {
    this.counters.writeErrors += 1;
    const code = writeErrorCode(err);
    const batchError = new WalError(code, `write to ${this.active.name} failed (${errorCode(err) ?? 'error'}); the batch was rolled back`, {
      cause: err,
      details: { segment: this.active.name, offset },
    });
    try {
      await this.active.handle.truncate(offset);
      this.active.size = offset;
    } catch (truncErr) {
      this.status = 'readOnly';
      this.failure = new WalError('EREADONLY', `the log is read-only: rolling back a failed write in ${this.active.name} failed`, {
        cause: truncErr,
        details: { segment: this.active.name, offset },
      });
      const failure = this.failure;
      this.queue.rejectAll(() => failure);
      this.options.logger.error(
        { dir: this.dir, segment: this.active.name, offset, code: errorCode(truncErr) },
        'rolling back a failed write failed: the log is read-only',
      );
      return batchError;
    }
    try {
      await this.syncActive('fdatasync after a rollback');
    } catch {
      return batchError; // the log is fail-stopped now; this batch's own error is the write error
    }
    this.counters.rollbacks += 1;
    this.options.logger.warn(
      { dir: this.dir, segment: this.active.name, offset, code },
      'write failed; the batch was rolled back and rejected',
    );
    return batchError;
  }

  /**
   * With preallocation, the next segment is prepared in the background once
   * the active one is PREPARE_AHEAD_AT full: early enough to be ready at the
   * rotation, late enough that opening a log, or a log that grows slowly,
   * does not write a whole zero-filled segment it may not need for a while.
   */
  private prepareAheadIfDue(): void {
    if (!this.options.preallocate || this.preparing !== undefined || this.status !== 'open' || this.closing) return;
    if (this.active.writeOffset < this.options.segmentSize * PREPARE_AHEAD_AT) return;
    this.startPreparing();
  }

  private startPreparing(): void {
    this.preparing = prepareSegment(this.fs, this.dir, this.options.segmentSize, this.options.preallocate).then(
      (prepared) => ({ ok: true as const, prepared }),
      (error: unknown) => ({ ok: false as const, error }),
    );
  }

  /** The prepared next segment: the one made ahead of time, or a new one now. */
  private async takePrepared(): Promise<PreparedSegment> {
    const ahead = this.preparing;
    this.preparing = undefined;
    if (ahead !== undefined) {
      const r = await ahead;
      if (r.ok) return r.prepared;
      this.noteBackgroundError(r.error, 'preparing the next segment ahead of time');
    }
    return prepareSegment(this.fs, this.dir, this.options.segmentSize, this.options.preallocate);
  }

  /** An empty active segment whose header has a smaller record limit than the options: rewrite the header in place. */
  private async rewriteEmptyHeader(): Promise<void> {
    const header = encodeSegmentHeader({ firstLsn: this.active.firstLsn, salt: this.salt, maxRecordSize: this.options.maxRecordSize });
    await this.active.handle.write(header, 0);
    await this.syncActive('fdatasync of a rewritten segment header');
    this.active.maxRecordSize = this.options.maxRecordSize;
  }

  /** Seals the active segment (durable before anything goes into the next) and installs the next one. */
  private async rotate(): Promise<void> {
    if (this.unsynced) await this.syncActive('fdatasync sealing a segment');
    const prepared = await this.takePrepared();
    let name: string;
    try {
      name = await installSegment(this.fs, this.dir, prepared, {
        firstLsn: this.nextLsn,
        salt: this.salt,
        maxRecordSize: this.options.maxRecordSize,
      });
    } catch (err) {
      await prepared.handle.close().catch(() => undefined); // the install error is the one reported
      if (err instanceof WalError && err.code === 'EFAILSTOP') throw this.failStop(err);
      throw err;
    }
    const old = this.active;
    const now = this.clock.now();
    const last = this.segments.at(-1);
    if (last !== undefined) last.sealedAt = now;
    this.segments.push({ firstLsn: this.nextLsn, name, sealedAt: undefined });
    this.active = {
      handle: prepared.handle,
      name,
      firstLsn: this.nextLsn,
      writeOffset: SEGMENT_HEADER_SIZE,
      size: prepared.size,
      maxRecordSize: this.options.maxRecordSize,
    };
    this.counters.rotations += 1;
    this.options.logger.info({ dir: this.dir, sealed: old.name, segment: name, firstLsn: this.nextLsn }, 'segment rotated');
    this.prepareAheadIfDue();
    await old.handle.close();
    try {
      await this.applyRetention();
    } catch (err) {
      // Retention is housekeeping: a failure to unlink does not fail the batch, unless a dir fsync failed.
      if (err instanceof WalError && err.code === 'EFAILSTOP') throw this.failStop(err);
      this.noteBackgroundError(err, 'retention');
    }
  }

  /** Background work (preallocation, retention) failed without failing an append: counted, kept and logged. */
  private noteBackgroundError(err: unknown, what: string): void {
    this.counters.backgroundErrors += 1;
    this.lastBackgroundError = err;
    this.options.logger.warn(
      { dir: this.dir, code: ioErrorCode(err), err: String((err as Error)?.message ?? err) },
      `${what} failed; appends go on`,
    );
  }

  /** Unlinks the oldest segments while `removable(oldest, next)` holds; never the active one. Caller holds the lock. */
  private async removeOldest(removable: (oldest: SegmentEntry, next: SegmentEntry) => boolean): Promise<void> {
    // Bounded by the number of segments; oldest first, each unlink durable before the next.
    while (this.segments.length > 1) {
      const oldest = this.segments[0] as SegmentEntry;
      const next = this.segments[1] as SegmentEntry;
      if (!removable(oldest, next)) break;
      await removeFile(this.fs, this.dir, oldest.name);
      this.segments.shift();
      this.counters.segmentsRemoved += 1;
      this.options.logger.info({ dir: this.dir, segment: oldest.name, nextFirstLsn: next.firstLsn }, 'segment removed');
    }
  }

  private async applyRetention(): Promise<void> {
    const r = this.options.retention;
    if (r === undefined) return;
    if (r.kind === 'keepLast') {
      await this.removeOldest(() => this.segments.length > r.segments);
    } else {
      const now = this.clock.now();
      await this.removeOldest((oldest) => oldest.sealedAt !== undefined && now - oldest.sealedAt >= r.ms);
    }
  }

  /** Retention at open (under the lock). */
  retain(): Promise<void> {
    return this.lock.run(() => this.applyRetention());
  }

  truncatePrefix(upTo: number): Promise<void> {
    if (!Number.isSafeInteger(upTo) || upTo < 1) {
      return Promise.reject(new WalError('EINVAL', `truncatePrefix takes a positive safe integer LSN, got ${String(upTo)}`));
    }
    return this.lock.run(async () => {
      if (this.status === 'closed') throw new WalError('ECLOSED', 'the log is closed');
      if (this.status === 'failStopped') throw this.failure as WalError;
      try {
        await this.removeOldest((_oldest, next) => next.firstLsn <= upTo);
      } catch (err) {
        if (err instanceof WalError && err.code === 'EFAILSTOP') throw this.failStop(err);
        throw err;
      }
    });
  }

  /** Makes every append that resolved before this call durable. */
  sync(): Promise<void> {
    return this.lock.run(async () => {
      if (this.status === 'closed') throw new WalError('ECLOSED', 'the log is closed');
      if (this.status === 'failStopped') throw this.failure as WalError;
      if (this.unsynced) await this.syncActive('fdatasync for sync()');
    });
  }

  private async flushLoop(ms: number): Promise<void> {
    // Ends when the log closes or stops; each turn sleeps on the injected clock.
    while (this.status === 'open' || this.status === 'readOnly') {
      await this.clock.sleep(ms);
      if (this.closing || (this.status !== 'open' && this.status !== 'readOnly')) return;
      await this.lock.run(async () => {
        if (!this.unsynced || this.status === 'closed' || this.status === 'failStopped') return;
        this.counters.intervalFlushes += 1;
        await this.syncActive('interval fdatasync').catch(() => undefined); // the failure is kept as the fail-stop state
      });
    }
  }

  async close(): Promise<void> {
    if (this.status === 'closed') return;
    this.closing = true;
    this.queue.rejectWaiting(() => new WalError('ECLOSED', 'the log was closed before this append was admitted'));
    // Admitted appends finish; no new ones are admitted, so this ends.
    while (this.pumping !== undefined) await this.pumping;
    await this.lock.run(async () => {
      let syncError: unknown;
      if (this.status !== 'failStopped' && this.options.durability.kind !== 'none' && this.unsynced) {
        try {
          await this.syncActive('fdatasync at close');
        } catch (err) {
          syncError = err;
        }
      }
      const ahead = this.preparing;
      this.preparing = undefined;
      if (ahead !== undefined) {
        const r = await ahead;
        if (r.ok) await r.prepared.handle.close();
      }
      this.status = 'closed';
      await this.active.handle.close();
      if (syncError !== undefined) throw syncError;
    });
  }
}
