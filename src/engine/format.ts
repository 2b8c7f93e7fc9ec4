/**
 * The on-disk format: the only module that knows bytes. Mirrors docs/format.md.
 *
 * A segment file is a 64-byte header block (two identical 32-byte copies of
 * the segment header) followed by records back to back. All integers are
 * little-endian. 64-bit fields hold safe integers (< 2^53).
 */
import { crc32, crc32Short } from './crc.js';
import { bytesEqual } from './zero-bytes.js';

/** The version a log without compression writes (its segments are byte for byte those of format v1). */
export const FORMAT_VERSION = 1;
/** Format v2: a v1 segment that may also hold compressed frames (docs/format.md). */
export const FORMAT_VERSION_FRAMES = 2;
/** Format v3: a v2 segment that may also hold transaction records (docs/format.md, "Transactions"). */
export const FORMAT_VERSION_TRANSACTIONS = 3;
/** Format v4: a v3 segment that may also hold time marks, the commit times of the records after them (docs/format.md, "Time marks"). */
export const FORMAT_VERSION_TIMESTAMPS = 4;
export type FormatVersion =
  typeof FORMAT_VERSION | typeof FORMAT_VERSION_FRAMES | typeof FORMAT_VERSION_TRANSACTIONS | typeof FORMAT_VERSION_TIMESTAMPS;

/** Whether a segment of this version may hold compressed frames (v2 and later). */
export function versionHasFrames(version: FormatVersion): boolean {
  return version >= FORMAT_VERSION_FRAMES;
}

/** Whether a segment of this version may hold transaction records (v3 and later). */
export function versionHasTransactions(version: FormatVersion): boolean {
  return version >= FORMAT_VERSION_TRANSACTIONS;
}

/** Whether a segment of this version may hold time marks (v4). */
export function versionHasTimeMarks(version: FormatVersion): boolean {
  return version >= FORMAT_VERSION_TIMESTAMPS;
}
/** "FLWL" read as a little-endian u32. */
export const SEGMENT_MAGIC = 0x4c574c46;
export const SEGMENT_HEADER_COPY_SIZE = 32;
/** Two copies: a single damaged copy still identifies the segment. */
export const SEGMENT_HEADER_SIZE = 2 * SEGMENT_HEADER_COPY_SIZE;
export const RECORD_HEADER_SIZE = 28;
export const SALT_SIZE = 8;

/** Record types. 0 is never written, so a zero-filled region never parses as a record. */
export const RECORD_TYPE_DATA = 1;
/** A compressed frame holding several records (format v2 segments only). */
export const RECORD_TYPE_FRAME = 2;
export const FRAME_HEADER_SIZE = 36;
/** Bytes in front of each record inside a frame's uncompressed content (its length). */
export const FRAME_ENTRY_OVERHEAD = 4;
/** Compression algorithms a frame names. */
export const CODEC_LZ4 = 1;
/** A transaction's commit record (format v3 segments only): its payload says how many data records before it it commits. */
export const RECORD_TYPE_COMMIT = 3;
/** The commit record's payload: the count of the transaction's data records (u32), then 4 reserved zero bytes. */
export const COMMIT_PAYLOAD_SIZE = 8;
/**
 * A time mark (format v4 segments only): the wall-clock time, in milliseconds
 * since the Unix epoch, at which the writer encoded the batch that follows it.
 * Its LSN field is the first LSN of that batch: a mark takes no LSN of its own.
 */
export const RECORD_TYPE_TIME = 4;
/** A time mark's payload: the wall-clock milliseconds as a u64. */
export const TIME_MARK_PAYLOAD_SIZE = 8;
/** A time mark's size on disk: a record header and its payload. */
export const TIME_MARK_SIZE = RECORD_HEADER_SIZE + TIME_MARK_PAYLOAD_SIZE;
export type CodecId = typeof CODEC_LZ4;

/** Record flag bits: compressed (frames only) and part of a transaction (format v3: a transaction's data records and its commit). */
export const FLAG_COMPRESSED = 0x01;
export const FLAG_TRANSACTION = 0x02;

/** How a record takes part in a transaction: not at all (a plain record), as one of its data records, or as its commit. */
export const TXN_NONE = 0;
export const TXN_DATA = 1;
export const TXN_COMMIT = 2;
export type TxnMark = typeof TXN_NONE | typeof TXN_DATA | typeof TXN_COMMIT;
/** Flags a v1 reader accepts (none: every bit is reserved and must be zero). */
export const SUPPORTED_FLAGS = 0x00;

/** Hard upper bound of any record payload, whatever the options say (64 MiB). */
export const FORMAT_MAX_RECORD_SIZE = 64 * 1024 * 1024;
export const DEFAULT_MAX_RECORD_SIZE = 1024 * 1024;

const TWO_32 = 0x1_0000_0000;

// The checksum and the byte compares live beside this module; they are part of what it offers.
export { crc32, crc32Short } from './crc.js';
export { bytesEqual, isZero, nonZeroEnd } from './zero-bytes.js';

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
  /** 1, or 2 when the segment may hold compressed frames; absent means 1. */
  version?: FormatVersion;
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
  view.setUint16(4, header.version ?? FORMAT_VERSION, true);
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
  const version = view.getUint16(4, true);
  if (
    version !== FORMAT_VERSION &&
    version !== FORMAT_VERSION_FRAMES &&
    version !== FORMAT_VERSION_TRANSACTIONS &&
    version !== FORMAT_VERSION_TIMESTAMPS
  )
    return { ok: false, reason: `unsupported format version ${version}` };
  if (view.getUint16(6, true) !== 0) return { ok: false, reason: 'reserved header flags set' };
  const firstLsn = getU64(view, 8);
  if (!Number.isSafeInteger(firstLsn) || firstLsn < 1) return { ok: false, reason: 'first LSN out of range' };
  const maxRecordSize = view.getUint32(24, true);
  if (maxRecordSize < 1 || maxRecordSize > FORMAT_MAX_RECORD_SIZE) return { ok: false, reason: 'max record size out of range' };
  const header: SegmentHeader = { firstLsn, salt: copy.slice(16, 24), maxRecordSize };
  // Version 1 is the absent default, so a v1 header decodes to exactly what v1 decoded to.
  if (version !== FORMAT_VERSION) header.version = version;
  return { ok: true, header, validCopies: 1 };
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
  /** A transaction's data record or commit (format v3 segments only); absent: a plain record. */
  txn?: TxnMark;
}

export function encodedRecordSize(payloadLength: number): number {
  return RECORD_HEADER_SIZE + payloadLength;
}

/** Encodes one record into out at offset; returns the offset after it. */
export function encodeRecordInto(out: Uint8Array, offset: number, record: RecordToEncode, seed: number, view = viewOf(out)): number {
  const len = record.data.length;
  const txn = record.txn ?? TXN_NONE;
  view.setUint32(offset, len, true);
  out[offset + 4] = txn === TXN_COMMIT ? RECORD_TYPE_COMMIT : RECORD_TYPE_DATA;
  out[offset + 5] = txn === TXN_NONE ? 0 : FLAG_TRANSACTION;
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
  /** TXN_NONE for a plain record (and every record of a frame), else the record's part in a transaction. */
  txn: TxnMark;
}

/** The commit record's payload for a transaction of `count` data records. */
export function encodeCommitPayload(count: number): Uint8Array {
  const out = new Uint8Array(COMMIT_PAYLOAD_SIZE);
  viewOf(out).setUint32(0, count, true);
  return out;
}

/** The count of data records a commit record's payload commits (the record verified, so its payload is COMMIT_PAYLOAD_SIZE bytes). */
export function commitCount(data: Uint8Array): number {
  return viewOf(data).getUint32(0, true);
}

/** A time mark to encode: the first LSN of the batch it stamps, the batch's synced-through, the wall-clock time. */
export interface TimeMarkToEncode {
  lsn: number;
  syncedThrough: number;
  wallMs: number;
}

/** A time mark decoded (checksum verified). */
export interface DecodedTimeMark extends TimeMarkToEncode {
  /** Offset just after the mark. */
  end: number;
}

/** Encodes one time mark into out at offset (TIME_MARK_SIZE bytes); returns the offset after it. */
export function encodeTimeMarkInto(out: Uint8Array, offset: number, mark: TimeMarkToEncode, seed: number, view = viewOf(out)): number {
  view.setUint32(offset, TIME_MARK_PAYLOAD_SIZE, true);
  out[offset + 4] = RECORD_TYPE_TIME;
  out[offset + 5] = 0;
  view.setUint16(offset + 6, 0, true);
  putU64(view, offset + 8, mark.lsn);
  putU64(view, offset + 16, mark.syncedThrough);
  putU64(view, offset + RECORD_HEADER_SIZE, mark.wallMs);
  const headCrc = crc32Short(out, offset, offset + 24, seed);
  view.setUint32(offset + 24, crc32(out.subarray(offset + RECORD_HEADER_SIZE, offset + TIME_MARK_SIZE), headCrc), true);
  return offset + TIME_MARK_SIZE;
}

/** Whether the entry at offset is a time mark (by its type; the caller has RECORD_HEADER_SIZE bytes there). */
export function isTimeMarkAt(bytes: Uint8Array, offset: number): boolean {
  return bytes[offset + 4] === RECORD_TYPE_TIME;
}

export type TimeMarkResult = { ok: true; mark: DecodedTimeMark } | { ok: false; reason: string };

/** Decodes the time mark at offset: every field checked, then the checksum. */
export function decodeTimeMark(bytes: Uint8Array, offset: number, seed: number, view = viewOf(bytes)): TimeMarkResult {
  if (offset + RECORD_HEADER_SIZE > bytes.length) return { ok: false, reason: 'truncated header' };
  if (bytes[offset + 4] !== RECORD_TYPE_TIME) return { ok: false, reason: `bad record type ${String(bytes[offset + 4])}` };
  const len = view.getUint32(offset, true);
  if (len !== TIME_MARK_PAYLOAD_SIZE) return { ok: false, reason: `time mark of ${len} bytes (${TIME_MARK_PAYLOAD_SIZE} expected)` };
  if (bytes[offset + 5] !== 0 || view.getUint16(offset + 6, true) !== 0)
    return { ok: false, reason: 'time mark flags or reserved bytes set' };
  const end = offset + TIME_MARK_SIZE;
  if (end > bytes.length) return { ok: false, reason: 'truncated payload' };
  const lsn = getU64(view, offset + 8);
  const syncedThrough = getU64(view, offset + 16);
  if (!Number.isSafeInteger(lsn) || lsn < 1) return { ok: false, reason: 'LSN out of range' };
  if (!Number.isSafeInteger(syncedThrough) || syncedThrough >= lsn) return { ok: false, reason: 'synced-through out of range' };
  const headCrc = crc32Short(bytes, offset, offset + 24, seed);
  if (view.getUint32(offset + 24, true) !== crc32(bytes.subarray(offset + RECORD_HEADER_SIZE, end), headCrc))
    return { ok: false, reason: 'checksum mismatch' };
  const wallMs = getU64(view, offset + RECORD_HEADER_SIZE);
  if (!Number.isSafeInteger(wallMs)) return { ok: false, reason: 'time mark time out of range' };
  return { ok: true, mark: { lsn, syncedThrough, wallMs, end } };
}

export type RecordResult = { ok: true; record: DecodedRecord } | { ok: false; reason: string };

/**
 * Decodes the record at offset. Every field is checked before the payload is
 * touched: the length against maxRecordSize and the bytes available, so an
 * oversized length never causes an allocation or a read past the end.
 */
export function decodeRecord(
  bytes: Uint8Array,
  offset: number,
  seed: number,
  maxRecordSize: number,
  view = viewOf(bytes),
  transactions = false,
): RecordResult {
  if (offset + RECORD_HEADER_SIZE > bytes.length) return { ok: false, reason: 'truncated header' };
  const len = view.getUint32(offset, true);
  const type = bytes[offset + 4];
  const flags = bytes[offset + 5] ?? 0;
  let txn: TxnMark = TXN_NONE;
  if (transactions && type === RECORD_TYPE_COMMIT) {
    if (flags !== FLAG_TRANSACTION) return { ok: false, reason: `commit record without the transaction flag (0x${flags.toString(16)})` };
    if (len !== COMMIT_PAYLOAD_SIZE) return { ok: false, reason: `commit record of ${len} bytes (${COMMIT_PAYLOAD_SIZE} expected)` };
    txn = TXN_COMMIT;
  } else {
    if (type !== RECORD_TYPE_DATA) return { ok: false, reason: `bad record type ${String(type)}` };
    const supported = transactions ? FLAG_TRANSACTION : SUPPORTED_FLAGS;
    if ((flags & ~supported) !== 0) return { ok: false, reason: `unsupported flags 0x${flags.toString(16)}` };
    if (flags === FLAG_TRANSACTION) txn = TXN_DATA;
  }
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
  if (txn === TXN_COMMIT) {
    const count = commitCount(data);
    if (count < 1 || count >= lsn || view.getUint32(offset + RECORD_HEADER_SIZE + 4, true) !== 0) {
      return { ok: false, reason: `commit record of ${count} data records at LSN ${lsn} out of range` };
    }
  }
  return { ok: true, record: { lsn, syncedThrough, data, end, txn } };
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

/** Whether the entry at offset is a frame (by its type; the caller has RECORD_HEADER_SIZE bytes there). */
export function isFrameAt(bytes: Uint8Array, offset: number): boolean {
  return bytes[offset + 4] === RECORD_TYPE_FRAME;
}

/** The header size of the entry (record or frame) at offset: the caller has RECORD_HEADER_SIZE bytes there. */
export function entryHeaderSize(bytes: Uint8Array, offset: number): number {
  return bytes[offset + 4] === RECORD_TYPE_FRAME ? FRAME_HEADER_SIZE : RECORD_HEADER_SIZE;
}

/** Frame flag bits: bit 0, compressed, is set in every frame; the others are reserved. */
const FRAME_FLAGS = FLAG_COMPRESSED;

/** A frame's header fields and its stored bytes: what the writer encodes. */
export interface FrameToEncode {
  firstLsn: number;
  /** Records in the frame (LSNs firstLsn .. firstLsn + count - 1). */
  count: number;
  syncedThrough: number;
  codec: CodecId;
  /** Length of the content once decompressed (the records, each behind its length). */
  contentLength: number;
  /** The bytes as stored (compressed); when decoded, a view into the input. */
  stored: Uint8Array;
}

/** What a frame's header says, checked (CRC included); its content is not decompressed yet. */
export interface DecodedFrame extends FrameToEncode {
  /** Offset just after the frame. */
  end: number;
}

/** The uncompressed content of a frame of these payloads: each behind its length (u32). */
export function frameContentSize(payloads: readonly { readonly data: Uint8Array }[], from: number, to: number): number {
  let n = 0;
  for (let k = from; k < to; k++) n += FRAME_ENTRY_OVERHEAD + (payloads[k] as { readonly data: Uint8Array }).data.length;
  return n;
}

/** Writes payloads[from, to) as a frame's uncompressed content into out (frameContentSize bytes). */
export function encodeFrameContent(out: Uint8Array, payloads: readonly { readonly data: Uint8Array }[], from: number, to: number): void {
  const view = viewOf(out);
  let at = 0;
  for (let k = from; k < to; k++) {
    const data = (payloads[k] as { readonly data: Uint8Array }).data;
    view.setUint32(at, data.length, true);
    out.set(data, at + FRAME_ENTRY_OVERHEAD);
    at += FRAME_ENTRY_OVERHEAD + data.length;
  }
}

export function encodedFrameSize(storedLength: number): number {
  return FRAME_HEADER_SIZE + storedLength;
}

/** Encodes one frame (header, then the stored bytes) into out at offset; returns the offset after it. */
export function encodeFrameInto(out: Uint8Array, offset: number, frame: FrameToEncode, seed: number, view = viewOf(out)): number {
  view.setUint32(offset, frame.stored.length, true);
  out[offset + 4] = RECORD_TYPE_FRAME;
  out[offset + 5] = FRAME_FLAGS;
  out[offset + 6] = frame.codec;
  out[offset + 7] = 0;
  putU64(view, offset + 8, frame.firstLsn);
  putU64(view, offset + 16, frame.syncedThrough);
  view.setUint32(offset + 24, frame.count, true);
  view.setUint32(offset + 28, frame.contentLength, true);
  out.set(frame.stored, offset + FRAME_HEADER_SIZE);
  const headCrc = crc32Short(out, offset, offset + 32, seed);
  view.setUint32(offset + 32, crc32(frame.stored, headCrc), true);
  return offset + FRAME_HEADER_SIZE + frame.stored.length;
}

/**
 * The largest stored length a frame may declare: a frame reaches no further
 * than one record of the segment's max record size would, so every bound a
 * reader keeps for records (how far it reads, how far it looks) holds for frames.
 */
export function maxFrameStored(maxRecordSize: number): number {
  return RECORD_HEADER_SIZE + maxRecordSize - FRAME_HEADER_SIZE;
}

export type FrameResult = { ok: true; frame: DecodedFrame } | { ok: false; reason: string };

/**
 * Decodes the frame header at offset and checks the CRC over the stored
 * bytes. Every length is compared with its bound before anything else: the
 * stored length with maxFrameStored, the content length with maxRecordSize
 * (the bound of decompression), the count with the content length.
 */
export function decodeFrame(bytes: Uint8Array, offset: number, seed: number, maxRecordSize: number, view = viewOf(bytes)): FrameResult {
  if (offset + FRAME_HEADER_SIZE > bytes.length) return { ok: false, reason: 'truncated frame header' };
  const stored = view.getUint32(offset, true);
  if (bytes[offset + 4] !== RECORD_TYPE_FRAME) return { ok: false, reason: `bad record type ${String(bytes[offset + 4])}` };
  const flags = bytes[offset + 5] ?? 0;
  if (flags !== FRAME_FLAGS) return { ok: false, reason: `unsupported frame flags 0x${flags.toString(16)}` };
  const codec = bytes[offset + 6];
  if (codec !== CODEC_LZ4) return { ok: false, reason: `unknown compression ${String(codec)}` };
  if (bytes[offset + 7] !== 0) return { ok: false, reason: 'reserved frame byte set' };
  if (stored > maxFrameStored(maxRecordSize))
    return { ok: false, reason: `frame length ${stored} above the maximum ${maxFrameStored(maxRecordSize)}` };
  const end = offset + FRAME_HEADER_SIZE + stored;
  if (end > bytes.length) return { ok: false, reason: 'truncated frame' };
  const count = view.getUint32(offset + 24, true);
  const contentLength = view.getUint32(offset + 28, true);
  if (contentLength > maxRecordSize) return { ok: false, reason: `frame content ${contentLength} above the maximum ${maxRecordSize}` };
  if (count < 1 || count * FRAME_ENTRY_OVERHEAD > contentLength)
    return { ok: false, reason: `frame record count ${count} does not fit its content` };
  const firstLsn = getU64(view, offset + 8);
  const syncedThrough = getU64(view, offset + 16);
  if (!Number.isSafeInteger(firstLsn) || firstLsn < 1 || !Number.isSafeInteger(firstLsn + count))
    return { ok: false, reason: 'LSN out of range' };
  if (!Number.isSafeInteger(syncedThrough) || syncedThrough >= firstLsn) return { ok: false, reason: 'synced-through out of range' };
  const data = bytes.subarray(offset + FRAME_HEADER_SIZE, end);
  const headCrc = crc32Short(bytes, offset, offset + 32, seed);
  if (view.getUint32(offset + 32, true) !== crc32(data, headCrc)) return { ok: false, reason: 'frame checksum mismatch' };
  return { ok: true, frame: { firstLsn, count, syncedThrough, codec, contentLength, stored: data, end } };
}

/**
 * The records of a frame from its decompressed content: exactly `count`
 * entries, each a length (at most maxRecordSize) and that many bytes,
 * filling the content exactly. Payloads are views into `content`.
 */
export function decodeFrameContent(
  content: Uint8Array,
  frame: DecodedFrame,
  maxRecordSize: number,
): { ok: true; records: DecodedRecord[] } | { ok: false; reason: string } {
  if (content.length !== frame.contentLength) {
    return { ok: false, reason: `frame decompressed to ${content.length} bytes, its header says ${frame.contentLength}` };
  }
  const view = viewOf(content);
  const records: DecodedRecord[] = [];
  let at = 0;
  // Bounded: count is at most contentLength / FRAME_ENTRY_OVERHEAD, and each turn moves at forward.
  for (let k = 0; k < frame.count; k++) {
    if (at + FRAME_ENTRY_OVERHEAD > content.length)
      return { ok: false, reason: `frame content ends before record ${k + 1} of ${frame.count}` };
    const len = view.getUint32(at, true);
    const from = at + FRAME_ENTRY_OVERHEAD;
    if (len > maxRecordSize || from + len > content.length)
      return { ok: false, reason: `frame record ${k + 1} length ${len} does not fit` };
    records.push({
      lsn: frame.firstLsn + k,
      syncedThrough: frame.syncedThrough,
      data: content.subarray(from, from + len),
      end: frame.end,
      txn: TXN_NONE,
    });
    at = from + len;
  }
  if (at !== content.length) return { ok: false, reason: `frame content has ${content.length - at} bytes after its last record` };
  return { ok: true, records };
}

/**
 * lz4 stored bytes begin with the uncompressed length (u32), which the
 * decompressor allocates: this reads it so the caller compares it with the
 * frame's checked content length first (undefined when too short).
 */
export function lz4DeclaredLength(stored: Uint8Array): number | undefined {
  return stored.length < 4 ? undefined : viewOf(stored).getUint32(0, true);
}

/** What a search for a record or frame finds: its LSN (a frame's first), synced-through and end. */
export interface EntryHead {
  lsn: number;
  syncedThrough: number;
  end: number;
}

/**
 * Like scanForRecord, for a segment of format `version`: in one that may
 * hold frames (v2 and later) a frame whose header and CRC verify is found
 * too, as its first LSN; in one that may hold transaction records (v3 and
 * later) a transaction's data record or commit is found too; in one that
 * may hold time marks (v4) a time mark is found too, as the LSN it stamps.
 */
export function scanForEntry(
  bytes: Uint8Array,
  from: number,
  seed: number,
  maxRecordSize: number,
  version: FormatVersion,
  accept: (entry: EntryHead) => boolean,
): { offset: number; record: EntryHead } | undefined {
  const transactions = versionHasTransactions(version);
  const marks = versionHasTimeMarks(version);
  if (!versionHasFrames(version)) return scanForRecord(bytes, from, seed, maxRecordSize, accept);
  const last = bytes.length - RECORD_HEADER_SIZE;
  const view = viewOf(bytes);
  for (let p = from; p <= last; p++) {
    const type = bytes[p + 4];
    if (marks && type === RECORD_TYPE_TIME) {
      if (bytes[p + 5] !== 0 || bytes[p + 6] !== 0 || bytes[p + 7] !== 0) continue;
      const m = decodeTimeMark(bytes, p, seed, view);
      if (!m.ok) continue;
      const head = { lsn: m.mark.lsn, syncedThrough: m.mark.syncedThrough, end: m.mark.end };
      if (accept(head)) return { offset: p, record: head };
      continue;
    }
    if (type === RECORD_TYPE_FRAME) {
      if (bytes[p + 5] !== FRAME_FLAGS || bytes[p + 7] !== 0) continue;
      const f = decodeFrame(bytes, p, seed, maxRecordSize, view);
      if (!f.ok) continue;
      const head = { lsn: f.frame.firstLsn, syncedThrough: f.frame.syncedThrough, end: f.frame.end };
      if (accept(head)) return { offset: p, record: head };
      continue;
    }
    const r = recordAt(bytes, p, seed, maxRecordSize, view, transactions);
    if (r !== undefined && accept(r)) return { offset: p, record: r };
  }
  return undefined;
}

/** The valid record at offset p, or undefined; the cheap field checks come before the checksum. */
function recordAt(
  bytes: Uint8Array,
  p: number,
  seed: number,
  maxRecordSize: number,
  view: DataView,
  transactions = false,
): DecodedRecord | undefined {
  const type = bytes[p + 4];
  if (bytes[p + 6] !== 0 || bytes[p + 7] !== 0) return undefined;
  if (transactions) {
    if (type !== RECORD_TYPE_DATA && type !== RECORD_TYPE_COMMIT) return undefined;
    if (((bytes[p + 5] ?? 0) & ~FLAG_TRANSACTION) !== 0) return undefined;
  } else {
    if (type !== RECORD_TYPE_DATA) return undefined;
    if (((bytes[p + 5] ?? 0) & ~SUPPORTED_FLAGS) !== 0) return undefined;
  }
  const r = decodeRecord(bytes, p, seed, maxRecordSize, view, transactions);
  return r.ok ? r.record : undefined;
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
    const r = recordAt(bytes, p, seed, maxRecordSize, view);
    if (r !== undefined && accept(r)) return { offset: p, record: r };
  }
  return undefined;
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
