/**
 * The log writer's batch pipeline: queue -> batch -> encode -> write ->
 * durability -> settle. Admitted appends are taken from the queue in
 * batches; each batch is encoded into one buffer (src/engine/batch-encoder.ts)
 * and written at the tail of the active segment, which the segment chain
 * (src/engine/segment-chain.ts) first rotates when the batch would not fit;
 * then the durability level applies and every append of the batch settles:
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
 * only order the simulator guarantees); only the chain's preparing of the
 * next segment ahead of time runs beside them. Failures (the states and the
 * errors appends get are src/engine/log-state.ts's):
 * - a failed sync/datasync/syncDir: fail-stop (EFAILSTOP), never retried.
 * - a failed write (ENOSPC, EIO): truncate back to the last good offset and
 *   datasync, reject the batch (ENOSPC or EIO), keep working. If the
 *   truncate fails: read-only (EREADONLY) for later appends.
 */
import { assert } from '../assert.js';
import { WalError } from '../errors.js';
import type { Clock, FileSystem } from '../ports.js';
import { BatchEncoder } from './batch-encoder.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { codecOf } from './compression.js';
import {
  COMMIT_PAYLOAD_SIZE,
  encodeCommitPayload,
  FORMAT_VERSION,
  FORMAT_VERSION_TIMESTAMPS,
  FORMAT_VERSION_TRANSACTIONS,
  RECORD_HEADER_SIZE,
  SEGMENT_HEADER_SIZE,
  versionHasFrames,
} from './format.js';
import { LogState, writeFailure, type WriterStatus } from './log-state.js';
import type { ResolvedOptions } from './options.js';
import { Mutex } from './mutex.js';
import { AdmissionQueue, encodedSizeOf, PendingAppend, PendingTransaction, type QueuedAppend } from './queue.js';
import { SegmentChain, type ActiveSegment, type SegmentEntry } from './segment-chain.js';
import { mustSync } from './segments.js';
import { newWriterCounters, type WriterCounters } from './writer-counters.js';

export type { WriterStatus } from './log-state.js';
/** The interval level's background flusher: 'none' at the other levels. */
export type FlusherStatus = 'none' | 'running' | 'stopped';
export type { WriterCounters } from './writer-counters.js';

export interface WriterInit {
  fs: FileSystem;
  clock: Clock;
  dir: string;
  options: ResolvedOptions;
  salt: Uint8Array;
  seed: number;
  /** Oldest first; the last one is `active`. */
  segments: SegmentEntry[];
  active: ActiveSegment;
  /** Every LSN below nextLsn is durable at open (recovery synced it). */
  nextLsn: number;
  /** The I/O layer's circuit breaker: while it is open the log is read-only (ECIRCUITOPEN, src/engine/log-state.ts). */
  breaker?: CircuitBreaker;
}

export class LogWriter {
  readonly counters: WriterCounters = newWriterCounters();
  readonly queue: AdmissionQueue;
  private readonly lock = new Mutex();
  private readonly clock: Clock;
  private readonly dir: string;
  private readonly options: ResolvedOptions;
  private readonly encoder: BatchEncoder;
  private readonly durableAppends: boolean;
  private readonly logState: LogState;
  private readonly chain: SegmentChain;
  /** The LSN of the last record written; the next append gets the one after it. */
  private lastWrittenLsn: number;
  private syncedThrough: number;
  private unsynced = false;
  private pumping: Promise<void> | undefined;
  private flusherStatus: FlusherStatus = 'none';

  constructor(init: WriterInit) {
    this.clock = init.clock;
    this.dir = init.dir;
    this.options = init.options;
    this.encoder = new BatchEncoder(init.seed, codecOf(init.options.compression));
    this.lastWrittenLsn = init.nextLsn - 1;
    this.syncedThrough = init.nextLsn - 1;
    const kind = init.options.durability.kind;
    this.durableAppends = kind === 'everyWrite' || kind === 'groupCommit';
    this.queue = new AdmissionQueue(init.options.maxQueueDepth, init.options.maxQueueBytes, init.options.backpressure, init.clock, () =>
      this.kick(),
    );
    this.logState = new LogState(init.dir, init.options.logger, (failure) => this.queue.rejectAll(() => failure), init.breaker);
    this.chain = new SegmentChain({
      fs: init.fs,
      clock: init.clock,
      dir: init.dir,
      options: init.options,
      salt: init.salt,
      segments: init.segments,
      active: init.active,
      counters: this.counters,
      state: this.logState,
      host: { unsynced: () => this.unsynced, syncActive: (what) => this.syncActive(what) },
    });
    this.chain.prepareAheadIfDue();
    const d = init.options.durability;
    if (d.kind === 'interval') void this.flushLoop(d.ms);
  }

  get state(): WriterStatus {
    return this.logState.status;
  }
  /** The LSN the next append gets. */
  get nextLsn(): number {
    return this.lastWrittenLsn + 1;
  }
  get durableThrough(): number {
    return this.syncedThrough;
  }
  get flusher(): FlusherStatus {
    return this.flusherStatus;
  }
  /** The segments oldest first, the active one last. */
  get segments(): readonly SegmentEntry[] {
    return this.chain.segments;
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
    const refused = this.logState.refusal();
    if (refused !== undefined) {
      this.counters.appendsRejected += 1;
      return Promise.reject(refused);
    }
    return new Promise<number>((resolve, reject) => this.queue.offer(new PendingAppend(data, resolve, reject, this.counters)));
  }

  /**
   * Appends a transaction: its data records, then its commit record, admitted
   * as one entry and written in one write into one segment. Resolves with the
   * commit record's LSN (the data records take the LSNs just before it).
   */
  appendTransaction(writes: readonly Uint8Array[]): Promise<number> {
    const refusedShape = this.transactionRefusal(writes);
    if (refusedShape !== undefined) {
      this.counters.appendsRejected += 1;
      return Promise.reject(refusedShape);
    }
    const refused = this.logState.refusal();
    if (refused !== undefined) {
      this.counters.appendsRejected += 1;
      return Promise.reject(refused);
    }
    return new Promise<number>((resolve, reject) =>
      this.queue.offer(new PendingTransaction(writes.slice(), encodeCommitPayload(writes.length), resolve, reject, this.counters)),
    );
  }

  private transactionRefusal(writes: readonly Uint8Array[]): WalError | undefined {
    if (!this.options.transactions) {
      return new WalError('EINVAL', 'appendTransaction needs a log opened with { transactions: true } (format v3 segments)');
    }
    if (!Array.isArray(writes) || writes.length === 0)
      return new WalError('EINVAL', 'appendTransaction takes a non-empty array of Uint8Array');
    let encoded = RECORD_HEADER_SIZE + COMMIT_PAYLOAD_SIZE;
    for (const w of writes) {
      if (!(w instanceof Uint8Array)) return new WalError('EINVAL', 'appendTransaction takes a non-empty array of Uint8Array');
      if (w.length > this.options.maxRecordSize) {
        return new WalError('ETOOLARGE', `a transaction record of ${w.length} bytes is above maxRecordSize ${this.options.maxRecordSize}`, {
          details: { bytes: w.length, maxRecordSize: this.options.maxRecordSize },
        });
      }
      encoded += RECORD_HEADER_SIZE + w.length;
    }
    // A transaction is written whole into one segment: it must fit an empty one (behind its batch's time mark), and the queue's byte bound.
    const fresh = this.options.segmentSize - SEGMENT_HEADER_SIZE - this.chain.batchOverhead();
    if (encoded > fresh || encoded - (writes.length + 1) * RECORD_HEADER_SIZE > this.options.maxQueueBytes) {
      return new WalError('ETOOLARGE', `a transaction of ${encoded} encoded bytes does not fit one segment (${fresh} B) or the queue`, {
        details: { bytes: encoded, segmentRoom: fresh, maxQueueBytes: this.options.maxQueueBytes },
      });
    }
    return undefined;
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
      const head = this.queue.peek();
      const room = this.chain.roomForBatch(head === undefined ? undefined : encodedSizeOf(head, RECORD_HEADER_SIZE));
      const batch = this.queue.take(maxBatch, maxBatchBytes, room, RECORD_HEADER_SIZE);
      if (batch.length === 0) break;
      await this.lock
        .run(() => this.commitBatch(batch))
        .catch((err: unknown) => {
          // commitBatch settles its batch itself; an exception escaping it is a bug: stop rather than guess.
          this.settle(batch, { error: this.logState.failStop(err) });
        });
    }
  }

  /**
   * Settles every append of a batch, once: the batch is emptied as it is
   * settled, so a second call for the same batch does nothing.
   */
  private settle(batch: QueuedAppend[], outcome: { lsn: number } | { error: unknown }): void {
    const items = batch.splice(0, batch.length);
    let lsn = 'lsn' in outcome ? outcome.lsn : 0;
    for (const item of items) {
      this.queue.release(item.bytes);
      lsn += item.records;
      if ('lsn' in outcome) item.resolve(lsn - 1);
      else item.reject(outcome.error);
    }
  }

  /** Writes one batch and settles every append in it. Never throws. */
  private async commitBatch(batch: QueuedAppend[]): Promise<void> {
    const refused = this.logState.batchRefusal();
    if (refused !== undefined) return this.settle(batch, { error: refused });
    assert(batch.length > 0, 'a batch holds at least one append');
    const first = this.nextLsn;
    // Taken before a rotation, whose seal may raise it: the records carry what was durable when the batch was taken.
    const syncedThrough = this.syncedThrough;
    let largest = 0;
    let plainBytes = 0;
    let records = 0;
    let transactions = 0;
    for (const item of batch) {
      largest = Math.max(largest, item.largest);
      plainBytes += encodedSizeOf(item, RECORD_HEADER_SIZE);
      records += item.records;
      if (item.writes !== undefined) transactions += 1;
    }
    const stamped = this.options.timestamps;
    const needs = stamped ? FORMAT_VERSION_TIMESTAMPS : transactions > 0 ? FORMAT_VERSION_TRANSACTIONS : FORMAT_VERSION;
    // The plain size decides the rotation: a compressed batch is never larger, so it fits wherever its plain records would.
    const change = this.chain.tailChange(plainBytes + this.chain.batchOverhead(), largest, needs);
    if (change !== 'none') {
      try {
        if (change === 'rewriteHeader') await this.chain.rewriteEmptyHeader(needs);
        else await this.chain.rotate(first);
      } catch (err) {
        return this.settle(batch, { error: this.logState.errorFor(err, 'rotation') });
      }
    }
    const active = this.chain.active;
    let markMs: number | undefined;
    if (stamped) {
      const wall = this.wallTime();
      if (wall instanceof WalError) return this.settle(batch, { error: wall });
      // One mark per change of time: the batches after it, until the next mark, share its time.
      if (wall !== active.lastMarkMs) markMs = wall;
    }
    const frameLimit = versionHasFrames(active.version) ? active.maxRecordSize : undefined;
    const buf = this.encoder.encode(batch, first, syncedThrough, frameLimit, markMs);
    const offset = active.writeOffset;
    try {
      await active.handle.write(buf, offset);
    } catch (err) {
      return this.settle(batch, { error: await this.rollback(offset, err) });
    }
    assert(this.lastWrittenLsn === first - 1, 'LSNs are handed out contiguously', { first, lastWritten: this.lastWrittenLsn });
    this.chain.advance(offset, buf.length, records);
    if (markMs !== undefined) active.lastMarkMs = markMs;
    this.lastWrittenLsn = first + records - 1;
    this.unsynced = true;
    this.counters.batches += 1;
    this.counters.largestBatch = Math.max(this.counters.largestBatch, batch.length);
    this.counters.recordBytesWritten += buf.length;
    this.counters.bytesBeforeCompression += this.encoder.last.plainBytes;
    this.counters.compressedFrames += this.encoder.last.compressedFrames;
    if (this.options.compression !== 'none') this.counters.compressionSkipped += this.encoder.last.plainGroups;
    if (this.durableAppends) {
      try {
        await this.syncActive('fdatasync of a batch');
      } catch (err) {
        return this.settle(batch, { error: err });
      }
    }
    this.counters.appends += batch.length;
    this.counters.transactions += transactions;
    this.settle(batch, { lsn: first });
  }

  /**
   * The commit time of the batch being written: the clock's wall-clock
   * milliseconds, floored; a clock without wallNow, or one that answers
   * something other than a time since the epoch, is refused (the batch's
   * appends reject with EINVAL; the log goes on).
   */
  private wallTime(): number | WalError {
    const wall = this.clock.wallNow?.();
    if (typeof wall !== 'number' || !Number.isFinite(wall) || wall < 0 || wall > Number.MAX_SAFE_INTEGER) {
      return new WalError('EINVAL', `timestamps: clock.wallNow() must return milliseconds since the Unix epoch, got ${String(wall)}`);
    }
    return Math.floor(wall);
  }

  /** fdatasync of the active segment; a failure stops the log (and is thrown as EFAILSTOP). */
  private async syncActive(what: string): Promise<void> {
    const through = this.lastWrittenLsn;
    const active = this.chain.active;
    this.counters.dataSyncs += 1;
    try {
      await mustSync(active.handle.datasync(), `${what} (${active.name})`);
    } catch (err) {
      throw this.logState.failStop(err);
    }
    this.syncedThrough = Math.max(this.syncedThrough, through);
    assert(this.syncedThrough <= this.lastWrittenLsn, 'nothing is durable that was not written', {
      through,
      lastWritten: this.lastWrittenLsn,
    });
    if (this.lastWrittenLsn === through) this.unsynced = false;
  }

  /** Undoes a failed write: truncate to the last good offset and make that durable. */
  private async rollback(offset: number, err: unknown): Promise<WalError> {
    this.counters.writeErrors += 1;
    const active = this.chain.active;
    const batchError = writeFailure(err, active.name, offset);
    try {
      await active.handle.truncate(offset);
      this.chain.truncatedTo(offset);
    } catch (truncErr) {
      this.logState.readOnly(truncErr, active.name, offset);
      return batchError;
    }
    try {
      await this.syncActive('fdatasync after a rollback');
    } catch {
      return batchError; // the log is fail-stopped now; this batch's own error is the write error
    }
    this.counters.rollbacks += 1;
    this.options.logger.warn(
      { dir: this.dir, segment: active.name, offset, code: batchError.code },
      'write failed; the batch was rolled back and rejected',
    );
    return batchError;
  }

  /** Retention at open (under the lock). */
  retain(): Promise<void> {
    return this.lock.run(() => this.chain.applyRetention());
  }

  truncatePrefix(upTo: number): Promise<void> {
    if (!Number.isSafeInteger(upTo) || upTo < 1) {
      return Promise.reject(new WalError('EINVAL', `truncatePrefix takes a positive safe integer LSN, got ${String(upTo)}`));
    }
    return this.lock.run(async () => {
      this.logState.checkUsable();
      try {
        await this.chain.removeOldest((_oldest, next) => next.firstLsn <= upTo);
      } catch (err) {
        throw this.logState.escalate(err);
      }
    });
  }

  /**
   * For a hot backup (backup.ts): under the lock, makes everything written so
   * far durable and opens every segment for reading. Appends go on once it
   * resolves; the bytes it names (whole sealed segments, the active one up to
   * its write offset now) never change afterwards.
   */
  openForBackup(): Promise<{ durableThrough: number; segments: Awaited<ReturnType<SegmentChain['openForReading']>> }> {
    return this.lock.run(async () => {
      this.logState.checkUsable();
      if (this.unsynced) await this.syncActive('fdatasync before a backup');
      return { durableThrough: this.syncedThrough, segments: await this.chain.openForReading() };
    });
  }

  /** Makes every append that resolved before this call durable. */
  sync(): Promise<void> {
    return this.lock.run(async () => {
      this.logState.checkUsable();
      if (this.unsynced) await this.syncActive('fdatasync for sync()');
    });
  }

  private async flushLoop(ms: number): Promise<void> {
    this.flusherStatus = 'running';
    try {
      await this.flushTurns(ms);
    } finally {
      this.flusherStatus = 'stopped';
    }
  }

  private async flushTurns(ms: number): Promise<void> {
    // Ends when the log closes or stops; each turn sleeps on the injected clock.
    while (this.logState.status === 'open' || this.logState.status === 'readOnly') {
      await this.clock.sleep(ms);
      if (this.logState.closing || (this.logState.status !== 'open' && this.logState.status !== 'readOnly')) return;
      await this.lock.run(async () => {
        if (!this.unsynced || this.logState.status === 'closed' || this.logState.status === 'failStopped') return;
        this.counters.intervalFlushes += 1;
        await this.syncActive('interval fdatasync').catch(() => undefined); // the failure is kept as the fail-stop state
      });
    }
  }

  async close(): Promise<void> {
    if (this.logState.status === 'closed') return;
    this.logState.beginClose();
    this.queue.rejectWaiting(() => new WalError('ECLOSED', 'the log was closed before this append was admitted'));
    // Admitted appends finish; no new ones are admitted, so this ends.
    while (this.pumping !== undefined) await this.pumping;
    await this.lock.run(async () => {
      let syncError: unknown;
      if (this.logState.status !== 'failStopped' && this.options.durability.kind !== 'none' && this.unsynced) {
        try {
          await this.syncActive('fdatasync at close');
        } catch (err) {
          syncError = err;
        }
      }
      const ahead = this.chain.detachAhead();
      if (ahead !== undefined) {
        const r = await ahead;
        if (r.ok) await r.prepared.handle.close();
      }
      this.logState.markClosed();
      await this.chain.active.handle.close();
      if (syncError !== undefined) throw syncError;
    });
  }
}
