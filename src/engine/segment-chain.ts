/**
 * The segment chain: the log's segments oldest first, the active one at the
 * end (the one batches go to), and the work that changes the chain:
 *
 * - prepare-ahead: with preallocation, the next segment's file is created,
 *   zero-filled and synced in the background once the active one is
 *   PREPARE_AHEAD_AT full, so a rotation rarely waits for it;
 * - rotation: the active segment is sealed (synced) and the prepared file is
 *   installed as the next one (header, rename, directory fsync); retention
 *   runs after it;
 * - an empty active segment whose header allows smaller records than the
 *   options (a log reopened with a larger maxRecordSize) gets its header
 *   rewritten in place instead of a rotation;
 * - removal of the oldest segments, by retention or truncatePrefix: oldest
 *   first, each unlink durable before the next, never the active segment.
 *
 * The writer (src/engine/writer.ts) owns one chain, calls it under its lock,
 * writes the batches itself and reports where each landed (advance). The
 * chain keeps a segment within segmentSize except for a single record
 * larger than the room left (roomForBatch says how much a batch may take).
 * Sealing syncs through the writer, which tracks what is durable.
 */
import { assert, present, unreachable } from '../assert.js';
import type { Clock, FileHandle, FileSystem } from '../ports.js';
import { formatVersionFor } from './compression.js';
import {
  encodeSegmentHeader,
  FORMAT_VERSION,
  SEGMENT_HEADER_SIZE,
  TIME_MARK_SIZE,
  versionHasTimeMarks,
  type FormatVersion,
} from './format.js';
import { ioErrorCode, isSyncFailure, messageOf, type LogState } from './log-state.js';
import type { ResolvedOptions } from './options.js';
import { installSegment, joinPath, prepareSegment, removeFile, type PreparedSegment } from './segments.js';

export interface SegmentEntry {
  firstLsn: number;
  name: string;
  /** Clock time the segment was sealed (a newer one began); undefined for the active one. */
  sealedAt: number | undefined;
  /** A sealed segment: the offset just after its last record (its bytes end there; zero fill may follow). */
  end?: number;
}

export interface ActiveSegment {
  handle: FileHandle;
  name: string;
  firstLsn: number;
  writeOffset: number;
  size: number;
  /** The record size limit in this segment's header (a log reopened with a larger maxRecordSize rotates first). */
  maxRecordSize: number;
  /** The segment's format version: v2 and later take compressed frames, v3 transaction records, v4 time marks (a segment holding records never changes format; an empty one may be rewritten to a later one). */
  version: FormatVersion;
  /** The time the last time mark written into this segment states (undefined: none yet, so the next stamped batch writes one). */
  lastMarkMs?: number;
}

/** The writer's counters the chain adds to. */
export interface ChainCounters {
  rotations: number;
  segmentsRemoved: number;
  backgroundErrors: number;
}

/** What the chain needs from the writer that owns it. */
export interface ChainHost {
  /** Whether the active segment holds written bytes not yet synced. */
  unsynced(): boolean;
  /** fdatasync of the active segment; its failure stops the log and is thrown as EFAILSTOP. */
  syncActive(what: string): Promise<void>;
}

export interface ChainInit {
  fs: FileSystem;
  clock: Clock;
  dir: string;
  options: ResolvedOptions;
  salt: Uint8Array;
  /** Oldest first; the last one is `active`. */
  segments: SegmentEntry[];
  active: ActiveSegment;
  counters: ChainCounters;
  state: LogState;
  host: ChainHost;
}

/** What the prepared-ahead next segment became: never a rejection, so nobody has to be awaiting it. */
export type PreparedAhead = { ok: true; prepared: PreparedSegment } | { ok: false; error: unknown };

/** What the active segment needs before a batch can go into it. */
export type TailChange = 'none' | 'rotate' | 'rewriteHeader';

/** Fraction of the active segment written before the next one is prepared in the background. */
const PREPARE_AHEAD_AT = 0.5;

export class SegmentChain {
  readonly segments: SegmentEntry[];
  private current: ActiveSegment;
  private preparing: Promise<PreparedAhead> | undefined;
  private readonly fs: FileSystem;
  private readonly clock: Clock;
  private readonly dir: string;
  private readonly options: ResolvedOptions;
  private readonly salt: Uint8Array;
  private readonly counters: ChainCounters;
  private readonly state: LogState;
  private readonly host: ChainHost;

  constructor(init: ChainInit) {
    assert(init.segments.at(-1)?.name === init.active.name, 'the last segment of the chain is the active one', {
      last: init.segments.at(-1)?.name,
      active: init.active.name,
    });
    this.segments = init.segments;
    this.current = init.active;
    this.fs = init.fs;
    this.clock = init.clock;
    this.dir = init.dir;
    this.options = init.options;
    this.salt = init.salt;
    this.counters = init.counters;
    this.state = init.state;
    this.host = init.host;
  }

  get active(): ActiveSegment {
    return this.current;
  }

  /**
   * The bytes the next batch may take so that a segment grows past
   * segmentSize only by a single record larger than the space left: the room
   * left in the active segment, or a whole fresh segment when the first
   * queued entry (`firstEncoded` bytes as plain records, if any is queued)
   * does not fit there (the batch then rotates first).
   */
  roomForBatch(firstEncoded: number | undefined): number {
    const overhead = this.batchOverhead();
    const fresh = this.options.segmentSize - SEGMENT_HEADER_SIZE - overhead;
    const left = this.options.segmentSize - this.current.writeOffset - overhead;
    if (firstEncoded === undefined || this.current.writeOffset === SEGMENT_HEADER_SIZE) return Math.max(left, 0);
    return firstEncoded <= left ? left : fresh;
  }

  /** Bytes a batch takes besides its records: the time mark in front of it, with timestamps (counted whether or not one is written). */
  batchOverhead(): number {
    return this.options.timestamps ? TIME_MARK_SIZE : 0;
  }

  /**
   * Before a batch of `bytes` encoded bytes whose largest payload is
   * `largestPayload` is written: rotate when it does not fit behind records
   * already in the segment, or when the segment's header does not allow a
   * record that large (an empty segment rewrites its header instead).
   */
  tailChange(bytes: number, largestPayload: number, needsVersion: FormatVersion = FORMAT_VERSION): TailChange {
    const full = this.current.writeOffset + bytes > this.options.segmentSize;
    const empty = this.current.writeOffset === SEGMENT_HEADER_SIZE;
    // A transaction goes only into a segment whose format holds transaction records (v3), a stamped batch only into one
    // that holds time marks (v4): an older one is sealed first. And an unstamped batch never goes into a v4 segment,
    // where its records would read as stamped by the mark before them.
    const format = needsVersion > this.current.version || this.unstampedIntoStamped();
    if ((full && !empty) || largestPayload > this.current.maxRecordSize || format) return empty ? 'rewriteHeader' : 'rotate';
    return 'none';
  }

  /** Whether the log writes without timestamps while the active segment is format v4 (a log reopened without them). */
  private unstampedIntoStamped(): boolean {
    return !this.options.timestamps && versionHasTimeMarks(this.current.version);
  }

  /** A batch of `records` records, `bytes` bytes, was written at `offset` of the active segment. */
  advance(offset: number, bytes: number, records: number): void {
    const a = this.current;
    assert(offset === a.writeOffset, "a batch is written at the active segment's write offset", {
      segment: a.name,
      offset,
      writeOffset: a.writeOffset,
    });
    const end = offset + bytes;
    assert(
      end <= this.options.segmentSize || (offset === SEGMENT_HEADER_SIZE && records === 1),
      'a segment grows past segmentSize only by one record larger than the room left',
      { segment: a.name, offset, bytes, records, segmentSize: this.options.segmentSize },
    );
    a.writeOffset = end;
    a.size = Math.max(a.size, end);
    this.prepareAheadIfDue();
  }

  /** A failed write at `offset` was truncated away. */
  truncatedTo(offset: number): void {
    this.current.size = offset;
  }

  /**
   * With preallocation, the next segment is prepared in the background once
   * the active one is PREPARE_AHEAD_AT full: early enough to be ready at the
   * rotation, late enough that opening a log, or a log that grows slowly,
   * does not write a whole zero-filled segment it may not need for a while.
   */
  prepareAheadIfDue(): void {
    if (!this.options.preallocate || this.preparing !== undefined || !this.state.accepting) return;
    if (this.current.writeOffset < this.options.segmentSize * PREPARE_AHEAD_AT) return;
    this.preparing = prepareSegment(this.fs, this.dir, this.options.segmentSize, this.options.preallocate).then(
      (prepared) => ({ ok: true as const, prepared }),
      (error: unknown) => ({ ok: false as const, error }),
    );
  }

  /** The segment being prepared ahead, if any, handed to the caller (close closes its file). */
  detachAhead(): Promise<PreparedAhead> | undefined {
    const ahead = this.preparing;
    this.preparing = undefined;
    return ahead;
  }

  /** The prepared next segment: the one made ahead of time, or a new one now. */
  private async takePrepared(): Promise<PreparedSegment> {
    const ahead = this.detachAhead();
    if (ahead !== undefined) {
      const r = await ahead;
      if (r.ok) return r.prepared;
      this.noteBackgroundError(r.error, 'preparing the next segment ahead of time');
    }
    return prepareSegment(this.fs, this.dir, this.options.segmentSize, this.options.preallocate);
  }

  /** An empty active segment whose header has a smaller record limit than the options: rewrite the header in place. */
  async rewriteEmptyHeader(needsVersion: FormatVersion = FORMAT_VERSION): Promise<void> {
    const a = this.current;
    assert(a.writeOffset === SEGMENT_HEADER_SIZE, 'only an empty segment has its header rewritten', {
      segment: a.name,
      writeOffset: a.writeOffset,
    });
    // An empty segment that must take what its format does not hold (a transaction, a time mark) takes the version that does;
    // an empty v4 segment of a log no longer stamped takes the log's version.
    const from = this.unstampedIntoStamped() ? formatVersionFor(this.options.compression, this.options.transactions) : a.version;
    const version = needsVersion > from ? needsVersion : from;
    const header = encodeSegmentHeader({
      version,
      firstLsn: a.firstLsn,
      salt: this.salt,
      maxRecordSize: this.options.maxRecordSize,
    });
    await a.handle.write(header, 0);
    await this.host.syncActive('fdatasync of a rewritten segment header');
    a.maxRecordSize = this.options.maxRecordSize;
    a.version = version;
    a.lastMarkMs = undefined;
  }

  /**
   * Seals the active segment (durable before anything goes into the next)
   * and installs the next one, whose first record will be `firstLsn`; then
   * applies retention.
   */
  async rotate(firstLsn: number): Promise<void> {
    const old = this.current;
    assert(old.writeOffset > SEGMENT_HEADER_SIZE, 'only a segment holding records is sealed', { segment: old.name });
    assert(firstLsn >= old.firstLsn, 'a new segment does not begin below the one it seals', { firstLsn, sealing: old.firstLsn });
    if (this.host.unsynced()) await this.host.syncActive('fdatasync sealing a segment');
    const prepared = await this.takePrepared();
    let name: string;
    const version = formatVersionFor(this.options.compression, this.options.transactions, this.options.timestamps);
    try {
      name = await installSegment(this.fs, this.dir, prepared, {
        version,
        firstLsn,
        salt: this.salt,
        maxRecordSize: this.options.maxRecordSize,
      });
    } catch (err) {
      await prepared.handle.close().catch(() => undefined); // the install error is the one reported
      throw this.state.escalate(err);
    }
    assert(this.current === old, 'nothing else rotates while a rotation is under way', { segment: old.name });
    const last = present(this.segments.at(-1), 'the chain holds the active segment');
    assert(last.name === old.name, 'the last segment of the chain is the active one', { last: last.name, active: old.name });
    last.sealedAt = this.clock.now();
    last.end = old.writeOffset;
    this.segments.push({ firstLsn, name, sealedAt: undefined });
    this.current = {
      handle: prepared.handle,
      name,
      firstLsn,
      writeOffset: SEGMENT_HEADER_SIZE,
      size: prepared.size,
      maxRecordSize: this.options.maxRecordSize,
      version,
    };
    this.counters.rotations += 1;
    this.options.logger.info({ dir: this.dir, sealed: old.name, segment: name, firstLsn }, 'segment rotated');
    this.prepareAheadIfDue();
    await old.handle.close();
    try {
      await this.applyRetention();
    } catch (err) {
      // Retention is housekeeping: a failure to unlink does not fail the batch, unless a dir fsync failed.
      if (isSyncFailure(err)) throw this.state.failStop(err);
      this.noteBackgroundError(err, 'retention');
    }
  }

  /** Background work (preallocation, retention) failed without failing an append: counted and logged. */
  private noteBackgroundError(err: unknown, what: string): void {
    this.counters.backgroundErrors += 1;
    this.options.logger.warn({ dir: this.dir, code: ioErrorCode(err), err: messageOf(err) }, `${what} failed; appends go on`);
  }

  /**
   * Every segment of the chain opened for reading, oldest first, with where
   * its bytes end: the write offset for the active one, the end of its last
   * record for a sealed one (undefined, the whole file, only when that is not
   * known). A handle keeps reading the file after an unlink
   * (files are inodes, on POSIX and in the simulator), so retention and
   * truncatePrefix go on while a reader copies. Caller holds the lock; the
   * caller closes the handles.
   */
  async openForReading(): Promise<{ name: string; firstLsn: number; handle: FileHandle; end: number | undefined }[]> {
    const out: { name: string; firstLsn: number; handle: FileHandle; end: number | undefined }[] = [];
    try {
      for (const s of this.segments) {
        const handle = await this.fs.open(joinPath(this.dir, s.name), 'r');
        out.push({ name: s.name, firstLsn: s.firstLsn, handle, end: s.name === this.current.name ? this.current.writeOffset : s.end });
      }
    } catch (err) {
      for (const o of out) await o.handle.close().catch(() => undefined); // the open error is the one reported
      throw err;
    }
    return out;
  }

  /** Unlinks the oldest segments while `removable(oldest, next)` holds; never the active one. Caller holds the lock. */
  async removeOldest(removable: (oldest: SegmentEntry, next: SegmentEntry) => boolean): Promise<void> {
    // Bounded by the number of segments; oldest first, each unlink durable before the next.
    while (this.segments.length > 1) {
      const oldest = present(this.segments[0], 'a chain of two or more segments has an oldest one');
      const next = present(this.segments[1], 'a chain of two or more segments has a second one');
      if (!removable(oldest, next)) break;
      assert(oldest.name !== this.current.name, 'the active segment is never removed', { segment: oldest.name });
      await removeFile(this.fs, this.dir, oldest.name);
      const removed = this.segments.shift();
      assert(removed === oldest, 'segments are removed oldest first, one at a time', { expected: oldest.name, removed: removed?.name });
      this.counters.segmentsRemoved += 1;
      this.options.logger.info({ dir: this.dir, segment: oldest.name, nextFirstLsn: next.firstLsn }, 'segment removed');
    }
  }

  /** Removes what the retention option releases (after each rotation, and at open). Caller holds the lock. */
  async applyRetention(): Promise<void> {
    const r = this.options.retention;
    if (r === undefined) return;
    switch (r.kind) {
      case 'keepLast':
        await this.removeOldest(() => this.segments.length > r.segments);
        return;
      case 'keepDuration': {
        const now = this.clock.now();
        await this.removeOldest((oldest) => oldest.sealedAt !== undefined && now - oldest.sealedAt >= r.ms);
        return;
      }
      default:
        unreachable(r, 'retention is keepLast or keepDuration');
    }
  }
}
