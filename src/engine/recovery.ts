/**
 * Recovery's policy: scan the segments in LSN order, classify what the scan
 * finds as a torn tail or mid-log corruption, apply the recovery mode, and
 * have the repairs made (truncate a torn tail, drop what pointInTime drops),
 * all before the first append. Reading comes first and repairs after, so a
 * read error (EIO) rejects open without touching anything.
 *
 * The jobs around the policy live next to it: segment-reader.ts reads the
 * segments (in the background, overlapping the scan), segment-scan.ts turns
 * one segment's bytes into findings (records accepted, where the scan ended,
 * the first damage, the evidence a damaged LSN was durable), and
 * recovery-repair.ts makes the repairs collected here. Only this module knows
 * what a finding means.
 *
 * Classification (docs/format.md, "Recovery"):
 * - damage in the newest segment is a torn tail unless a later valid record in
 *   that segment says (by its synced-through field) that the damaged LSN had
 *   already been made durable;
 * - damage in a sealed (not newest) segment, a segment header that is invalid
 *   while a later segment exists, and an LSN gap between segments are mid-log
 *   corruption.
 */
import { assert, present } from '../assert.js';
import type { FileSystem, RecoveredRecord } from '../ports.js';
import { codecName } from './compression.js';
import {
  bytesEqual,
  decodeSegmentHeader,
  FORMAT_VERSION,
  headerSaltsIn,
  isZero,
  nonZeroEnd,
  saltSeed,
  SEGMENT_HEADER_SIZE,
  type DecodedRecord,
  type FormatVersion,
  type TxnMark,
  type SegmentHeaderResult,
} from './format.js';
import type { RecoveryMode } from './options.js';
import {
  corruptionError,
  emptyReport,
  midLogFinding,
  type CorruptionFinding,
  type FrameSummary,
  type KeptSegment,
  type RecoveryReport,
  type RecoveryResult,
} from './recovery-report.js';
import { resolveTransactions } from './recovery-transactions.js';
import { applyRepairs, openTail, removePreallocated, type Repair } from './recovery-repair.js';
import { scanView, SegmentReads, type SegmentReader } from './segment-reader.js';
import {
  durableEvidence,
  recordOfLog,
  recoveredRecords,
  scanSegment,
  scanSegmentBytes,
  type ScanDamage,
  type SegmentFindings,
  type TimeMarkFinding,
} from './segment-scan.js';
import { joinPath, listSegments, type SegmentFile } from './segments.js';

export type { CorruptionFinding, FrameSummary, KeptSegment, RecoveryReport, RecoveryResult } from './recovery-report.js';

export interface RecoverOptions {
  /** false: read and classify only; nothing on disk is changed and no tail is opened (verify, dump). Default true. */
  repair?: boolean;
  /**
   * true: leave a leftover wal-next.prealloc in place, because the caller
   * prepares the next segment under that name at once (opening it with
   * truncation), so unlinking a 64 MiB file stays off the open path. Default false.
   */
  keepPreallocated?: boolean;
  /** true: the result also lists, per kept segment, where each accepted record ends (for restore.ts). Default false. */
  layout?: boolean;
  /**
   * skipCorrupted only: called once the scan is done and before any repair,
   * with a copy of every byte range the mode passed over (holes it
   * resynchronised past, the damaged end of a sealed segment, a damaged
   * header block it salvaged around, a segment it passed over whole),
   * oldest first, and the log's salt. Open
   * fails with its error, before anything on disk changed. The dead-letter
   * queue (dead-letter-queue.ts) makes them durable here.
   */
  beforeRepairs?: (salvaged: readonly SalvagedBytes[], salt: Uint8Array) => Promise<void>;
}

/** A byte range skipCorrupted passed over: raw, untrusted bytes, where they lie, and the finding that explains them. */
export interface SalvagedBytes {
  segment: string;
  offset: number;
  /** The LSN the scan expected at `offset`, when known. */
  lsn: number | undefined;
  reason: string;
  /** A copy of the bytes (never a view into a read buffer). */
  bytes: Uint8Array;
}

/** Where each accepted record of a kept segment ends: a record of a compressed frame ends where its frame ends. */
export interface SegmentLayout {
  name: string;
  firstLsn: number;
  records: { lsn: number; end: number; txn: TxnMark }[];
  /** The segment's time marks in offset order (format v4): each stamps its records from the mark's LSN up to the next mark. */
  times: TimeMarkFinding[];
}

interface ScannedSegment {
  file: SegmentFile;
  maxRecordSize: number;
  version: FormatVersion;
  records: DecodedRecord[];
  /** The segment's read buffer (records of compressed frames live in their own). */
  source: ArrayBufferLike;
  /** Offset after the last accepted record. */
  end: number;
  times: TimeMarkFinding[];
}

/** The segment being scanned: its place in the list and its read. */
interface SegmentAt {
  index: number;
  file: SegmentFile;
  newest: boolean;
  reader: SegmentReader;
}

/**
 * Recovers the log in `dir`: every segment read and judged under `mode`, then
 * (unless `repair` is false) the repairs made and the tail opened for the writer.
 */
export async function recoverLog(
  fs: FileSystem,
  dir: string,
  mode: RecoveryMode,
  clockNow: () => number,
  options: RecoverOptions = {},
): Promise<RecoveryResult> {
  const repair = options.repair ?? true;
  const started = clockNow();
  const { segments: files, preallocated } = await listSegments(fs, dir);
  const paths = files.map((f) => joinPath(dir, f.name));
  const collect = repair && options.beforeRepairs !== undefined && mode === 'skipCorrupted';
  const scan = new LogScan(mode, files, new SegmentReads(fs, paths), collect);
  await scan.run();
  const { report, kept, repairs, lastLsn } = scan;
  if (collect && scan.salt !== undefined && scan.salvagedBytes.length > 0) await options.beforeRepairs?.(scan.salvagedBytes, scan.salt);

  const accepted = recoveredRecords(kept);
  const { records, transactions, counts } = resolveTransactions(accepted.records, accepted.marks);
  report.bytes = accepted.bytes;
  report.records = records.length;
  report.firstLsn = accepted.records[0]?.lsn;
  report.lastLsn = accepted.records.at(-1)?.lsn;
  report.transactions = counts;

  // Repairs, in the order collected (later segments newest first, then cuts).
  const survivors = kept.filter((s) => !repairs.some((r) => r.kind === 'remove' && r.name === s.file.name));
  if (repair) report.dropped.bytes += await applyRepairs(fs, dir, repairs);
  if (preallocated && repair && options.keepPreallocated !== true) await removePreallocated(fs, dir);

  const tailSeg = survivors.at(-1);
  const tail = tailSeg !== undefined && repair ? await openTail(fs, dir, tailSeg.file.name, tailSeg.end, repairs) : undefined;
  const nextLsn = tailSeg === undefined ? Math.max(scan.nextLsnFloor, lastLsn + 1) : Math.max(lastLsn + 1, tailSeg.file.firstLsn);
  report.newLog = tailSeg === undefined;
  report.durationMs = Math.max(0, clockNow() - started);
  return {
    report,
    records,
    transactions,
    salt: tailSeg === undefined ? undefined : scan.salt,
    segments: survivors.map((s) => ({
      firstLsn: s.file.firstLsn,
      name: s.file.name,
      maxRecordSize: s.maxRecordSize,
      formatVersion: s.version,
    })),
    segmentEnds: survivors.map((s) => s.end),
    frames: scan.frames,
    ...(options.layout === true
      ? {
          layout: survivors.map((s) => ({
            name: s.file.name,
            firstLsn: s.file.firstLsn,
            records: s.records.map((r) => ({ lsn: r.lsn, end: r.end, txn: r.txn })),
            times: s.times,
          })),
        }
      : {}),
    tail,
    nextLsn,
    foreignSalts: scan.foreignSalts,
    stateHash: scan.stateHash,
  };
}

/**
 * The scan of a whole log and the policy applied to what it finds: one
 * segment at a time, in LSN order, until the last segment or until the mode
 * stops the scan (pointInTime at mid-log damage). Collects the report, the
 * segments kept and the repairs to make; throws ECORRUPT where the mode refuses.
 */
class LogScan {
  readonly report: RecoveryReport;
  readonly kept: ScannedSegment[] = [];
  readonly repairs: Repair[] = [];
  readonly foreignSalts: Uint8Array[] = [];
  readonly stateHash: Uint8Array[];
  readonly frames: FrameSummary[] = [];
  /** The newest format version seen: a segment whose header is unusable is searched for what that version may hold (frames, transaction records). */
  private sawVersion: FormatVersion = FORMAT_VERSION;
  /** The log's salt: the first valid segment header fixes it. */
  salt: Uint8Array | undefined;
  private seed = 0;
  /** The LSN the next segment must start with. */
  private expected: number | undefined;
  lastLsn = 0;
  /** LSNs go on even when every segment is dropped. */
  nextLsnFloor = 1;
  private stopped = false;
  private readonly skip: boolean;
  /** What skipCorrupted salvaged around inside segments: listed after every other finding. */
  private readonly salvaged: CorruptionFinding[] = [];
  /** With `collect`: the bytes of every range skipCorrupted passed over, oldest first. */
  readonly salvagedBytes: SalvagedBytes[] = [];

  constructor(
    private readonly mode: RecoveryMode,
    private readonly files: readonly SegmentFile[],
    private readonly reads: SegmentReads,
    private readonly collect = false,
  ) {
    this.skip = mode === 'skipCorrupted';
    this.stateHash = [new TextEncoder().encode(files.map((f) => f.name).join('/'))];
    this.report = emptyReport(mode, files.length);
  }

  async run(): Promise<void> {
    try {
      for (let i = 0; i < this.files.length && !this.stopped; i++) await this.segment(i);
    } finally {
      // A segment read ahead but not needed (the scan stopped or threw): let every read finish and close.
      this.stopped = true;
      await this.reads.settle();
    }
    this.report.corruption.push(...this.salvaged);
  }

  /** pointInTime at mid-log damage: nothing after this segment is looked at, or read any more. */
  private stop(): void {
    this.stopped = true;
    this.reads.halt();
  }

  private async segment(i: number): Promise<void> {
    const file = present(this.files[i], 'a segment is scanned while its index is in range', { i });
    const newest = i === this.files.length - 1;
    const reader = await this.reads.reader(i);
    const at: SegmentAt = { index: i, file, newest, reader };
    await reader.until(SEGMENT_HEADER_SIZE);
    const head = reader.buf.subarray(0, Math.min(reader.available, reader.buf.length));
    this.stateHash.push(head.slice(0, SEGMENT_HEADER_SIZE)); // a copy: the hash must not keep the segment buffer alive
    const hdr = decodeSegmentHeader(head);
    const prevMax = this.kept.at(-1)?.maxRecordSize ?? 0;
    const viewLimit = Math.max(hdr.ok ? hdr.header.maxRecordSize : 0, prevMax);
    this.nextLsnFloor = Math.max(this.nextLsnFloor, file.firstLsn);
    const problem = this.headerProblem(hdr, file);
    if (problem !== undefined) return this.unusableHeader(at, problem, viewLimit, prevMax);
    assert(hdr.ok, 'a segment header without a problem decoded', { segment: file.name });
    const header = hdr.header;
    if (this.salt === undefined) {
      this.salt = header.salt;
      this.seed = saltSeed(header.salt);
    }
    const expected = this.expected;
    if (expected !== undefined && header.firstLsn !== expected) {
      const reason =
        header.firstLsn > expected
          ? `LSN gap: segment starts at ${header.firstLsn}, expected ${expected} (missing segment)`
          : `segment overlaps: starts at ${header.firstLsn}, expected ${expected}`;
      const f: CorruptionFinding = { kind: 'mid-log', segment: file.name, offset: 0, lsn: expected, reason };
      // skipCorrupted salvages across a gap; an overlapping segment it ignores.
      if (!(this.skip && header.firstLsn > this.lastLsn)) {
        this.midLog(f, i, undefined);
        // skipCorrupted passes over an overlapping segment whole.
        if (this.skip) this.collectWhole(file, scanView(await reader.done, viewLimit), f.reason);
        return;
      }
      this.report.corruption.push(f);
    }
    this.expected = header.firstLsn;
    const version = header.version ?? FORMAT_VERSION;
    if (version > this.sawVersion) this.sawVersion = version;
    const start = {
      seed: this.seed,
      maxRecordSize: header.maxRecordSize,
      prevLsn: this.lastLsn,
      wantLsn: header.firstLsn,
      salvage: this.skip,
      version,
    };
    const found = await scanSegment(reader, start, viewLimit);
    this.keep(file, header.maxRecordSize, version, found, found.source);
    this.collectHoles(file, found.bytes, found.salvaged);
    const damage = found.damage;
    if (damage !== undefined) {
      // Damage that is not just zero fill after the last valid record.
      const { offset, lsn } = damage;
      assert(offset >= SEGMENT_HEADER_SIZE && offset < found.size, 'damage lies after the header, inside the file', { offset, lsn });
      const f = midLogFinding(file.name, damage);
      const evidence = durableEvidence(found.bytes, damage, this.seed, header.maxRecordSize, version);
      if (newest && evidence === undefined) {
        f.kind = 'torn-tail';
        this.report.corruption.push(f);
        if (this.mode === 'absoluteConsistency') throw corruptionError(f, this.mode);
        this.repairs.push({ kind: 'truncate', name: file.name, offset: damage.offset, why: 'torn' });
        this.report.tornBytesTruncated += nonZeroEnd(found.bytes, damage.offset) - damage.offset;
      } else {
        if (evidence !== undefined) f.reason += ` (a valid record at offset ${evidence.offset}, LSN ${evidence.record.lsn}, follows it)`;
        else f.reason += ' (in a sealed segment)';
        this.midLog(f, i, damage.offset);
        if (this.skip) this.collectRange(file, found.bytes, damage, nonZeroEnd(found.bytes, damage.offset) - damage.offset, f.reason);
      }
    }
    this.advance(found.records, header.firstLsn);
  }

  /** Why a segment's header block cannot be used, or undefined when it can. */
  private headerProblem(hdr: SegmentHeaderResult, file: SegmentFile): string | undefined {
    if (!hdr.ok) return hdr.reason;
    if (hdr.header.firstLsn !== file.firstLsn) return `header says first LSN ${hdr.header.firstLsn}, name says ${file.firstLsn}`;
    if (this.salt !== undefined && !bytesEqual(this.salt, hdr.header.salt)) return 'salt differs from the log salt';
    return undefined;
  }

  /** A segment whose header block is invalid, names another first LSN, or carries another salt. */
  private async unusableHeader(at: SegmentAt, problem: string, viewLimit: number, prevMax: number): Promise<void> {
    const { file, newest } = at;
    const whole = await at.reader.done;
    const bytes = scanView(whole, viewLimit);
    this.foreignSalts.push(...headerSaltsIn(bytes));
    // A valid record of this log inside the file proves the header was once durable.
    const evidence = this.salt === undefined ? undefined : recordOfLog(bytes, this.seed, prevMax, this.expected, this.sawVersion);
    const f: CorruptionFinding = {
      kind: 'mid-log',
      segment: file.name,
      offset: 0,
      lsn: this.expected,
      reason: `segment header: ${problem}`,
    };
    if (newest && evidence === undefined) {
      // A crash while the segment was being created: nothing in it was ever acknowledged.
      f.kind = 'torn-tail';
      this.report.corruption.push(f);
      if (this.mode === 'absoluteConsistency' && !isZero(bytes, 0)) throw corruptionError(f, this.mode);
      this.repairs.push({ kind: 'remove', name: file.name, why: 'torn' });
      this.report.dropped.segments.push(file.name);
      this.report.tornBytesTruncated += nonZeroEnd(bytes, 0);
      return;
    }
    if (this.skip && this.salt !== undefined) {
      // Salvage the records of this segment with the log's salt.
      this.report.corruption.push(f);
      this.collectRange(file, bytes, { offset: 0, lsn: this.expected }, nonZeroEnd(bytes.subarray(0, SEGMENT_HEADER_SIZE), 0), f.reason);
      const wantLsn = this.expected ?? 1;
      const start = { seed: this.seed, maxRecordSize: prevMax, prevLsn: this.lastLsn, wantLsn, salvage: true, version: this.sawVersion };
      const found = scanSegmentBytes(bytes, start);
      // Plain records only from here on: they read the same under either version, and the header is unknown.
      this.keep(file, prevMax, FORMAT_VERSION, found, whole.buf.buffer);
      this.collectHoles(file, bytes, found.salvaged);
      this.advance(found.records, wantLsn);
      return;
    }
    this.midLog(f, at.index, undefined);
    // skipCorrupted passes over a segment whose header cannot be used before the log's salt is known, whole.
    if (this.skip) this.collectWhole(file, bytes, f.reason);
  }

  /**
   * Mid-log damage: refuse (tolerateCorruptedTail, absoluteConsistency), go
   * on (skipCorrupted), or (pointInTime) stop here and drop everything from
   * this point on: later segments go newest first, then this one is cut at
   * `truncateAt`, or removed when that is undefined.
   */
  private midLog(f: CorruptionFinding, index: number, truncateAt: number | undefined): void {
    this.report.corruption.push(f);
    if (this.mode === 'tolerateCorruptedTail' || this.mode === 'absoluteConsistency') throw corruptionError(f, this.mode);
    if (this.skip) return;
    assert(this.mode === 'pointInTime', 'the recovery modes are four', { mode: this.mode });
    for (let j = this.files.length - 1; j > index; j--) {
      const later = present(this.files[j], 'a later segment is in the list', { j });
      this.repairs.push({ kind: 'remove', name: later.name, why: 'dropped' });
      this.report.dropped.segments.push(later.name);
    }
    const here = present(this.files[index], 'the damaged segment is in the list', { index });
    if (truncateAt === undefined) {
      this.repairs.push({ kind: 'remove', name: here.name, why: 'dropped' });
      this.report.dropped.segments.push(here.name);
    } else this.repairs.push({ kind: 'truncate', name: here.name, offset: truncateAt, why: 'dropped' });
    this.stop();
  }

  /** A segment the scan keeps (its records recovered, unless a repair removes it); its salvaged holes are listed at the end. */
  private keep(file: SegmentFile, maxRecordSize: number, version: FormatVersion, found: SegmentFindings, source: ArrayBufferLike): void {
    this.kept.push({ file, maxRecordSize, version, records: found.records, source, end: found.end, times: found.times });
    for (const d of found.salvaged) this.salvaged.push(midLogFinding(file.name, d));
    for (const f of found.frames) this.frames.push({ segment: file.name, ...f, codec: codecName(f.codec) });
  }

  /** With `collect`: the holes a salvaging scan skipped (an LSN jump skips no bytes). */
  private collectHoles(file: SegmentFile, bytes: Uint8Array, holes: readonly ScanDamage[]): void {
    for (const d of holes) if (d.skipped !== undefined) this.collectRange(file, bytes, d, d.skipped, d.reason);
  }

  /** With `collect`: a whole segment passed over, up to its last non-zero byte. */
  private collectWhole(file: SegmentFile, bytes: Uint8Array, reason: string): void {
    this.collectRange(file, bytes, { offset: 0, lsn: this.expected }, nonZeroEnd(bytes, 0), reason);
  }

  /** With `collect`: a copy of `length` bytes from `at.offset`, unless there are none. */
  private collectRange(
    file: SegmentFile,
    bytes: Uint8Array,
    at: { offset: number; lsn: number | undefined },
    length: number,
    reason: string,
  ): void {
    if (!this.collect || length <= 0) return;
    assert(at.offset + length <= bytes.length, 'a passed-over range lies inside the bytes scanned', { segment: file.name, ...at, length });
    this.salvagedBytes.push({
      segment: file.name,
      offset: at.offset,
      lsn: at.lsn,
      reason,
      bytes: bytes.slice(at.offset, at.offset + length),
    });
  }

  /** After a segment: the last LSN seen and the LSN the next segment must start with. */
  private advance(records: readonly DecodedRecord[], firstLsn: number): void {
    const last = records.at(-1);
    if (last !== undefined) this.lastLsn = last.lsn;
    this.expected = this.lastLsn >= firstLsn ? this.lastLsn + 1 : firstLsn;
  }
}

/**
 * Reads a log without changing anything: every segment scanned, every damage
 * found and classified (salvaging past mid-log damage like skipCorrupted, so
 * all of it is listed). For `faultline verify` and `faultline dump`.
 */
export async function inspectLog(
  fs: FileSystem,
  dir: string,
  clockNow: () => number,
): Promise<{ report: RecoveryReport; records: RecoveredRecord[]; segments: KeptSegment[]; frames: FrameSummary[] }> {
  const r = await recoverLog(fs, dir, 'skipCorrupted', clockNow, { repair: false });
  return { report: r.report, records: r.records, segments: r.segments, frames: r.frames };
}
