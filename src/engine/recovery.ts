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
/** Chunk reads in flight while reading data in place (the thread pool fills fresh pages in parallel). */
const READS_IN_FLIGHT = 2;

interface SegmentBytes {
  /** The whole file's length (bytes read). */
  size: number;
  /** The file's bytes, as long as the file; bytes past `dataEnd` are zero. */
  buf: Uint8Array;
  /** Every byte at or after this offset is zero (a multiple of READ_CHUNK, or size). */
  dataEnd: number;
}

/**
 * Reads a whole segment in the background, chunk after chunk, while recovery
 * verifies the bytes already read (`until`). Chunks are read straight into
 * the result while they hold data; once a chunk is all zero (the preallocated
 * tail), later chunks go through one reused scratch buffer and are copied
 * over only if non-zero, so the zero tail of a 64 MiB segment costs
 * cache-hot reads and native compares, not fresh pages.
 */
class SegmentReader {
  /** Bytes read so far, from offset 0. */
  available = 0;
  buf: Uint8Array = new Uint8Array(0);
  finished = false;
  private failure: unknown;
  private waiters: { need: number; resolve: () => void; reject: (err: unknown) => void }[] = [];
  /** Resolves with the whole segment once read; rejects with WalError EIO (or ECORRUPT for an oversized file). */
  readonly done: Promise<SegmentBytes>;

  constructor(
    private readonly fs: FileSystem,
    private readonly path: string,
    private readonly scratch: Uint8Array,
  ) {
    this.done = this.run();
    this.done.catch(() => undefined); // the caller observes the failure through until() or done
  }

  /** Resolves once `need` bytes (or the whole file, if shorter) are read; rejects if the read failed. */
  until(need: number): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.finished || this.available >= need) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ need, resolve, reject }));
  }

  private notify(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) {
      if (this.failure !== undefined) w.reject(this.failure);
      else if (this.finished || this.available >= w.need) w.resolve();
      else this.waiters.push(w);
    }
  }

  private async run(): Promise<SegmentBytes> {
    try {
      const whole = await this.read();
      this.finished = true;
      this.notify();
      return whole;
    } catch (err) {
      this.failure = err;
      this.notify();
      throw err;
    }
  }

  private async read(): Promise<SegmentBytes> {
    const path = this.path;
    const wrapEio = (err: unknown): WalError =>
      new WalError('EIO', `read error during recovery of ${path}: nothing was truncated`, {
        cause: err,
        details: { path, code: errorCode(err) },
      });
    let handle: FileHandle;
    try {
      handle = await this.fs.open(path, 'r');
    } catch (err) {
      throw errorCode(err) === 'EIO' ? wrapEio(err) : err;
    }
    try {
      const size = (await handle.stat()).size;
      if (size > MAX_READ_BYTES)
        throw new WalError('ECORRUPT', `segment ${path} is larger than ${MAX_READ_BYTES} bytes`, { details: { path, size } });
      const buf = new Uint8Array(size);
      this.buf = buf;
      let pos = 0; // processed (in order) up to here
      let issued = 0; // reads issued up to here
      let dataEnd = 0;
      let inPlace = true;
      let eof = false;
      const inFlight: { at: number; target: Uint8Array; read: Promise<number> }[] = [];
      // Bounded: each turn issues reads ahead (at most READS_IN_FLIGHT, one when reading through
      // scratch) and consumes the oldest; every read covers at least one byte or ends the loop.
      while (pos < size && !eof) {
        while (issued < size && inFlight.length < (inPlace ? READS_IN_FLIGHT : 1)) {
          const want = Math.min(READ_CHUNK, size - issued);
          const target = inPlace ? buf.subarray(issued, issued + want) : this.scratch.subarray(0, want);
          const read = handle.read(target, issued);
          read.catch(() => undefined); // awaited below in order; a failure is raised there
          inFlight.push({ at: issued, target, read });
          issued += want;
        }
        const next = inFlight.shift();
        if (next === undefined) break;
        const n = await next.read;
        if (n < next.target.length) eof = true; // the file ended early: stop after this chunk
        if (n <= 0) break;
        const got = next.target.subarray(0, n);
        const zero = isZero(got, 0, n);
        if (!zero) {
          if (got.buffer !== buf.buffer) buf.set(got, next.at);
          dataEnd = next.at + n;
        }
        inPlace = !zero;
        pos = next.at + n;
        this.available = pos;
        this.notify();
      }
      // Reads issued past an early end of file: let them finish before the handle closes.
      for (const r of inFlight)
        await r.read.then(
          () => undefined,
          () => undefined,
        );
      if (pos < size) this.buf = buf.subarray(0, pos);
      return { size: pos, buf: this.buf, dataEnd };
    } catch (err) {
      if (err instanceof WalError) throw err;
      throw wrapEio(err);
    } finally {
      await handle.close();
    }
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
  { kind: 'truncate'; name: string; offset: number; why: 'torn' | 'dropped' } | { kind: 'remove'; name: string; why: 'torn' | 'dropped' };

function corrupt(f: CorruptionFinding, mode: RecoveryMode): WalError {
  return new WalError(
    'ECORRUPT',
    `${f.kind === 'torn-tail' ? 'torn tail' : 'log corruption'} in ${f.segment} at offset ${f.offset}: ${f.reason} (recovery mode ${mode})`,
    {
      details: { ...f, mode },
    },
  );
}

export interface RecoverOptions {
  /** false: read and classify only; nothing on disk is changed and no tail is opened (verify, dump). Default true. */
  repair?: boolean;
  /**
   * true: leave a leftover wal-next.prealloc in place, because the caller
   * prepares the next segment under that name at once (opening it with
   * truncation), so unlinking a 64 MiB file stays off the open path. Default false.
   */
  keepPreallocated?: boolean;
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
  // Reads run in the background while recovery verifies what is already
  // read; the next segment starts reading as soon as the current one is read
  // (one read at a time, so they share `scratch`).
  const readers: SegmentReader[] = [];
  const startRead = (i: number): SegmentReader | undefined => {
    const f = files[i];
    if (f === undefined) return undefined;
    const r = new SegmentReader(fs, joinPath(dir, f.name), scratch);
    readers.push(r);
    return r;
  };
  let current = startRead(0);
  let previous: SegmentReader | undefined;
  try {
    for (let i = 0; i < files.length && !stopped; i++) {
      const file = files[i] as SegmentFile;
      const newest = i === files.length - 1;
      // Every segment is read whole before the next is looked at (a read error anywhere rejects open), and the next read has started by then.
      if (previous !== undefined) await previous.done;
      const reader = current ?? (startRead(i) as SegmentReader);
      current = undefined;
      previous = reader;
      void reader.done.then(
        () => {
          if (!stopped) current = startRead(i + 1);
        },
        () => undefined, // the failure reaches the scan through until()/done
      );
      await reader.until(SEGMENT_HEADER_SIZE);
      const head = reader.buf.subarray(0, Math.min(reader.available, reader.buf.length));
      stateHash.push(head.slice(0, SEGMENT_HEADER_SIZE)); // a copy: the hash must not keep the segment buffer alive
      const hdr = decodeSegmentHeader(head);
      const viewLimit = Math.max(hdr.ok ? hdr.header.maxRecordSize : 0, kept.at(-1)?.maxRecordSize ?? 0);
      /** The whole segment (all of it read), as far as the checks must look. */
      const wholeView = async (): Promise<{ bytes: Uint8Array; size: number }> => {
        const whole = await reader.done;
        return { bytes: scanView(whole, viewLimit), size: whole.size };
      };
      nextLsnFloor = Math.max(nextLsnFloor, file.firstLsn);
      let headerProblem: string | undefined;
      if (!hdr.ok) headerProblem = hdr.reason;
      else if (hdr.header.firstLsn !== file.firstLsn)
        headerProblem = `header says first LSN ${hdr.header.firstLsn}, name says ${file.firstLsn}`;
      else if (salt !== undefined && !bytesEqual(salt, hdr.header.salt)) headerProblem = 'salt differs from the log salt';
      if (headerProblem !== undefined) {
        const { bytes, size } = await wholeView();
        if (bytes.length >= 24) foreignSalts.push(bytes.slice(16, 24));
        if (bytes.length >= 56) foreignSalts.push(bytes.slice(48, 56));
        // A valid record of this log inside the file proves the header was once durable.
        const evidence =
          salt === undefined
            ? undefined
            : scanForRecord(
                bytes,
                SEGMENT_HEADER_SIZE,
                seed,
                kept.at(-1)?.maxRecordSize ?? 0,
                (r) => expected === undefined || r.lsn >= expected,
              );
        const f: CorruptionFinding = {
          kind: 'mid-log',
          segment: file.name,
          offset: 0,
          lsn: expected,
          reason: `segment header: ${headerProblem}`,
        };
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
          const seg: ScannedSegment = { file, size, maxRecordSize: kept.at(-1)?.maxRecordSize ?? 0, records: [], end: SEGMENT_HEADER_SIZE };
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
          reason: gap
            ? `LSN gap: segment starts at ${header.firstLsn}, expected ${expected} (missing segment)`
            : `segment overlaps: starts at ${header.firstLsn}, expected ${expected}`,
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
      const seg: ScannedSegment = { file, size: 0, maxRecordSize: header.maxRecordSize, records: [], end: SEGMENT_HEADER_SIZE };
      // The valid records read so far are verified while the rest is read; the
      // first record that does not verify, and everything after it, is judged
      // on the whole segment.
      const streamed = skip
        ? { pos: SEGMENT_HEADER_SIZE, prev: lastLsn, want: expected }
        : await scanWhileReading(reader, seg, lastLsn, expected);
      const { bytes, size } = await wholeView();
      seg.size = size;
      const damage = scanRecords(bytes, seg, streamed.pos, skip, streamed.prev, streamed.want);
      kept.push(seg);
      if (damage !== undefined) {
        // Damage that is not just zero fill after the last valid record.
        const f: CorruptionFinding = { kind: 'mid-log', segment: file.name, offset: damage.offset, lsn: damage.lsn, reason: damage.reason };
        const evidence = scanForRecord(
          bytes,
          damage.offset + 1,
          seed,
          header.maxRecordSize,
          (r) => r.syncedThrough >= damage.lsn && r.lsn > damage.lsn,
        );
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
    // A segment read ahead but not needed (the scan stopped or threw): let every read finish and close; their errors are reported above or do not matter.
    stopped = true;
    for (const r of readers)
      await r.done.then(
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
  if (preallocated && repair && options.keepPreallocated !== true) await removeFile(fs, dir, PREALLOCATED_NAME);

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

  /**
   * Accepts the records that verify in the bytes read so far, waiting for
   * more as needed, and stops at the first one that does not (or at the end
   * of the file). Returns where the whole-segment scan goes on.
   */
  async function scanWhileReading(
    reader: SegmentReader,
    seg: ScannedSegment,
    prevLsn: number,
    wantLsn: number,
  ): Promise<{ pos: number; prev: number; want: number }> {
    let pos = SEGMENT_HEADER_SIZE;
    let prev = prevLsn;
    let want = wantLsn;
    let avail = -1;
    let bytes = reader.buf;
    let view = viewOf(reader.buf);
    // Bounded: every turn accepts a record (pos grows) or waits for more bytes (available grows) or stops.
    for (;;) {
      if (!reader.finished && reader.available < pos + RECORD_HEADER_SIZE) await reader.until(pos + RECORD_HEADER_SIZE);
      if (avail !== reader.available) {
        avail = reader.available;
        bytes = reader.buf.subarray(0, avail);
        view = viewOf(bytes);
      }
      if (pos + RECORD_HEADER_SIZE > avail) break;
      const len = view.getUint32(pos, true);
      if (len <= seg.maxRecordSize && pos + RECORD_HEADER_SIZE + len > avail && !reader.finished) {
        await reader.until(pos + RECORD_HEADER_SIZE + len);
        continue;
      }
      const r = decodeRecord(bytes, pos, seed, seg.maxRecordSize, view);
      if (!r.ok || r.record.lsn !== want) break;
      seg.records.push(r.record);
      prev = r.record.lsn;
      want = prev + 1;
      pos = r.record.end;
      seg.end = pos;
    }
    return { pos, prev, want };
  }

  /** After a segment: the last LSN seen and the LSN the next segment must start with. */
  function advance(seg: ScannedSegment, firstLsn: number): void {
    const last = seg.records.at(-1);
    if (last !== undefined) lastLsn = last.lsn;
    expected = lastLsn >= firstLsn ? lastLsn + 1 : firstLsn;
  }

  function scanRecords(
    bytes: Uint8Array,
    seg: ScannedSegment,
    from: number,
    salvage: boolean,
    prevLsn = lastLsn,
    wantLsn = expected ?? 1,
  ): { offset: number; lsn: number; reason: string } | undefined {
    let pos = from;
    let prev = prevLsn;
    let want = wantLsn;
    const view = viewOf(bytes);
    // Bounded: every iteration advances pos by at least one record header or stops.
    while (pos < bytes.length) {
      const r = decodeRecord(bytes, pos, seed, seg.maxRecordSize, view);
      if (r.ok && (r.record.lsn === want || (salvage && r.record.lsn > prev))) {
        if (r.record.lsn !== want)
          salvaged.push({ kind: 'mid-log', segment: seg.file.name, offset: pos, lsn: want, reason: `LSN jumps to ${r.record.lsn}` });
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
      salvaged.push({
        kind: 'mid-log',
        segment: seg.file.name,
        offset: pos,
        lsn: want,
        reason: `${reason}; skipped ${next.offset - pos} bytes`,
      });
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
export async function inspectLog(
  fs: FileSystem,
  dir: string,
  clockNow: () => number,
): Promise<{ report: RecoveryReport; records: RecoveredRecord[]; segments: KeptSegment[] }> {
  const r = await recoverLog(fs, dir, 'skipCorrupted', clockNow, { repair: false });
  return { report: r.report, records: r.records, segments: r.segments };
}
