/**
 * Wal: faultline's write-ahead log, a WalLog of the plugin contract. open()
 * creates the directory if needed, recovers (src/engine/recovery.ts), starts a
 * new log when none survived, and hands the tail to the writer.
 */
import { WalError } from '../errors.js';
import type { Clock, FileSystem, RecoveredRecord, WalEnv, WalLog } from '../ports.js';
import { backup } from './backup.js';
import type { BackupManifest } from './backup-manifest.js';
import { CircuitBreaker, type BreakerState } from './circuit-breaker.js';
import { CountingFileSystem } from './counting-fs.js';
import { DeadLetterQueue } from './dead-letter-queue.js';
import { formatVersionFor } from './compression.js';
import { saltSeed, SEGMENT_HEADER_SIZE } from './format.js';
import { resolveOptions, type ResolvedOptions, type WalOptions } from './options.js';
import { recoverLog, type RecoveryReport } from './recovery.js';
import { seededJitter } from './retry-policy.js';
import { RetryingFileSystem } from './retrying-fs.js';
import type { RecoveredTransaction } from './recovery-transactions.js';
import type { WalLogger } from './logger.js';
import { newSalt } from './salt.js';
import { ensureDirectory, installSegment, prepareSegment } from './segments.js';
import type { WriterStatus } from './log-state.js';
import type { ActiveSegment, SegmentEntry } from './segment-chain.js';
import { LogWriter, type FlusherStatus } from './writer.js';
import type { FlushDurations, LastFlush } from './flush-timings.js';

export interface WalStats {
  /** Appends resolved with an LSN (a transaction counts as one). */
  appends: number;
  /** Transactions resolved with their commit LSN (appendTransaction). */
  transactions: number;
  /** Appends rejected (backpressure, too large, failures, closed). */
  appendsRejected: number;
  /** Batches written (one write each). */
  batches: number;
  /** The largest batch written so far, in appends. */
  largestBatch: number;
  /** @deprecated use largestBatch: the same value (the name read like the maxBatch option, which is a limit). */
  maxBatch: number;
  /** sync + datasync calls on files, recovery and segment creation included. */
  fsyncs: number;
  /** fdatasyncs of the active segment by the writer (batches, interval, sync(), seals, rollbacks). */
  dataSyncs: number;
  /** Directory fsyncs. */
  dirSyncs: number;
  /** File syncs and directory fsyncs that failed (each one stops the log, or fails the open or the background work it was for). */
  syncErrors: number;
  /** How long the file syncs counted in `fsyncs` took, on the injected clock: bucket counts for a histogram. */
  flushDurations: FlushDurations;
  /** The outcome of the latest file sync: 'none' before the first. */
  lastFlush: LastFlush;
  /** The interval level's background flusher: 'running', 'stopped' (within one interval after close or fail-stop), or 'none' at the other levels. */
  flusher: FlusherStatus;
  /** Record bytes (headers included) written by batches. */
  bytesWritten: number;
  /** Every byte handed to FileHandle.write (segment headers and zero fill included). */
  deviceBytesWritten: number;
  /** Record bytes of the batches before compression: what they take as plain records, headers included. */
  bytesBeforeCompression: number;
  /** Record bytes of the batches after compression (as written: the same value as bytesWritten). */
  bytesAfterCompression: number;
  /** Groups of records written as one compressed frame. */
  compressedFrames: number;
  /** Groups of records a compressing log wrote plain (too small, compression did not pay, or a transaction, which is never compressed). */
  compressionSkipped: number;
  /** Appends admitted and not yet settled. */
  queueDepth: number;
  /** Payload bytes admitted and not yet settled. */
  queueBytes: number;
  /** The fuller of depth/maxQueueDepth and bytes/maxQueueBytes, in [0, 1]. */
  queueUtilisation: number;
  /** Appends waiting for admission (backpressure policy wait). */
  queueWaiting: number;
  backpressureRejected: number;
  backpressureTimedOut: number;
  writeErrors: number;
  rollbacks: number;
  rotations: number;
  segments: number;
  segmentsRemoved: number;
  intervalFlushes: number;
  /** Failures of background work (preallocation, retention) that did not fail an append. */
  backgroundErrors: number;
  /** Retries of I/O that failed with a transient error (EAGAIN, EINTR, EBUSY): attempts after the first. */
  retries: number;
  /** Operations that still failed with a transient error when their retries ran out (each rejected ETRANSIENT). */
  retriesExhausted: number;
  /** The circuit breaker: 'open' while the log is read-only after repeated exhausted retries (calls reject ECIRCUITOPEN). */
  breaker: BreakerState;
  /** How often the circuit breaker opened (reopening after a failed probe included). */
  breakerOpens: number;
  /** The next LSN an append gets. */
  nextLsn: number;
  /** Every LSN at or below this is durable. */
  durableThrough: number;
  state: WriterStatus;
}

/** Refuses an env that is not { fs, clock, dir } (WalError EINVAL); `caller` names who was given it. */
export function checkEnv(env: WalEnv, caller = 'Wal.open'): void {
  if (typeof env !== 'object' || env === null) throw new WalError('EINVAL', `${caller} needs an env { fs, clock, dir }`);
  if (typeof env.dir !== 'string' || env.dir.length === 0) throw new WalError('EINVAL', 'env.dir must be a non-empty path');
  if (typeof env.fs !== 'object' || env.fs === null) throw new WalError('EINVAL', 'env.fs must be a FileSystem');
  if (typeof env.clock !== 'object' || env.clock === null || typeof env.clock.now !== 'function' || typeof env.clock.sleep !== 'function') {
    throw new WalError('EINVAL', 'env.clock must be a Clock');
  }
}

/** What recovery found, as log events: a summary, a torn tail, every corruption a lenient mode went past. */
function logRecovery(logger: WalLogger, dir: string, report: RecoveryReport): void {
  const { corruption, dropped, ...summary } = report;
  logger.info(
    { dir, ...summary, corruptionFound: corruption.length, droppedSegments: dropped.segments.length },
    report.newLog ? 'new log started' : 'log recovered',
  );
  if (report.tornBytesTruncated > 0) logger.warn({ dir, bytes: report.tornBytesTruncated }, 'torn tail truncated');
  if (report.transactions.incomplete > 0) {
    logger.warn({ dir, ...report.transactions }, 'incomplete transactions rolled back (no verified commit)');
  }
  for (const c of corruption) {
    if (c.kind === 'mid-log') logger.error({ dir, ...c, mode: report.mode }, 'corruption found and passed over by the recovery mode');
  }
  if (dropped.bytes > 0) logger.warn({ dir, segments: dropped.segments, bytes: dropped.bytes }, 'recovery dropped data');
}

export class Wal implements WalLog {
  private constructor(
    private readonly writer: LogWriter,
    private readonly io: CountingFileSystem,
    readonly recovered: readonly RecoveredRecord[],
    /** The committed transactions recovery applied, oldest first (their data records are in `recovered` too). */
    readonly recoveredTransactions: readonly RecoveredTransaction[],
    readonly report: RecoveryReport,
    readonly options: Readonly<ResolvedOptions>,
    private readonly salt: Uint8Array,
    private readonly clock: Clock,
    private readonly retrying: RetryingFileSystem,
    private readonly breaker: CircuitBreaker,
    /** The dead-letter queue in `<dir>/dlq` (option deadLetters; docs/dlq.md), or undefined without it. */
    readonly deadLetters: DeadLetterQueue | undefined,
  ) {}

  /** The log's identity: its salt (shared by every segment of this log, docs/format.md) as 16 hex digits. */
  get logId(): string {
    return Buffer.from(this.salt).toString('hex');
  }

  /** Opens (and recovers) the log in env.dir, creating the directory and a new log when absent. */
  static async open(env: WalEnv, options?: WalOptions): Promise<Wal> {
    checkEnv(env);
    const opts = resolveOptions(options);
    if (opts.timestamps && typeof env.clock.wallNow !== 'function') {
      throw new WalError('EINVAL', 'timestamps: true needs a clock with wallNow() (the wall-clock time to stamp batches with)');
    }
    const io = new CountingFileSystem(env.fs, () => env.clock.now());
    const dir = env.dir;
    // Outside the counting layer, so every attempt of a retried call is counted as the disk saw it.
    const breaker = new CircuitBreaker(opts.breaker, () => env.clock.now(), opts.logger, dir);
    const random = opts.random ?? seededJitter(`${dir}:${env.clock.now()}`);
    const fs = new RetryingFileSystem(io, { policy: opts.retry, clock: env.clock, breaker, logger: opts.logger, dir, random });
    await ensureDirectory(fs, dir);
    const deadLetters = opts.deadLetters
      ? await DeadLetterQueue.open(env, (e, o) => Wal.open(e, o), { logger: opts.logger, random: opts.random })
      : undefined;
    try {
      return await Wal.openWith(env, opts, io, fs, breaker, deadLetters);
    } catch (err) {
      await deadLetters?.close().catch(() => undefined); // the open's error is the one reported
      throw err;
    }
  }

  private static async openWith(
    env: WalEnv,
    opts: ResolvedOptions,
    io: CountingFileSystem,
    fs: RetryingFileSystem,
    breaker: CircuitBreaker,
    deadLetters: DeadLetterQueue | undefined,
  ): Promise<Wal> {
    const dir = env.dir;
    // With preallocation the writer (or a new log's first segment) prepares wal-next.prealloc at once, truncating a leftover one.
    // What skipCorrupted passes over is made durable in the dead-letter queue before any repair.
    const rec = await recoverLog(fs, dir, opts.recoveryMode, () => env.clock.now(), {
      keepPreallocated: opts.preallocate,
      ...(deadLetters === undefined
        ? {}
        : { beforeRepairs: async (salvaged, salt) => void (await deadLetters.addSalvaged(salvaged, Buffer.from(salt).toString('hex'))) }),
    });
    const now = env.clock.now();
    let salt: Uint8Array;
    let segments: SegmentEntry[];
    let active: ActiveSegment;
    if (rec.tail !== undefined && rec.salt !== undefined) {
      const tailSeg = rec.segments.at(-1);
      if (tailSeg === undefined) throw new WalError('ECORRUPT', 'recovery returned a tail without segments');
      salt = rec.salt;
      segments = rec.segments.map((s, i) => ({
        firstLsn: s.firstLsn,
        name: s.name,
        sealedAt: i === rec.segments.length - 1 ? undefined : now,
        end: rec.segmentEnds[i],
      }));
      active = {
        handle: rec.tail.handle,
        name: tailSeg.name,
        firstLsn: tailSeg.firstLsn,
        writeOffset: rec.tail.writeOffset,
        size: rec.tail.size,
        maxRecordSize: tailSeg.maxRecordSize,
        version: tailSeg.formatVersion,
      };
    } else {
      salt = newSalt({ random: opts.random, now, state: rec.stateHash, avoid: rec.foreignSalts });
      const prepared = await prepareSegment(fs, dir, opts.segmentSize, opts.preallocate);
      let name: string;
      const version = formatVersionFor(opts.compression, opts.transactions, opts.timestamps);
      try {
        name = await installSegment(fs, dir, prepared, { version, firstLsn: rec.nextLsn, salt, maxRecordSize: opts.maxRecordSize });
      } catch (err) {
        await prepared.handle.close().catch(() => undefined); // the install error is the one reported
        throw err;
      }
      segments = [{ firstLsn: rec.nextLsn, name, sealedAt: undefined }];
      active = {
        handle: prepared.handle,
        name,
        firstLsn: rec.nextLsn,
        writeOffset: SEGMENT_HEADER_SIZE,
        size: prepared.size,
        maxRecordSize: opts.maxRecordSize,
        version,
      };
    }
    const writer = new LogWriter({
      fs,
      clock: env.clock,
      dir,
      options: opts,
      salt,
      seed: saltSeed(salt),
      segments,
      active,
      nextLsn: rec.nextLsn,
      breaker,
    });
    try {
      await writer.retain();
    } catch (err) {
      await writer.close().catch(() => undefined); // the retention error is the one reported
      throw err;
    }
    logRecovery(opts.logger, dir, rec.report);
    return new Wal(writer, io, rec.records, rec.transactions, rec.report, opts, salt, env.clock, fs, breaker, deadLetters);
  }

  /** Resolves with the record's LSN once written (and, at everyWrite/groupCommit, durable). */
  append(record: Uint8Array): Promise<number> {
    return this.writer.append(record);
  }

  /**
   * Appends a transaction: `records` as its data records, then its commit
   * record, written together in one write into one segment; resolves with the
   * commit record's LSN once written (and, at everyWrite/groupCommit,
   * durable). Recovery applies all of it or none (docs/format.md,
   * "Transactions"). Needs the option `transactions: true`.
   */
  appendTransaction(records: readonly Uint8Array[]): Promise<number> {
    return this.writer.appendTransaction(records);
  }

  /** For backup() (backup.ts): everything written made durable, every segment opened for reading, and the clock then. */
  async openForBackup(): Promise<Awaited<ReturnType<LogWriter['openForBackup']>> & { clockMs: number }> {
    const view = await this.writer.openForBackup();
    return { ...view, clockMs: this.clock.now() };
  }

  /** A hot backup of this log (and its dead-letter queue) into destDir: backup(this, destFs, destDir). */
  backupTo(destFs: FileSystem, destDir: string): Promise<BackupManifest> {
    return backup(this, destFs, destDir);
  }

  /** Every append that resolved before this call is durable when it resolves. */
  sync(): Promise<void> {
    return this.writer.sync();
  }

  /** Releases records with lsn < upTo: whole segments below it are unlinked, oldest first. */
  truncatePrefix(upTo: number): Promise<void> {
    return this.writer.truncatePrefix(upTo);
  }

  /** Finishes admitted appends, syncs (except at level none), closes the files (the dead-letter queue's too). */
  async close(): Promise<void> {
    try {
      await this.writer.close();
    } finally {
      await this.deadLetters?.close();
    }
  }

  stats(): WalStats {
    const w = this.writer.counters;
    const q = this.writer.queue;
    return {
      appends: w.appends,
      transactions: w.transactions,
      appendsRejected: w.appendsRejected,
      batches: w.batches,
      largestBatch: w.largestBatch,
      maxBatch: w.largestBatch,
      fsyncs: this.io.counters.fileSyncs,
      dataSyncs: w.dataSyncs,
      dirSyncs: this.io.counters.dirSyncs,
      syncErrors: this.io.counters.syncErrors,
      flushDurations: this.io.timings.snapshot(),
      lastFlush: this.io.timings.last,
      flusher: this.writer.flusher,
      bytesWritten: w.recordBytesWritten,
      deviceBytesWritten: this.io.counters.writtenBytes,
      bytesBeforeCompression: w.bytesBeforeCompression,
      bytesAfterCompression: w.recordBytesWritten,
      compressedFrames: w.compressedFrames,
      compressionSkipped: w.compressionSkipped,
      queueDepth: q.depth,
      queueBytes: q.bytes,
      queueUtilisation: q.utilisation,
      queueWaiting: q.waiting,
      backpressureRejected: q.rejectedFull,
      backpressureTimedOut: q.timedOut,
      writeErrors: w.writeErrors,
      rollbacks: w.rollbacks,
      rotations: w.rotations,
      segments: this.writer.segments.length,
      segmentsRemoved: w.segmentsRemoved,
      intervalFlushes: w.intervalFlushes,
      backgroundErrors: w.backgroundErrors,
      retries: this.retrying.counters.retries,
      retriesExhausted: this.retrying.counters.retriesExhausted,
      breaker: this.breaker.state,
      breakerOpens: this.breaker.opens,
      nextLsn: this.writer.nextLsn,
      durableThrough: this.writer.durableThrough,
      state: this.writer.state,
    };
  }
}
