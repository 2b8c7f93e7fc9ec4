/**
 * The dead-letter queue: a log of the engine's own format in `<log dir>/dlq`
 * (its own segments, every record checksummed) that keeps what would
 * otherwise be passed over: the bytes skipCorrupted salvages around, and the
 * records and transactions an application's handler rejects
 * (dead-letter-apply.ts). Entries are read back, replayed through a handler,
 * or purged; nothing leaves the queue except by a durable resolution record.
 *
 * An entry's id is its LSN in the dead-letter log: stable across restarts.
 * Every entry also has a source key (the source log's id and where the entry
 * came from: a segment, offset and length, or an LSN); an entry whose key the
 * queue already holds is not added again, so a crash between making an entry
 * durable and finishing what it was for (an open, a handler's turn) never
 * leaves two of it. The queue is created only when its first entry is
 * written. The layout of its records is dead-letter-entry.ts's
 * (docs/format.md, "Dead-letter queue"); docs/dlq.md says how to use it.
 */
import type { BackupManifest } from './backup-manifest.js';
import type { FileSystem, RecoveredRecord, WalEnv } from '../ports.js';
import { present } from '../assert.js';
import { errorCode, WalError } from '../errors.js';
import {
  decodeDeadLetterRecord,
  encodeDeadLetter,
  encodeResolution,
  type DeadLetterBody,
  type DeadLetterKind,
  type DeadLetterReason,
  type ResolutionAction,
} from './dead-letter-entry.js';
import { FORMAT_MAX_RECORD_SIZE } from './format.js';
import { SILENT_LOGGER, type WalLogger } from './logger.js';
import { Mutex } from './mutex.js';
import type { WalOptions } from './options.js';
import { recoverLog, type SalvagedBytes } from './recovery.js';
import { joinPath, listSegments, type SegmentFile } from './segments.js';

/** The queue's directory inside the log directory (recovery ignores every name that is not a segment's). */
export const DEAD_LETTER_DIR = 'dlq';
/** Salvaged ranges are kept in entries of at most this many bytes each (consecutive offsets). */
export const SALVAGE_CHUNK_BYTES = 4 * 1024 * 1024;
const DEAD_LETTER_SEGMENT_SIZE = 16 * 1024 * 1024;

/** A dead letter as the queue holds it: the entry, its id, and what replays did to it. */
export interface DeadLetter extends DeadLetterBody {
  /** The entry's LSN in the dead-letter log. */
  id: number;
  /** 'live' until a replay succeeded ('replayed') or it was purged. */
  status: 'live' | ResolutionAction;
  /** Replays that failed. */
  failedReplays: number;
  /** The error of the latest failed replay. */
  lastError: DeadLetterReason | undefined;
}

/** What the queue did since it was opened (the metrics read it), and what it holds. */
export interface DeadLetterStats {
  /** Entries dead-lettered by this process, by kind. */
  deadLettered: Record<DeadLetterKind, number>;
  /** Entries not added because the queue already held their source (a redo after a crash). */
  duplicatesSkipped: number;
  replayed: number;
  replayFailures: number;
  purged: number;
  /** Entries waiting (not replayed, not purged). */
  live: number;
  /** Live entries by kind. */
  liveByKind: Record<DeadLetterKind, number>;
}

/** The part of the engine's Wal the queue writes through (the engine's log, opened on the queue's directory). */
export interface DeadLetterLog {
  readonly recovered: readonly RecoveredRecord[];
  append(record: Uint8Array): Promise<number>;
  truncatePrefix(upTo: number): Promise<void>;
  close(): Promise<void>;
  /** A hot backup of the queue's log into destDir (the engine's Wal.backupTo); a log without it cannot be backed up. */
  backupTo?(destFs: FileSystem, destDir: string): Promise<BackupManifest>;
}

export type DeadLetterLogOpener = (env: WalEnv, options: WalOptions) => Promise<DeadLetterLog>;

export interface DeadLetterQueueOptions {
  logger?: WalLogger;
  /** The salt source of the queue's own log (the parent log's option). */
  random?: () => number;
  /** The segment size of the queue's own log (default 16 MiB). */
  segmentSize?: number;
}

/** A rejected record or transaction, as dead-letter-apply.ts hands it in. */
export interface Rejection {
  kind: 'record' | 'transaction';
  /** The source log's id (16 hex digits). */
  logId: string;
  /** The record, or the transaction's data records, oldest first. */
  records: readonly RecoveredRecord[];
  /** The transaction's commit LSN (for a record: its LSN). */
  lastLsn: number;
  segment: string;
  error: unknown;
}

/** What a replay did: the ids replayed, and those that failed again, with the error. */
export interface ReplayOutcome {
  replayed: number[];
  failed: { id: number; error: DeadLetterReason }[];
}

/** The handler a replay gives each entry to; throwing or rejecting leaves the entry in the queue. */
export type DeadLetterHandler = (entry: DeadLetter) => unknown;

export const DEAD_LETTER_KINDS: readonly DeadLetterKind[] = ['salvaged', 'record', 'transaction'];

function perKind(): Record<DeadLetterKind, number> {
  return { salvaged: 0, record: 0, transaction: 0 };
}

/** The source key: which source an entry stands for, so the same source is never dead-lettered twice. */
export function sourceKey(e: Pick<DeadLetterBody, 'kind' | 'logId' | 'segment' | 'offset' | 'firstLsn' | 'lastLsn' | 'parts'>): string {
  if (e.kind === 'salvaged') return `salvaged:${e.logId}:${e.segment}:${e.offset}:${e.parts[0]?.data.length ?? 0}`;
  return `${e.kind}:${e.logId}:${e.lastLsn}`;
}

/** An error as a dead letter's reason: its code (or name) and message. */
export function reasonOf(err: unknown): DeadLetterReason {
  const code = errorCode(err) ?? (err instanceof Error ? err.name : typeof err);
  const message = err instanceof Error ? err.message : String(err);
  return { code, message };
}

/** The log's segment holding `lsn`, from a listing of its segments ('' when none does). */
export function segmentOf(segments: readonly SegmentFile[], lsn: number): string {
  let name = '';
  for (const s of segments) if (s.firstLsn <= lsn) name = s.name;
  return name;
}

export class DeadLetterQueue {
  private readonly entries = new Map<number, DeadLetter>();
  private readonly keys = new Map<string, number>();
  private readonly mutex = new Mutex();
  private readonly counts = { deadLettered: perKind(), duplicatesSkipped: 0, replayed: 0, replayFailures: 0, purged: 0 };
  private closed = false;
  /** Opened by inspect(): nothing is written. */
  private readOnly = false;

  private constructor(
    private readonly fs: FileSystem,
    private readonly clock: WalEnv['clock'],
    /** The parent log's directory; the queue is in DEAD_LETTER_DIR under it. */
    private readonly logDir: string,
    private log: DeadLetterLog | undefined,
    private readonly openLog: DeadLetterLogOpener,
    private readonly options: DeadLetterQueueOptions,
  ) {
    if (log !== undefined) this.load(log.recovered);
  }

  /**
   * A hot backup of the queue's log into destDir (a backup directory of its
   * own, manifest last), taken while no entry is being written; undefined
   * when the queue has no log yet (no entry was ever written), so there is
   * nothing to back up.
   */
  async backupTo(destFs: FileSystem, destDir: string): Promise<BackupManifest | undefined> {
    return this.mutex.run(async () => {
      const log = this.log;
      if (log === undefined) return undefined;
      if (log.backupTo === undefined)
        throw new WalError('ENOTSUP', `the dead-letter queue in ${this.dir} cannot be backed up (its log has no backupTo)`);
      return log.backupTo(destFs, destDir);
    });
  }

  /** The queue's directory. */
  get dir(): string {
    return joinPath(this.logDir, DEAD_LETTER_DIR);
  }

  private get logger(): WalLogger {
    return this.options.logger ?? SILENT_LOGGER;
  }

  /**
   * Opens the queue of the log in `env.dir`: recovers its log (a damaged
   * queue is refused, ECORRUPT, as any log in the default mode) when its
   * directory exists; otherwise the queue is empty and its log is created by
   * the first entry.
   */
  static async open(env: WalEnv, openLog: DeadLetterLogOpener, options: DeadLetterQueueOptions = {}): Promise<DeadLetterQueue> {
    const dir = joinPath(env.dir, DEAD_LETTER_DIR);
    const exists = await env.fs.stat(dir).then(
      (st) => {
        if (!st.isDirectory)
          throw new WalError('EINVAL', `${dir} is not a directory: it cannot hold the dead-letter queue`, { details: { dir } });
        return true;
      },
      (err: unknown) => {
        if (errorCode(err) === 'ENOENT') return false;
        throw err;
      },
    );
    const log = exists ? await openLog({ fs: env.fs, clock: env.clock, dir }, queueLogOptions(options)).catch(inQueue(dir)) : undefined;
    try {
      return new DeadLetterQueue(env.fs, env.clock, env.dir, log, openLog, options);
    } catch (err) {
      await log?.close().catch(() => undefined); // the decoding error is the one reported
      throw err;
    }
  }

  /**
   * Reads the queue of the log in `env.dir` without changing anything (for
   * `faultline dlq list` and `show`): a torn tail is left as it is, mid-log
   * damage is refused (ECORRUPT). EINVAL when there is no queue.
   */
  static async inspect(env: WalEnv): Promise<DeadLetterQueue> {
    const dir = joinPath(env.dir, DEAD_LETTER_DIR);
    const st = await env.fs.stat(dir).catch((err: unknown) => {
      if (errorCode(err) === 'ENOENT') throw noQueue(env.dir);
      throw err;
    });
    if (!st.isDirectory) throw noQueue(env.dir);
    const rec = await recoverLog(env.fs, dir, 'tolerateCorruptedTail', () => env.clock.now(), { repair: false }).catch(inQueue(dir));
    const log: DeadLetterLog = {
      recovered: rec.records,
      append: () => Promise.reject(new WalError('EREADONLY', `the dead-letter queue in ${dir} was opened read-only`)),
      truncatePrefix: () => Promise.reject(new WalError('EREADONLY', `the dead-letter queue in ${dir} was opened read-only`)),
      close: () => Promise.resolve(),
    };
    const q = new DeadLetterQueue(env.fs, env.clock, env.dir, log, () => Promise.reject(new WalError('EREADONLY', 'read-only')), {});
    q.readOnly = true;
    return q;
  }

  /** Whether the queue's directory exists under the log directory `env.dir`. */
  static async exists(env: Pick<WalEnv, 'fs' | 'dir'>): Promise<boolean> {
    return env.fs.stat(joinPath(env.dir, DEAD_LETTER_DIR)).then(
      (st) => st.isDirectory,
      (err: unknown) => {
        if (errorCode(err) === 'ENOENT') return false;
        throw err;
      },
    );
  }

  /** Folds the queue's records into its state: entries, their source keys, and what resolutions did to them. */
  private load(records: readonly RecoveredRecord[]): void {
    for (const r of records) this.apply(r.lsn, r.data);
  }

  private apply(id: number, bytes: Uint8Array): void {
    const rec = decodeDeadLetterRecord(bytes, id);
    if (rec.type === 'entry') {
      const entry: DeadLetter = { ...rec.entry, id, status: 'live', failedReplays: 0, lastError: undefined };
      this.entries.set(id, entry);
      this.keys.set(sourceKey(entry), id);
      return;
    }
    const { action, ids, reason } = rec.resolution;
    for (const target of ids) {
      // An entry released with its segment (compaction) may still be named by a later resolution.
      const e = this.entries.get(target);
      if (e === undefined || e.status !== 'live') continue;
      if (action === 'replay-failed') {
        e.failedReplays += 1;
        e.lastError = reason;
      } else e.status = action;
    }
  }

  /** Every entry the queue holds, oldest first; live ones only unless `all`. */
  list(options: { all?: boolean } = {}): DeadLetter[] {
    const out = [...this.entries.values()].sort((a, b) => a.id - b.id);
    return options.all === true ? out : out.filter((e) => e.status === 'live');
  }

  /** The entry `id` (live or resolved); EINVAL when the queue holds none. */
  get(id: number): DeadLetter {
    const e = this.entries.get(id);
    if (e === undefined) throw new WalError('EINVAL', `no dead-letter entry ${id} in ${this.dir}`, { details: { id } });
    return e;
  }

  /** The id of the entry standing for this source, if the queue holds one (live or resolved). */
  idOfSource(key: string): number | undefined {
    return this.keys.get(key);
  }

  stats(): DeadLetterStats {
    const liveByKind = perKind();
    let live = 0;
    for (const e of this.entries.values()) {
      if (e.status !== 'live') continue;
      live += 1;
      liveByKind[e.kind] += 1;
    }
    return { ...this.counts, deadLettered: { ...this.counts.deadLettered }, live, liveByKind };
  }

  /** The parent log's segments now (for a rejected record's segment and for compaction). */
  async sourceSegments(): Promise<SegmentFile[]> {
    return (await listSegments(this.fs, this.logDir)).segments;
  }

  /**
   * Dead-letters what skipCorrupted passed over (recovery's beforeRepairs):
   * each range in entries of at most SALVAGE_CHUNK_BYTES, each durable
   * before the next; ranges already held are skipped. Resolves with the new ids.
   */
  addSalvaged(ranges: readonly SalvagedBytes[], logId: string): Promise<number[]> {
    const bodies: DeadLetterBody[] = [];
    for (const r of ranges) {
      for (let at = 0; at < r.bytes.length; at += SALVAGE_CHUNK_BYTES) {
        const data = r.bytes.subarray(at, Math.min(r.bytes.length, at + SALVAGE_CHUNK_BYTES));
        const lsn = r.lsn ?? 0;
        bodies.push({
          kind: 'salvaged',
          logId,
          atMs: 0, // set when written
          firstLsn: lsn,
          lastLsn: lsn,
          segment: r.segment,
          offset: r.offset + at,
          reason: { code: 'ECORRUPT', message: r.reason },
          parts: [{ lsn: 0, data }],
        });
      }
    }
    return this.mutex.run(async () => {
      const ids: number[] = [];
      for (const b of bodies) {
        const id = await this.addLocked(b);
        if (id !== undefined) ids.push(id);
      }
      return ids;
    });
  }

  /** Dead-letters a record or transaction a handler rejected; resolves with its id once durable (an existing id when the queue held it already). */
  async reject(r: Rejection): Promise<number> {
    const first = r.records[0];
    if (first === undefined) throw new WalError('EINVAL', `a rejected ${r.kind} has at least one record`);
    const body: DeadLetterBody = {
      kind: r.kind,
      logId: r.logId,
      atMs: 0,
      firstLsn: first.lsn,
      lastLsn: r.lastLsn,
      segment: r.segment,
      offset: 0,
      reason: reasonOf(r.error),
      parts: r.records.map((x) => ({ lsn: x.lsn, data: x.data })),
    };
    return this.mutex.run(async () => {
      const id = await this.addLocked(body);
      return (
        id ?? present(this.keys.get(sourceKey(body)), 'a duplicate names the entry already held', { kind: body.kind, lsn: body.lastLsn })
      );
    });
  }

  /** Writes one entry unless its source is held already; returns its id, or undefined for a duplicate. Caller holds the mutex. */
  private async addLocked(body: DeadLetterBody): Promise<number | undefined> {
    const key = sourceKey(body);
    const held = this.keys.get(key);
    const context = {
      dlq: this.dir,
      kind: body.kind,
      segment: body.segment,
      lsn: body.firstLsn,
      txLsn: body.kind === 'transaction' ? body.lastLsn : undefined,
    };
    if (held !== undefined) {
      this.counts.duplicatesSkipped += 1;
      this.logger.debug({ ...context, id: held }, 'already dead-lettered; not added again');
      return undefined;
    }
    const bytes = encodeDeadLetter({ ...body, atMs: Math.max(0, Math.floor(this.clock.now())) });
    const id = await this.write(bytes);
    this.apply(id, bytes);
    this.counts.deadLettered[body.kind] += 1;
    this.logger.warn(
      {
        ...context,
        id,
        offset: body.offset,
        bytes: body.parts.reduce((n, p) => n + p.data.length, 0),
        code: body.reason.code,
        reason: body.reason.message,
      },
      `${body.kind === 'salvaged' ? 'salvaged bytes' : `rejected ${body.kind}`} dead-lettered`,
    );
    return id;
  }

  /** Appends one record to the queue's log (created on first use); durable when it resolves. Caller holds the mutex. */
  private async write(bytes: Uint8Array): Promise<number> {
    if (this.closed) throw new WalError('ECLOSED', `the dead-letter queue ${this.dir} is closed`);
    if (this.readOnly) throw new WalError('EREADONLY', `the dead-letter queue in ${this.dir} was opened read-only`);
    this.log ??= await this.openLog({ fs: this.fs, clock: this.clock, dir: this.dir }, queueLogOptions(this.options));
    return this.log.append(bytes);
  }

  /**
   * Gives each live entry (all of them, or those in `ids`, oldest first) to
   * `handler`. One that it takes (resolves) is resolved as replayed, durably,
   * before the next is given; one it rejects stays live, its failure
   * recorded durably. An entry is given again only if the process stops
   * between its handler resolving and that record (at least once).
   */
  replay(handler: DeadLetterHandler, options: { ids?: readonly number[] } = {}): Promise<ReplayOutcome> {
    return this.mutex.run(async () => {
      const targets = options.ids === undefined ? this.list() : this.liveTargets(options.ids);
      const out: ReplayOutcome = { replayed: [], failed: [] };
      for (const e of targets) {
        let failure: DeadLetterReason | undefined;
        try {
          await handler(e);
        } catch (err) {
          failure = reasonOf(err);
        }
        if (failure === undefined) {
          await this.resolve('replayed', [e.id], { code: '', message: '' });
          this.counts.replayed += 1;
          out.replayed.push(e.id);
          this.logger.info({ dlq: this.dir, id: e.id, kind: e.kind, segment: e.segment, lsn: e.firstLsn }, 'dead letter replayed');
        } else {
          await this.resolve('replay-failed', [e.id], failure);
          this.counts.replayFailures += 1;
          out.failed.push({ id: e.id, error: failure });
          this.logger.error(
            { dlq: this.dir, id: e.id, kind: e.kind, segment: e.segment, lsn: e.firstLsn, code: failure.code, reason: failure.message },
            'dead letter failed again on replay; it stays in the queue',
          );
        }
      }
      if (out.replayed.length > 0) await this.compactLocked();
      return out;
    });
  }

  /** Purges exactly the live entries `ids` (EINVAL, nothing purged, when one is not live): one durable resolution, then compaction. */
  purge(ids: readonly number[]): Promise<number[]> {
    return this.mutex.run(async () => {
      const targets = this.liveTargets(ids);
      if (targets.length === 0) return [];
      const purged = targets.map((e) => e.id);
      await this.resolve('purged', purged, { code: '', message: '' });
      this.counts.purged += purged.length;
      this.logger.warn({ dlq: this.dir, ids: purged }, 'dead letters purged');
      await this.compactLocked();
      return purged;
    });
  }

  /** The live entries `ids`, oldest first; EINVAL naming the first id that is unknown or resolved. */
  private liveTargets(ids: readonly number[]): DeadLetter[] {
    const out: DeadLetter[] = [];
    for (const id of new Set(ids)) {
      const e = this.get(id);
      if (e.status !== 'live')
        throw new WalError('EINVAL', `dead-letter entry ${id} is already ${e.status}`, { details: { id, status: e.status } });
      out.push(e);
    }
    return out.sort((a, b) => a.id - b.id);
  }

  private async resolve(action: ResolutionAction, ids: number[], reason: DeadLetterReason): Promise<void> {
    const bytes = encodeResolution({ action, atMs: Math.max(0, Math.floor(this.clock.now())), ids, reason });
    const id = await this.write(bytes);
    this.apply(id, bytes);
  }

  /**
   * Releases the queue's oldest segments once nothing in them is needed: an
   * entry is needed while it is live, and while its source is still in the
   * parent log (its segment exists, or its LSN is at or above the log's
   * oldest segment), so that a recovery or a handler that meets the source
   * again finds its key and does not dead-letter it twice.
   */
  private async compactLocked(): Promise<void> {
    const log = this.log;
    if (log === undefined) return;
    const segments = await this.sourceSegments();
    const names = new Set(segments.map((s) => s.name));
    const oldest = segments[0]?.firstLsn;
    const needed = (e: DeadLetter): boolean =>
      e.status === 'live' || (e.kind === 'salvaged' ? names.has(e.segment) : oldest !== undefined && e.lastLsn >= oldest);
    let upTo: number | undefined;
    for (const e of this.entries.values()) if (needed(e) && (upTo === undefined || e.id < upTo)) upTo = e.id;
    if (upTo === undefined) {
      // Nothing needed: everything up to the newest record may go (the active segment always stays).
      upTo = Math.max(0, ...this.entries.keys()) + 1;
    }
    await log.truncatePrefix(upTo);
    const left = (await listSegments(this.fs, this.dir)).segments[0]?.firstLsn ?? upTo;
    for (const [id, e] of this.entries) {
      if (id >= left) continue;
      this.entries.delete(id);
      if (this.keys.get(sourceKey(e)) === id) this.keys.delete(sourceKey(e));
    }
  }

  /** Closes the queue's log (waiting for any write under way). */
  close(): Promise<void> {
    return this.mutex.run(async () => {
      if (this.closed) return;
      this.closed = true;
      await this.log?.close();
    });
  }
}

/** A WalError of the queue's own log, said to be the queue's (its segments are named like the log's). */
function inQueue(dir: string): (err: unknown) => never {
  return (err) => {
    if (!(err instanceof WalError)) throw err;
    throw new WalError(err.code, `dead-letter queue ${dir}: ${err.message}`, { cause: err, details: { ...err.details, queue: dir } });
  };
}

function noQueue(logDir: string): WalError {
  return new WalError(
    'EINVAL',
    `no dead-letter queue in ${logDir} (no ${DEAD_LETTER_DIR}/ directory: nothing was ever dead-lettered there)`,
    {
      details: { dir: logDir },
    },
  );
}

/** The options of the queue's own log: every entry durable on its own, no preallocation (dead letters are rare), the largest records the format allows. */
function queueLogOptions(options: DeadLetterQueueOptions): WalOptions {
  return {
    durability: { kind: 'everyWrite' },
    preallocate: false,
    segmentSize: options.segmentSize ?? DEAD_LETTER_SEGMENT_SIZE,
    maxRecordSize: FORMAT_MAX_RECORD_SIZE,
    recoveryMode: 'tolerateCorruptedTail',
    deadLetters: false,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.random === undefined ? {} : { random: options.random }),
  };
}
