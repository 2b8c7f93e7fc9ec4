/**
 * Recovery: scan the segments in LSN order, verify every record (checksum
 * seeded with the log's salt, LSN continuity within and across segments),
 * classify damage as a torn tail or mid-log corruption, apply the recovery
 * mode, and repair (truncate a torn tail, drop what pointInTime drops), all
 * before the first append. Reading comes first and repairs after, so a read
 * error (EIO) rejects open without touching anything.
 *
 * Classification (docs/format.md, "Recovery"):
 * - damage in the newest segment is a torn tail unless a later valid record in
 *   that segment says (by its synced-through field) that the damaged LSN had
 *   already been made durable;
 * - damage in a sealed (not newest) segment, a segment header that is invalid
 *   while a later segment exists, and an LSN gap between segments are mid-log
 *   corruption.
 */
import { errorCode, WalError } from '../errors.js';
import type { FileHandle, FileSystem, RecoveredRecord } from '../ports.js';
import {
  bytesEqual,
  decodeRecord,
  decodeSegmentHeader,
  isZero,
  nonZeroEnd,
  PREALLOCATED_NAME,
  saltSeed,
  scanForRecord,
  RECORD_HEADER_SIZE,
  SEGMENT_HEADER_SIZE,
  viewOf,
  type DecodedRecord,
} from './format.js';
import type { RecoveryMode } from './options.js';
import { joinPath, listSegments, mustSync, removeFile, type SegmentFile } from './segments.js';

/** Largest file recovery reads into memory. */
const MAX_READ_BYTES = 2 ** 31 - 1;

export interface CorruptionFinding {
  kind: 'torn-tail' | 'mid-log';
  segment: string;
  offset: number;
  /** The LSN expected at that offset, when known. */
  lsn: number | undefined;
  reason: string;
}

export interface RecoveryReport {
  mode: RecoveryMode;
  /** True when no segment was found (or none survived) and a new log was started. */
  newLog: boolean;
  /** Segment files scanned. */
  segments: number;
  /** Records recovered. */
  records: number;
  /** Bytes of recovered records, headers included. */
  bytes: number;
  firstLsn: number | undefined;
  lastLsn: number | undefined;
  /** Bytes of a torn tail removed (non-zero bytes after the last valid record of the newest segment). */
  tornBytesTruncated: number;
  /** Everything found wrong, oldest first (under skipCorrupted, every hole salvaged around). */
  corruption: CorruptionFinding[];
  /** What pointInTime or skipCorrupted gave up, and torn newest segments removed. */
  dropped: { segments: string[]; bytes: number };
  /** Milliseconds on the injected clock. */
  durationMs: number;
}

export interface KeptSegment {
  firstLsn: number;
  name: string;
  maxRecordSize: number;
}

export interface RecoveryResult {
  report: RecoveryReport;
  records: RecoveredRecord[];
  /** The log's salt, undefined when a new log must be started. */
  salt: Uint8Array | undefined;
  segments: KeptSegment[];
  /** The newest kept segment, opened read/write, or undefined for a new log. */
  tail: { handle: FileHandle; writeOffset: number; size: number } | undefined;
  nextLsn: number;
  /** Bytes seen in files that could not be read as segments (their salts must not be reused). */
  foreignSalts: Uint8Array[];
  /** A fingerprint of the directory's state, for deriving a salt without a random source. */
  stateHash: Uint8Array[];
}

/** Read size of recovery: the data region is read in place, the zero-filled rest through one reused chunk. */
const READ_CHUNK = 1024 * 1024;

interface SegmentBytes {
  /** The whole file's length. */
  size: number;
  /** The file's bytes, as long as the file; bytes past `dataEnd` are zero. */
  buf: Uint8Array;
  /** Every byte at or after this offset is zero (a multiple of READ_CHUNK, or size). */
  dataEnd: number;
}

/**
 * Reads a whole segment. Chunks are read straight into the result while they
 * hold data; once a chunk is all zero (the preallocated tail), later chunks go
 * through one reused scratch buffer and are copied over only if non-zero, so
 * the zero tail of a 64 MiB segment costs cache-hot reads and native compares,
 * not fresh pages.
 */
async function readSegment(fs: FileSystem, path: string, scratch: Uint8Array): Promise<SegmentBytes> {
  const wrapEio = (err: unknown): WalError =>
    new WalError('EIO', `read error during recovery of ${path}: nothing was truncated`, { cause: err, details: { path, code: errorCode(err) } });
  let handle: FileHandle;
  try {
    handle = await fs.open(path, 'r');
  } catch (err) {
    throw errorCode(err) === 'EIO' ? wrapEio(err) : err;
  }
  try {
    const size = (await handle.stat()).size;
    if (size > MAX_READ_BYTES) throw new WalError('ECORRUPT', `segment ${path} is larger than ${MAX_READ_BYTES} bytes`, { details: { path, size } });
    const buf = new Uint8Array(size);
    let pos = 0;
    let dataEnd = 0;
    let inPlace = true;
    // Bounded: each iteration reads at least one byte or stops.
    while (pos < size) {
      const want = Math.min(READ_CHUNK, size - pos);
      const target = inPlace ? buf.subarray(pos, pos + want) : scratch.subarray(0, want);
      const n = await handle.read(target, pos);
      if (n <= 0) break;
      const zero = isZero(target, 0, n);
      if (!zero) {
        if (!inPlace) buf.set(target.subarray(0, n), pos);
        dataEnd = pos + n;
      }
      inPlace = !zero;
      pos += n;
    }
    return { size: pos, buf: pos === size ? buf : buf.subarray(0, pos), dataEnd };
  } catch (err) {
    if (err instanceof WalError) throw err;
    throw wrapEio(err);
  } finally {
    await handle.close();
  }
}

/**
 * The part of a segment recovery must look at: up to its last chunk holding
 * data, plus room for one whole record starting inside it (`maxRecordSize`,
 * the largest limit any check of this segment uses). Everything after is zero,
 * so every check (record decode, zero tail, resynchronisation, non-zero end)
 * answers as it would over the whole file.
 */
function scanView(seg: SegmentBytes, maxRecordSize: number): Uint8Array {
  const len = Math.min(seg.size, Math.max(SEGMENT_HEADER_SIZE, seg.dataEnd) + RECORD_HEADER_SIZE + maxRecordSize);
  return seg.buf.subarray(0, len);
}

interface ScannedSegment {
  file: SegmentFile;
  size: number;
  maxRecordSize: number;
  records: DecodedRecord[];
  /** Offset after the last accepted record. */
  end: number;
}

/** Repairs run after the scan, in order. `why` decides where the bytes are reported. */
type Repair =
  | { kind: 'truncate'; name: string; offset: number; why: 'torn' | 'dropped' }
  | { kind: 'remove'; name: string; why: 'torn' | 'dropped' };

function corrupt(f: CorruptionFinding, mode: RecoveryMode): WalError {
  return new WalError('ECORRUPT', `${f.kind === 'torn-tail' ? 'torn tail' : 'log corruption'} in ${f.segment} at offset ${f.offset}: ${f.reason} (recovery mode ${mode})`, {
    details: { ...f, mode },
  });
}

export interface RecoverOptions {
  /** false: read and classify only; nothing on disk is changed and no tail is opened (verify, dump). Default true. */
  repair?: boolean;
}

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
  const report: RecoveryReport = {
    mode,
    newLog: false,
    segments: files.length,
    records: 0,
    bytes: 0,
    firstLsn: undefined,
    lastLsn: undefined,
    tornBytesTruncated: 0,
    corruption: [],
    dropped: { segments: [], bytes: 0 },
    durationMs: 0,
  };
  const foreignSalts: Uint8Array[] = [];
  const stateHash: Uint8Array[] = [new TextEncoder().encode(files.map((f) => f.name).join('/'))];
  const kept: ScannedSegment[] = [];
  const repairs: Repair[] = [];
  let salt: Uint8Array | undefined;
  let seed = 0;
  let expected: number | undefined; // next LSN expected
  let lastLsn = 0;
  let nextLsnFloor = 1; // LSNs go on even when every segment is dropped
  const skip = mode === 'skipCorrupted';
  const salvaged: CorruptionFinding[] = [];

  // Mid-log damage: refuse, or (pointInTime) stop here and drop everything from this point on.
  const midLog = (f: CorruptionFinding, index: number, truncateAt: number | undefined): 'stop' | 'continue' => {
    report.corruption.push(f);
    if (mode === 'tolerateCorruptedTail' || mode === 'absoluteConsistency') throw corrupt(f, mode);
    if (skip) return 'continue';
    // pointInTime: later segments go newest first, then this one is cut.
    for (let j = files.length - 1; j > index; j--) {
      const later = files[j];
      if (later !== undefined) {
        repairs.push({ kind: 'remove', name: later.name, why: 'dropped' });
        report.dropped.segments.push(later.name);
      }
    }
    const here = files[index];
    if (here !== undefined) {
      if (truncateAt === undefined) {
        repairs.push({ kind: 'remove', name: here.name, why: 'dropped' });
        report.dropped.segments.push(here.name);
      } else repairs.push({ kind: 'truncate', name: here.name, offset: truncateAt, why: 'dropped' });
    }
    return 'stop';
  };

  let stopped = false;
  const scratch = new Uint8Array(READ_CHUNK);
  // One segment is read ahead while the previous one is verified (I/O and
  // page faults in the thread pool overlap the checksums). Reads stay one at
  // a time, so they share `scratch`.
  const read = (i: number): Promise<SegmentBytes> | undefined => {
    const f = files[i];
    return f === undefined ? undefined : readSegment(fs, joinPath(dir, f.name), scratch);
  };
  let ahead = read(0);
  try {
  for (let i = 0; i < files.length && !stopped; i++) {
    const file = files[i] as SegmentFile;
    const newest = i === files.length - 1;
    const whole = await (ahead as Promise<SegmentBytes>);
    ahead = read(i + 1);
    stateHash.push(whole.buf.slice(0, SEGMENT_HEADER_SIZE)); // a copy: the hash must not keep the segment buffer alive
    const hdr = decodeSegmentHeader(whole.buf);
    const bytes = scanView(whole, Math.max(hdr.ok ? hdr.header.maxRecordSize : 0, kept.at(-1)?.maxRecordSize ?? 0));
    nextLsnFloor = Math.max(nextLsnFloor, file.firstLsn);
    let headerProblem: string | undefined;
    if (!hdr.ok) headerProblem = hdr.reason;
    else if (hdr.header.firstLsn !== file.firstLsn) headerProblem = `header says first LSN ${hdr.header.firstLsn}, name says ${file.firstLsn}`;
    else if (salt !== undefined && !bytesEqual(salt, hdr.header.salt)) headerProblem = 'salt differs from the log salt';
    if (headerProblem !== undefined) {
      if (bytes.length >= 24) foreignSalts.push(bytes.slice(16, 24));
      if (bytes.length >= 56) foreignSalts.push(bytes.slice(48, 56));
      // A valid record of this log inside the file proves the header was once durable.
      const evidence =
        salt === undefined
          ? undefined
          : scanForRecord(bytes, SEGMENT_HEADER_SIZE, seed, kept.at(-1)?.maxRecordSize ?? 0, (r) => expected === undefined || r.lsn >= expected);
      const f: CorruptionFinding = { kind: 'mid-log', segment: file.name, offset: 0, lsn: expected, reason: `segment header: ${headerProblem}` };
      if (newest && evidence === undefined) {
        // A crash while the segment was being created: nothing in it was ever acknowledged.
        f.kind = 'torn-tail';
        report.corruption.push(f);
        if (mode === 'absoluteConsistency' && !isZero(bytes, 0)) throw corrupt(f, mode);
        repairs.push({ kind: 'remove', name: file.name, why: 'torn' });
        report.dropped.segments.push(file.name);
        report.tornBytesTruncated += nonZeroEnd(bytes, 0);
        continue;
      }
      if (skip && salt !== undefined) {
        // Salvage the records of this segment with the log's salt.
        report.corruption.push(f);
        const seg: ScannedSegment = { file, size: whole.size, maxRecordSize: kept.at(-1)?.maxRecordSize ?? 0, records: [], end: SEGMENT_HEADER_SIZE };
        scanRecords(bytes, seg, SEGMENT_HEADER_SIZE, true);
        kept.push(seg);
        advance(seg, expected ?? 1);
        continue;
      }
      if (midLog(f, i, undefined) === 'stop') stopped = true;
      continue;
    }
    if (!hdr.ok) continue; // unreachable: headerProblem is set when !hdr.ok
    const header = hdr.header;
    if (salt === undefined) {
      salt = header.salt;
      seed = saltSeed(salt);
    }
    if (expected !== undefined && header.firstLsn !== expected) {
      const gap = header.firstLsn > expected;
      const f: CorruptionFinding = {
        kind: 'mid-log',
        segment: file.name,
        offset: 0,
        lsn: expected,
        reason: gap ? `LSN gap: segment starts at ${header.firstLsn}, expected ${expected} (missing segment)` : `segment overlaps: starts at ${header.firstLsn}, expected ${expected}`,
      };
      if (!(skip && header.firstLsn > lastLsn)) {
        if (midLog(f, i, undefined) === 'stop') {
          stopped = true;
          continue;
        }
        if (skip) continue; // overlapping segment under skipCorrupted: ignored
      } else report.corruption.push(f);
    }
    expected = header.firstLsn;
    const seg: ScannedSegment = { file, size: whole.size, maxRecordSize: header.maxRecordSize, records: [], end: SEGMENT_HEADER_SIZE };
    const damage = scanRecords(bytes, seg, SEGMENT_HEADER_SIZE, skip);
    kept.push(seg);
    if (damage !== undefined) {
      // Damage that is not just zero fill after the last valid record.
      const f: CorruptionFinding = { kind: 'mid-log', segment: file.name, offset: damage.offset, lsn: damage.lsn, reason: damage.reason };
      const evidence = scanForRecord(bytes, damage.offset + 1, seed, header.maxRecordSize, (r) => r.syncedThrough >= damage.lsn && r.lsn > damage.lsn);
      if (newest && evidence === undefined) {
        f.kind = 'torn-tail';
        report.corruption.push(f);
        if (mode === 'absoluteConsistency') throw corrupt(f, mode);
        repairs.push({ kind: 'truncate', name: file.name, offset: damage.offset, why: 'torn' });
        report.tornBytesTruncated += nonZeroEnd(bytes, damage.offset) - damage.offset;
      } else {
        if (evidence !== undefined) f.reason += ` (a valid record at offset ${evidence.offset}, LSN ${evidence.record.lsn}, follows it)`;
        else f.reason += ' (in a sealed segment)';
        if (midLog(f, i, damage.offset) === 'stop') stopped = true;
      }
    }
    advance(seg, header.firstLsn);
  }
  } finally {
    // A segment read ahead but not needed (the scan stopped or threw): let it finish and close; its error does not matter.
    if (ahead !== undefined) await ahead.then(
      () => undefined,
      () => undefined,
    );
  }
  report.corruption.push(...salvaged);

  // Payloads are handed out as views, not one copy each: into the segment's
  // read buffer when the records fill most of it, else into one compact copy
  // of the records' byte range (so a mostly zero-filled preallocated segment
  // is not kept alive by a few records). Nothing else holds these buffers.
  const records: RecoveredRecord[] = [];
  for (const seg of kept) {
    const first = seg.records[0];
    const last = seg.records.at(-1);
    if (first === undefined || last === undefined) continue;
    const from = first.data.byteOffset - RECORD_HEADER_SIZE;
    const to = last.data.byteOffset + last.data.length;
    const source = first.data.buffer;
    const compact = 2 * (to - from) < source.byteLength ? new Uint8Array(source.slice(from, to)) : undefined;
    for (const r of seg.records) {
      const data = compact === undefined ? r.data : compact.subarray(r.data.byteOffset - from, r.data.byteOffset - from + r.data.length);
      records.push({ lsn: r.lsn, data });
      report.bytes += RECORD_HEADER_SIZE + r.data.length;
    }
  }
  report.records = records.length;
  report.firstLsn = records[0]?.lsn;
  report.lastLsn = records.at(-1)?.lsn;

  // Repairs, in the order collected (later segments newest first, then cuts).
  const survivors = kept.filter((s) => !repairs.some((r) => r.kind === 'remove' && r.name === s.file.name));
  for (const r of repair ? repairs : []) {
    if (r.kind === 'remove') {
      if (r.why === 'dropped') report.dropped.bytes += (await fs.stat(joinPath(dir, r.name))).size;
      await removeFile(fs, dir, r.name);
    } else {
      const h = await fs.open(joinPath(dir, r.name), 'r+');
      try {
        const size = (await h.stat()).size;
        if (size > r.offset) {
          if (r.why === 'dropped') report.dropped.bytes += size - r.offset;
          await h.truncate(r.offset);
          await mustSync(h.datasync(), `fsync after truncating ${r.name}`);
        }
      } finally {
        await h.close();
      }
    }
  }
  if (preallocated && repair) await removeFile(fs, dir, PREALLOCATED_NAME);

  const tailSeg = survivors.at(-1);
  let tail: RecoveryResult['tail'];
  let nextLsn = Math.max(nextLsnFloor, lastLsn + 1);
  if (tailSeg !== undefined && repair) {
    const cut = repairs.find((r) => r.kind === 'truncate' && r.name === tailSeg.file.name);
    const handle = await fs.open(joinPath(dir, tailSeg.file.name), 'r+');
    const size = (await handle.stat()).size;
    const writeOffset = cut !== undefined && cut.kind === 'truncate' ? Math.min(cut.offset, tailSeg.end) : tailSeg.end;
    // Recovered records may have been read from a page cache: make them durable before anything builds on them.
    try {
      await mustSync(handle.datasync(), `fsync ${tailSeg.file.name} after recovery`);
    } catch (err) {
      await handle.close().catch(() => undefined); // the sync failure is the error that matters
      throw err;
    }
    tail = { handle, writeOffset, size };
    nextLsn = Math.max(lastLsn + 1, tailSeg.file.firstLsn);
  } else if (tailSeg !== undefined) nextLsn = Math.max(lastLsn + 1, tailSeg.file.firstLsn);
  report.newLog = tailSeg === undefined;
  report.durationMs = Math.max(0, clockNow() - started);
  return {
    report,
    records,
    salt: tailSeg === undefined ? undefined : salt,
    segments: survivors.map((s) => ({ firstLsn: s.file.firstLsn, name: s.file.name, maxRecordSize: s.maxRecordSize })),
    tail,
    nextLsn,
    foreignSalts,
    stateHash,
  };

  /** After a segment: the last LSN seen and the LSN the next segment must start with. */
  function advance(seg: ScannedSegment, firstLsn: number): void {
    const last = seg.records.at(-1);
    if (last !== undefined) lastLsn = last.lsn;
    expected = lastLsn >= firstLsn ? lastLsn + 1 : firstLsn;
  }

  function scanRecords(bytes: Uint8Array, seg: ScannedSegment, from: number, salvage: boolean): { offset: number; lsn: number; reason: string } | undefined {
    let pos = from;
    let prev = lastLsn;
    let want = expected ?? 1;
    const view = viewOf(bytes);
    // Bounded: every iteration advances pos by at least one record header or stops.
    while (pos < bytes.length) {
      const r = decodeRecord(bytes, pos, seed, seg.maxRecordSize, view);
      if (r.ok && (r.record.lsn === want || (salvage && r.record.lsn > prev))) {
        if (r.record.lsn !== want) salvaged.push({ kind: 'mid-log', segment: seg.file.name, offset: pos, lsn: want, reason: `LSN jumps to ${r.record.lsn}` });
        seg.records.push(r.record);
        prev = r.record.lsn;
        want = prev + 1;
        pos = r.record.end;
        seg.end = pos;
        continue;
      }
      if (isZero(bytes, pos)) return undefined;
      const reason = r.ok ? `LSN ${r.record.lsn} where ${want} was expected` : r.reason;
      if (!salvage) return { offset: pos, lsn: want, reason };
      const next = scanForRecord(bytes, pos + 1, seed, seg.maxRecordSize, (x) => x.lsn > prev);
      if (next === undefined) return { offset: pos, lsn: want, reason };
      salvaged.push({ kind: 'mid-log', segment: seg.file.name, offset: pos, lsn: want, reason: `${reason}; skipped ${next.offset - pos} bytes` });
      pos = next.offset;
    }
    return undefined;
  }
}

/**
 * Reads a log without changing anything: every segment scanned, every damage
 * found and classified (salvaging past mid-log damage like skipCorrupted, so
 * all of it is listed). For `faultline verify` and `faultline dump`.
 */
export async function inspectLog(fs: FileSystem, dir: string, clockNow: () => number): Promise<{ report: RecoveryReport; records: RecoveredRecord[]; segments: KeptSegment[] }> {
  const r = await recoverLog(fs, dir, 'skipCorrupted', clockNow, { repair: false });
  return { report: r.report, records: r.records, segments: r.segments };
}
