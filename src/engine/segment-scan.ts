/**
 * Scanning one segment into findings, with no policy: the records that
 * verify, in LSN order from the end of the segment header on, where the scan
 * ended, and the first damage it could not get past (offset, the LSN expected
 * there, why the bytes there are not that record). Whether the damage is a
 * torn tail or mid-log corruption, and what the recovery mode does about it,
 * is recovery.ts's business; this module only looks.
 *
 * One acceptance step (`acceptNext`) serves both ways of scanning: while the
 * segment is still being read (records verified as their bytes arrive), and
 * over the whole segment once it is read, going on from where the first one
 * stopped. The first record that does not verify, and everything after it,
 * is judged only on the whole segment, so zero fill after the last record
 * (the clean end of a segment) is told apart from damage by looking at every
 * byte. Salvaging (skipCorrupted) is scanning too: past damage the scan
 * resynchronises on the next valid record with a higher LSN and notes each
 * hole it skipped.
 */
import { assert } from '../assert.js';
import type { RecoveredRecord } from '../ports.js';
import { decompress } from './compression.js';
import {
  decodeFrame,
  decodeFrameContent,
  decodeRecord,
  decodeTimeMark,
  entryHeaderSize,
  isFrameAt,
  isTimeMarkAt,
  isZero,
  peekRecordLength,
  RECORD_HEADER_SIZE,
  scanForEntry,
  SEGMENT_HEADER_SIZE,
  viewOf,
  type CodecId,
  type DecodedRecord,
  type EntryHead,
  type FormatVersion,
  TXN_NONE,
  versionHasFrames,
  versionHasTimeMarks,
  versionHasTransactions,
} from './format.js';
import { scanView, type SegmentReader } from './segment-reader.js';

/** Where a scan could not go on: the offset, the LSN expected there, and why the bytes there are not that record. */
export interface ScanDamage {
  offset: number;
  lsn: number;
  reason: string;
  /** A hole salvaging skipped: how many bytes from `offset` it passed over (undefined for damage the scan stopped at, and for an LSN jump). */
  skipped?: number;
}

/** A valid record (or frame, as its first LSN) found by searching every byte offset, and where it starts. */
export interface FoundRecord {
  offset: number;
  record: EntryHead;
}

/** A compressed frame the scan accepted: where it is, its records, and its sizes stored and uncompressed. */
export interface FrameFinding {
  offset: number;
  firstLsn: number;
  records: number;
  codec: CodecId;
  storedBytes: number;
  contentBytes: number;
}

export interface ScanStart {
  /** The CRC state after the log's salt (saltSeed). */
  seed: number;
  /** The largest payload a record of this segment may carry. */
  maxRecordSize: number;
  /** The last LSN accepted before this segment (0: none). */
  prevLsn: number;
  /** The LSN the segment's first record must carry. */
  wantLsn: number;
  /** true (skipCorrupted): resynchronise past damage, and accept an LSN that jumps upwards. */
  salvage: boolean;
  /** The segment's format version: compressed frames are read in v2 and later, transaction records in v3 and later, time marks in v4 (else they are damage, as before). */
  version: FormatVersion;
}

export interface SegmentFindings {
  /** The records accepted, LSNs strictly increasing (by one, unless salvaging). */
  records: DecodedRecord[];
  /** Offset after the last accepted record (the end of the header block when none). */
  end: number;
  /** The first damage the scan could not get past; undefined when the segment ends cleanly (zero fill or end of file). */
  damage: ScanDamage | undefined;
  /** When salvaging: each hole resynchronised past, and each LSN jump, in offset order. */
  salvaged: ScanDamage[];
  /** The compressed frames accepted, in offset order (their records are in `records`). */
  frames: FrameFinding[];
  /** The time marks accepted, in offset order: each stamps the records from its LSN on, up to the next mark. */
  times: TimeMarkFinding[];
}

/** A time mark the scan accepted: the first LSN it stamps and the wall-clock time it states. */
export interface TimeMarkFinding {
  lsn: number;
  wallMs: number;
}

/** A scan in progress: where it is, the last LSN accepted and the one it wants next. */
class Scan {
  readonly records: DecodedRecord[] = [];
  readonly salvaged: ScanDamage[] = [];
  readonly frameFindings: FrameFinding[] = [];
  readonly times: TimeMarkFinding[] = [];
  pos = SEGMENT_HEADER_SIZE;
  end = SEGMENT_HEADER_SIZE;
  prev: number;
  want: number;
  readonly frames: boolean;
  readonly transactions: boolean;
  readonly timeMarks: boolean;

  constructor(readonly start: ScanStart) {
    assert(start.wantLsn > start.prevLsn, 'a segment scan wants an LSN above the last one accepted', {
      prevLsn: start.prevLsn,
      wantLsn: start.wantLsn,
    });
    this.prev = start.prevLsn;
    this.want = start.wantLsn;
    this.frames = versionHasFrames(start.version);
    this.transactions = versionHasTransactions(start.version);
    this.timeMarks = versionHasTimeMarks(start.version);
  }

  findings(damage: ScanDamage | undefined): SegmentFindings {
    return { records: this.records, end: this.end, damage, salvaged: this.salvaged, frames: this.frameFindings, times: this.times };
  }
}

/**
 * The record-acceptance step: decodes the record at the scan's position and
 * accepts it when it verifies and carries the wanted LSN (or, salvaging, any
 * LSN above the last one accepted; the jump is noted). Returns undefined when
 * the record was accepted, else why the bytes there are not the next record.
 */
function acceptNext(scan: Scan, bytes: Uint8Array, view: DataView): string | undefined {
  if (scan.frames && isFrameAt(bytes, scan.pos)) return acceptFrame(scan, bytes, view);
  if (scan.timeMarks && isTimeMarkAt(bytes, scan.pos)) return acceptTimeMark(scan, bytes, view);
  const r = decodeRecord(bytes, scan.pos, scan.start.seed, scan.start.maxRecordSize, view, scan.transactions);
  if (!r.ok) return r.reason;
  const lsn = r.record.lsn;
  if (lsn !== scan.want && !(scan.start.salvage && lsn > scan.prev)) return `LSN ${lsn} where ${scan.want} was expected`;
  // Once per record: no details object, so the check costs no allocation.
  assert(
    lsn > scan.prev && (scan.start.salvage || scan.records.length === 0 || lsn === scan.prev + 1),
    'records of a segment go up by one LSN',
  );
  if (lsn !== scan.want) scan.salvaged.push({ offset: scan.pos, lsn: scan.want, reason: `LSN jumps to ${lsn}` });
  scan.records.push(r.record);
  scan.prev = lsn;
  scan.want = lsn + 1;
  scan.pos = r.record.end;
  scan.end = scan.pos;
  return undefined;
}

/**
 * The acceptance step for a time mark: it verifies and carries the LSN the
 * scan wants next (salvaging: any LSN above the last one accepted, as a
 * record). It takes no LSN, so the scan still wants the same one after it; a
 * mark with no record after it (a batch torn after its mark) stamps nothing
 * and lies past the segment's end, where the writer's next batch goes.
 */
function acceptTimeMark(scan: Scan, bytes: Uint8Array, view: DataView): string | undefined {
  const m = decodeTimeMark(bytes, scan.pos, scan.start.seed, view);
  if (!m.ok) return m.reason;
  const lsn = m.mark.lsn;
  if (lsn !== scan.want && !(scan.start.salvage && lsn > scan.prev)) return `time mark for LSN ${lsn} where ${scan.want} was expected`;
  if (lsn !== scan.want) {
    scan.salvaged.push({ offset: scan.pos, lsn: scan.want, reason: `LSN jumps to ${lsn}` });
    scan.want = lsn;
  }
  scan.times.push({ lsn, wallMs: m.mark.wallMs });
  // Not `end`: a segment's end is after its last record, so a mark with nothing after it is written over by the next batch.
  scan.pos = m.mark.end;
  return undefined;
}

/**
 * The acceptance step for a compressed frame: its header and CRC, its first
 * LSN, then decompression (bounded by its checked content length) and its
 * records. A frame that fails any of these is damage exactly as a record that
 * fails its CRC (the scan's rules for torn tails and mid-log damage apply).
 */
function acceptFrame(scan: Scan, bytes: Uint8Array, view: DataView): string | undefined {
  const f = decodeFrame(bytes, scan.pos, scan.start.seed, scan.start.maxRecordSize, view);
  if (!f.ok) return f.reason;
  const frame = f.frame;
  const first = frame.firstLsn;
  if (first !== scan.want && !(scan.start.salvage && first > scan.prev)) return `LSN ${first} where ${scan.want} was expected`;
  const d = decompress(frame);
  if (!d.ok) return d.reason;
  const c = decodeFrameContent(d.content, frame, scan.start.maxRecordSize);
  if (!c.ok) return c.reason;
  assert(first > scan.prev && c.records.length === frame.count, 'a frame holds its count of records, above the last LSN accepted');
  if (first !== scan.want) scan.salvaged.push({ offset: scan.pos, lsn: scan.want, reason: `LSN jumps to ${first}` });
  for (const r of c.records) scan.records.push(r);
  scan.frameFindings.push({
    offset: scan.pos,
    firstLsn: first,
    records: frame.count,
    codec: frame.codec,
    storedBytes: frame.stored.length,
    contentBytes: frame.contentLength,
  });
  scan.prev = first + frame.count - 1;
  scan.want = scan.prev + 1;
  scan.pos = frame.end;
  scan.end = scan.pos;
  return undefined;
}

/**
 * Accepts the records that verify in the bytes read so far, waiting for
 * more as needed, and stops at the first one that does not (or at the end
 * of the file), leaving the scan where the whole-segment scan goes on.
 */
async function scanWhileReading(reader: SegmentReader, scan: Scan): Promise<void> {
  let avail = -1;
  let bytes = reader.buf;
  let view = viewOf(reader.buf);
  // Bounded: every turn accepts a record (pos grows) or waits for more bytes (available grows) or stops.
  for (;;) {
    const pos = scan.pos;
    if (!reader.finished && reader.available < pos + RECORD_HEADER_SIZE) await reader.until(pos + RECORD_HEADER_SIZE);
    if (avail !== reader.available) {
      avail = reader.available;
      bytes = reader.buf.subarray(0, avail);
      view = viewOf(bytes);
    }
    if (pos + RECORD_HEADER_SIZE > avail) break;
    const len = peekRecordLength(view, pos);
    const head = scan.frames ? entryHeaderSize(bytes, pos) : RECORD_HEADER_SIZE;
    if (len <= scan.start.maxRecordSize && pos + head + len > avail && !reader.finished) {
      await reader.until(pos + head + len);
      continue;
    }
    if (acceptNext(scan, bytes, view) !== undefined) break;
  }
}

/** Scans from the scan's position to the end of `bytes` (the whole segment, as far as the checks must look). */
function scanToEnd(bytes: Uint8Array, scan: Scan): ScanDamage | undefined {
  const view = viewOf(bytes);
  // Bounded: every iteration advances pos by at least one record header, or by one byte past damage, or stops.
  while (scan.pos < bytes.length) {
    const reason = acceptNext(scan, bytes, view);
    if (reason === undefined) continue;
    const pos = scan.pos;
    if (isZero(bytes, pos)) return undefined;
    const damage: ScanDamage = { offset: pos, lsn: scan.want, reason };
    if (!scan.start.salvage) return damage;
    const prev = scan.prev;
    const next = scanForEntry(bytes, pos + 1, scan.start.seed, scan.start.maxRecordSize, scan.start.version, (x) => x.lsn > prev);
    if (next === undefined) return damage;
    assert(next.offset > pos, 'resynchronising moves the scan forward', { from: pos, to: next.offset });
    scan.salvaged.push({
      offset: pos,
      lsn: scan.want,
      reason: `${reason}; skipped ${next.offset - pos} bytes`,
      skipped: next.offset - pos,
    });
    scan.pos = next.offset;
  }
  return undefined;
}

/**
 * Scans a segment while it is read: the records already read are verified
 * as the rest arrives (not when salvaging, which scans the whole segment),
 * then the scan goes on over the whole segment, as far as `viewLimit` (the
 * largest record size any check of this segment uses) says the checks must
 * look. Also returns those bytes and the file's size, for the policy's checks.
 */
export async function scanSegment(
  reader: SegmentReader,
  start: ScanStart,
  viewLimit: number,
): Promise<SegmentFindings & { bytes: Uint8Array; size: number; source: ArrayBufferLike }> {
  const scan = new Scan(start);
  if (!start.salvage) await scanWhileReading(reader, scan);
  const whole = await reader.done;
  const bytes = scanView(whole, viewLimit);
  return { ...scan.findings(scanToEnd(bytes, scan)), bytes, size: whole.size, source: whole.buf.buffer };
}

/** Scans a segment already read whole (`bytes`, as far as the checks must look). */
export function scanSegmentBytes(bytes: Uint8Array, start: ScanStart): SegmentFindings {
  const scan = new Scan(start);
  return scan.findings(scanToEnd(bytes, scan));
}

/**
 * The evidence that damage cannot be a torn write: a later valid record whose
 * synced-through says the damaged LSN had been made durable before it was
 * written. Searched at every byte offset after the damage.
 */
export function durableEvidence(
  bytes: Uint8Array,
  damage: ScanDamage,
  seed: number,
  maxRecordSize: number,
  version: FormatVersion,
): FoundRecord | undefined {
  return scanForEntry(bytes, damage.offset + 1, seed, maxRecordSize, version, (r) => r.syncedThrough >= damage.lsn && r.lsn > damage.lsn);
}

/**
 * A valid record of this log (checked with its salt's seed) anywhere after
 * the header block, with an LSN of at least `minLsn` when one is given: in a
 * segment whose header is unusable, it proves the header was once durable.
 */
export function recordOfLog(
  bytes: Uint8Array,
  seed: number,
  maxRecordSize: number,
  minLsn: number | undefined,
  version: FormatVersion,
): FoundRecord | undefined {
  return scanForEntry(bytes, SEGMENT_HEADER_SIZE, seed, maxRecordSize, version, (r) => minLsn === undefined || r.lsn >= minLsn);
}

/** One kept segment's accepted records and the read buffer of the segment (records of compressed frames live in buffers of their own). */
export interface ScannedRecords {
  records: readonly DecodedRecord[];
  source: ArrayBufferLike;
}

/**
 * The records the scans of a log's segments accepted, oldest first, as
 * recovered records, and their bytes (as plain records: headers included).
 * Payloads are handed out as views, not one copy each: a record read from a
 * segment's read buffer stays a view into it when its records fill most of
 * it, else into one compact copy of its records' byte range (so a mostly
 * zero-filled preallocated segment is not kept alive by a few records); a
 * record of a compressed frame is a view into that frame's decompressed
 * content. Nothing else holds these buffers.
 */
export function recoveredRecords(segments: readonly ScannedRecords[]): {
  records: RecoveredRecord[];
  bytes: number;
  /** Each record's part in a transaction (TxnMark), by index; undefined when no record takes part in one. */
  marks: Uint8Array | undefined;
} {
  const out: RecoveredRecord[] = [];
  /** (index, mark) pairs of the records that take part in a transaction. */
  let marked: number[] | undefined;
  let bytes = 0;
  let prevLsn = 0;
  for (const { records, source } of segments) {
    let from = Number.POSITIVE_INFINITY;
    let to = 0;
    for (const r of records) {
      if (r.data.buffer !== source) continue;
      from = Math.min(from, r.data.byteOffset - RECORD_HEADER_SIZE);
      to = Math.max(to, r.data.byteOffset + r.data.length);
    }
    const compact = to > 0 && 2 * (to - from) < source.byteLength ? new Uint8Array(source.slice(from, to)) : undefined;
    for (const r of records) {
      assert(r.lsn > prevLsn, 'recovered LSNs strictly increase across segments'); // once per record: no details object
      prevLsn = r.lsn;
      const inSource = compact !== undefined && r.data.buffer === source;
      const data = inSource ? compact.subarray(r.data.byteOffset - from, r.data.byteOffset - from + r.data.length) : r.data;
      if (r.txn !== TXN_NONE) (marked ??= []).push(out.length, r.txn);
      out.push({ lsn: r.lsn, data });
      bytes += RECORD_HEADER_SIZE + r.data.length;
    }
  }
  let marks: Uint8Array | undefined;
  if (marked !== undefined) {
    marks = new Uint8Array(out.length);
    for (let k = 0; k < marked.length; k += 2) marks[marked[k] as number] = marked[k + 1] as number;
  }
  return { records: out, bytes, marks };
}
