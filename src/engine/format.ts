/**
 * The on-disk format: the only module that knows bytes. Mirrors docs/format.md.
 *
 * A segment file is a 64-byte header block (two identical 32-byte copies of
 * the segment header) followed by records back to back. All integers are
 * little-endian. 64-bit fields hold safe integers (< 2^53).
 */
import * as zlib from 'node:zlib';

export const FORMAT_VERSION = 1;
/** "FLWL" read as a little-endian u32. */
export const SEGMENT_MAGIC = 0x4c574c46;
export const SEGMENT_HEADER_COPY_SIZE = 32;
/** Two copies: a single damaged copy still identifies the segment. */
export const SEGMENT_HEADER_SIZE = 2 * SEGMENT_HEADER_COPY_SIZE;
export const RECORD_HEADER_SIZE = 28;
export const SALT_SIZE = 8;

/** Record types. 0 is never written, so a zero-filled region never parses as a record. */
export const RECORD_TYPE_DATA = 1;

/** Record flag bits. v1 writes neither; a later issue adds them. */
export const FLAG_COMPRESSED = 0x01;
export const FLAG_TRANSACTION = 0x02;
/** Flags a v1 reader accepts (none: every bit is reserved and must be zero). */
export const SUPPORTED_FLAGS = 0x00;

/** Hard upper bound of any record payload, whatever the options say (64 MiB). */
export const FORMAT_MAX_RECORD_SIZE = 64 * 1024 * 1024;
export const DEFAULT_MAX_RECORD_SIZE = 1024 * 1024;

const TWO_32 = 0x1_0000_0000;

/**
 * CRC-32 (IEEE, as zlib): Node's native zlib.crc32, chosen by measurement
 * (docs/format.md). An empty input returns the running value unchanged: Node
 * 20's zlib.crc32 returns 0 for an empty view over a zero-length ArrayBuffer
 * (e.g. `new TextEncoder().encode('')`), dropping the value passed in.
 */
export function crc32(data: Uint8Array, seed = 0): number {
  if (data.length === 0) return seed >>> 0;
  return zlib.crc32(data, seed >>> 0) >>> 0;
}

/** The CRC-32 (IEEE, reflected) byte table, for short inputs where a native call costs more than the bytes. */
const CRC_TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/**
 * CRC-32 of bytes[from, to), continuing from `seed` (the same value as
 * crc32(bytes.subarray(from, to), seed)), computed in JS: for the 24 header
 * bytes of a record this is cheaper than a call into zlib.
 */
export function crc32Short(bytes: Uint8Array, from: number, to: number, seed: number): number {
  let c = ~seed >>> 0;
  for (let i = from; i < to; i++) c = (CRC_TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}

function putU64(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, value % TWO_32, true);
  view.setUint32(offset + 4, Math.floor(value / TWO_32), true);
}

function getU64(view: DataView, offset: number): number {
  const lo = view.getUint32(offset, true);
  const hi = view.getUint32(offset + 4, true);
  // hi >= 2^21 means the value is not a safe integer.
  if (hi >= 0x20_0000) return Number.NaN;
  return hi * TWO_32 + lo;
}

export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export interface SegmentHeader {
  firstLsn: number;
  /** 8 bytes, shared by every segment of one log. */
  salt: Uint8Array;
  /** The largest record payload the writer of this segment accepted. */
  maxRecordSize: number;
}

export function encodeSegmentHeader(header: SegmentHeader): Uint8Array {
  if (header.salt.length !== SALT_SIZE) throw new RangeError('salt must be 8 bytes');
  const out = new Uint8Array(SEGMENT_HEADER_SIZE);
  const view = viewOf(out);
  view.setUint32(0, SEGMENT_MAGIC, true);
  view.setUint16(4, FORMAT_VERSION, true);
  view.setUint16(6, 0, true);
  putU64(view, 8, header.firstLsn);
  out.set(header.salt, 16);
  view.setUint32(24, header.maxRecordSize, true);
  view.setUint32(28, crc32(out.subarray(0, 28)), true);
  out.copyWithin(SEGMENT_HEADER_COPY_SIZE, 0, SEGMENT_HEADER_COPY_SIZE);
  return out;
}

export type SegmentHeaderResult =
  { ok: true; header: SegmentHeader; /** how many of the two copies were valid */ validCopies: 1 | 2 } | { ok: false; reason: string };

function decodeHeaderCopy(copy: Uint8Array): SegmentHeaderResult {
  const view = viewOf(copy);
  if (view.getUint32(0, true) !== SEGMENT_MAGIC) return { ok: false, reason: 'bad magic' };
  if (view.getUint32(28, true) !== crc32(copy.subarray(0, 28))) return { ok: false, reason: 'header checksum mismatch' };
  if (view.getUint16(4, true) !== FORMAT_VERSION) return { ok: false, reason: `unsupported format version ${view.getUint16(4, true)}` };
  if (view.getUint16(6, true) !== 0) return { ok: false, reason: 'reserved header flags set' };
  const firstLsn = getU64(view, 8);
  if (!Number.isSafeInteger(firstLsn) || firstLsn < 1) return { ok: false, reason: 'first LSN out of range' };
  const maxRecordSize = view.getUint32(24, true);
  if (maxRecordSize < 1 || maxRecordSize > FORMAT_MAX_RECORD_SIZE) return { ok: false, reason: 'max record size out of range' };
  return { ok: true, header: { firstLsn, salt: copy.slice(16, 24), maxRecordSize }, validCopies: 1 };
}

/** Decodes the 64-byte header block: valid if either copy is; if both are valid they must agree. */
export function decodeSegmentHeader(bytes: Uint8Array): SegmentHeaderResult {
  if (bytes.length < SEGMENT_HEADER_SIZE) return { ok: false, reason: 'file shorter than the segment header' };
  const a = decodeHeaderCopy(bytes.subarray(0, SEGMENT_HEADER_COPY_SIZE));
  const b = decodeHeaderCopy(bytes.subarray(SEGMENT_HEADER_COPY_SIZE, SEGMENT_HEADER_SIZE));
  if (a.ok && b.ok) {
    if (!bytesEqual(bytes.subarray(0, SEGMENT_HEADER_COPY_SIZE), bytes.subarray(SEGMENT_HEADER_COPY_SIZE, SEGMENT_HEADER_SIZE))) {
      return { ok: false, reason: 'the two header copies disagree' };
    }
    return { ok: true, header: a.header, validCopies: 2 };
  }
  if (a.ok) return a;
  if (b.ok) return b;
  return { ok: false, reason: `${a.reason} (both copies)` };
}

/** Offset of the salt field inside one header copy. */
const HEADER_SALT_OFFSET = 16;

/**
 * The salt field of each header copy the bytes reach, copied, whether the
 * copy is valid or not: a file recovery cannot use as a segment may still
 * carry the salt of an older log, and a new log must not pick that salt.
 */
export function headerSaltsIn(bytes: Uint8Array): Uint8Array[] {
  const salts: Uint8Array[] = [];
  for (let copy = 0; copy < SEGMENT_HEADER_SIZE; copy += SEGMENT_HEADER_COPY_SIZE) {
    const at = copy + HEADER_SALT_OFFSET;
    if (bytes.length >= at + SALT_SIZE) salts.push(bytes.slice(at, at + SALT_SIZE));
  }
  return salts;
}

/** The CRC state after the salt: every record CRC starts from it, so a record of another log never validates. */
export function saltSeed(salt: Uint8Array): number {
  return crc32(salt);
}

export interface RecordToEncode {
  lsn: number;
  /** Highest LSN known durable when this record was encoded (0: none). */
  syncedThrough: number;
  data: Uint8Array;
}

export function encodedRecordSize(payloadLength: number): number {
  return RECORD_HEADER_SIZE + payloadLength;
}

/** Encodes one record into out at offset; returns the offset after it. */
export function encodeRecordInto(out: Uint8Array, offset: number, record: RecordToEncode, seed: number, view = viewOf(out)): number {
  const len = record.data.length;
  view.setUint32(offset, len, true);
  out[offset + 4] = RECORD_TYPE_DATA;
  out[offset + 5] = 0;
  view.setUint16(offset + 6, 0, true);
  putU64(view, offset + 8, record.lsn);
  putU64(view, offset + 16, record.syncedThrough);
  out.set(record.data, offset + RECORD_HEADER_SIZE);
  const headCrc = crc32Short(out, offset, offset + 24, seed);
  view.setUint32(offset + 24, crc32(record.data, headCrc), true);
  return offset + RECORD_HEADER_SIZE + len;
}

/** Encodes records back to back into one buffer (one write per batch). */
export function encodeRecords(records: readonly RecordToEncode[], seed: number): Uint8Array {
  let total = 0;
  for (const r of records) total += encodedRecordSize(r.data.length);
  const out = new Uint8Array(total);
  const view = viewOf(out);
  let offset = 0;
  for (const r of records) offset = encodeRecordInto(out, offset, r, seed, view);
  return out;
}

/**
 * Encodes a batch of payloads as consecutive records (LSNs first, first + 1,
 * ...; one synced-through for all) into out[0, returned length), without a
 * per-record object. out must hold sum(RECORD_HEADER_SIZE + length) bytes.
 */
export function encodeBatchInto(
  out: Uint8Array,
  view: DataView,
  payloads: readonly { readonly data: Uint8Array }[],
  firstLsn: number,
  syncedThrough: number,
  seed: number,
): number {
  const record: RecordToEncode = { lsn: firstLsn, syncedThrough, data: out };
  let offset = 0;
  for (let k = 0; k < payloads.length; k++) {
    record.lsn = firstLsn + k;
    record.data = (payloads[k] as { readonly data: Uint8Array }).data;
    offset = encodeRecordInto(out, offset, record, seed, view);
  }
  return offset;
}

export interface DecodedRecord {
  lsn: number;
  syncedThrough: number;
  /** A view into the input bytes. */
  data: Uint8Array;
  /** Offset just after this record. */
  end: number;
}

export type RecordResult = { ok: true; record: DecodedRecord } | { ok: false; reason: string };

/**
 * Decodes the record at offset. Every field is checked before the payload is
 * touched: the length against maxRecordSize and the bytes available, so an
 * oversized length never causes an allocation or a read past the end.
 */
export function decodeRecord(bytes: Uint8Array, offset: number, seed: number, maxRecordSize: number, view = viewOf(bytes)): RecordResult {
  if (offset + RECORD_HEADER_SIZE > bytes.length) return { ok: false, reason: 'truncated header' };
  const len = view.getUint32(offset, true);
  const type = bytes[offset + 4];
  const flags = bytes[offset + 5] ?? 0;
  if (type !== RECORD_TYPE_DATA) return { ok: false, reason: `bad record type ${String(type)}` };
  if ((flags & ~SUPPORTED_FLAGS) !== 0) return { ok: false, reason: `unsupported flags 0x${flags.toString(16)}` };
  if (view.getUint16(offset + 6, true) !== 0) return { ok: false, reason: 'reserved bytes set' };
  if (len > maxRecordSize) return { ok: false, reason: `length ${len} above the maximum ${maxRecordSize}` };
  const end = offset + RECORD_HEADER_SIZE + len;
  if (end > bytes.length) return { ok: false, reason: 'truncated payload' };
  const lsn = getU64(view, offset + 8);
  const syncedThrough = getU64(view, offset + 16);
  if (!Number.isSafeInteger(lsn) || lsn < 1) return { ok: false, reason: 'LSN out of range' };
  if (!Number.isSafeInteger(syncedThrough) || syncedThrough >= lsn) return { ok: false, reason: 'synced-through out of range' };
  const data = bytes.subarray(offset + RECORD_HEADER_SIZE, end);
  const headCrc = crc32Short(bytes, offset, offset + 24, seed);
  if (view.getUint32(offset + 24, true) !== crc32(data, headCrc)) return { ok: false, reason: 'checksum mismatch' };
  return { ok: true, record: { lsn, syncedThrough, data, end } };
}

/**
 * The length field of the record at offset, unverified: how many payload
 * bytes a reader must have before decodeRecord can judge the record. The
 * caller must have RECORD_HEADER_SIZE bytes at offset, and must compare the
 * value with the segment's max record size before waiting for that many.
 */
export function peekRecordLength(view: DataView, offset: number): number {
  return view.getUint32(offset, true);
}

/**
 * Finds the first offset in [from, bytes.length) holding a valid record that
 * `accept` takes, trying every byte offset (a damaged record's length cannot
 * be trusted). Cheap field checks come before the checksum. O(bytes).
 */
export function scanForRecord(
  bytes: Uint8Array,
  from: number,
  seed: number,
  maxRecordSize: number,
  accept: (record: DecodedRecord) => boolean,
): { offset: number; record: DecodedRecord } | undefined {
  const last = bytes.length - RECORD_HEADER_SIZE;
  const view = viewOf(bytes);
  for (let p = from; p <= last; p++) {
    if (bytes[p + 4] !== RECORD_TYPE_DATA || bytes[p + 6] !== 0 || bytes[p + 7] !== 0) continue;
    if (((bytes[p + 5] ?? 0) & ~SUPPORTED_FLAGS) !== 0) continue;
    const r = decodeRecord(bytes, p, seed, maxRecordSize, view);
    if (r.ok && accept(r.record)) return { offset: p, record: r.record };
  }
  return undefined;
}

/** Block size of the zero checks: one shared all-zero block, compared with native memcmp. */
const ZERO_BLOCK_SIZE = 64 * 1024;
const ZERO_BLOCK = Buffer.alloc(ZERO_BLOCK_SIZE);

/** A Buffer view (no copy) of bytes[from, to). */
function bufferView(bytes: Uint8Array, from: number, to: number): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset + from, to - from);
}

/** True when bytes[from, to) (to - from <= ZERO_BLOCK_SIZE) is all zero. */
function blockIsZero(bytes: Uint8Array, from: number, to: number): boolean {
  const n = to - from;
  if (n <= 0) return true;
  if (n < 64) {
    for (let i = from; i < to; i++) if (bytes[i] !== 0) return false;
    return true;
  }
  return bufferView(bytes, from, to).equals(ZERO_BLOCK.subarray(0, n));
}

/**
 * True when every byte of bytes[from, to) is zero. Checks a few bytes first
 * (damage is usually found at once), then 64 KiB blocks against a shared zero
 * block: a 64 MiB zero-filled tail costs 1,024 native compares, not a JS loop.
 */
export function isZero(bytes: Uint8Array, from: number, to = bytes.length): boolean {
  const head = Math.min(to, from + 16);
  for (let i = from; i < head; i++) if (bytes[i] !== 0) return false;
  // Bounded: each turn advances by one block.
  for (let p = head; p < to; p += ZERO_BLOCK_SIZE) {
    if (!blockIsZero(bytes, p, Math.min(to, p + ZERO_BLOCK_SIZE))) return false;
  }
  return true;
}

/** Offset just after the last non-zero byte at or after from (from itself when all zero). */
export function nonZeroEnd(bytes: Uint8Array, from: number): number {
  // Skip all-zero blocks from the end with native compares, then find the byte in the last non-zero block.
  let end = bytes.length;
  while (end > from) {
    const start = Math.max(from, end - ZERO_BLOCK_SIZE);
    if (!blockIsZero(bytes, start, end)) {
      for (let i = end - 1; i >= start; i--) if (bytes[i] !== 0) return i + 1;
    }
    end = start;
  }
  return from;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  if (a.length >= 64) return bufferView(a, 0, a.length).equals(bufferView(b, 0, b.length));
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Segment file names: wal-<first LSN, 16 decimal digits>.log */
const SEGMENT_NAME = /^wal-(\d{16})\.log$/;
/** The next segment, created and zero-filled ahead of time, before it has a first LSN. */
export const PREALLOCATED_NAME = 'wal-next.prealloc';

export function segmentName(firstLsn: number): string {
  return `wal-${String(firstLsn).padStart(16, '0')}.log`;
}

/** The first LSN a segment name states, or undefined if the name is not a segment's. */
export function parseSegmentName(name: string): number | undefined {
  const m = SEGMENT_NAME.exec(name);
  if (m === null || m[1] === undefined) return undefined;
  const lsn = Number(m[1]);
  return Number.isSafeInteger(lsn) && lsn >= 1 ? lsn : undefined;
}
