/**
 * The bytes of the dead-letter log's records (docs/format.md, "Dead-letter
 * queue"): a dead letter (salvaged bytes, a rejected record, a rejected
 * transaction) or a resolution (entries replayed, purged, or whose replay
 * failed). Each is the payload of one plain record of the dead-letter log,
 * whose record CRC checksums it; this module is the only one that knows the
 * layout, and it refuses anything that does not decode exactly (ECORRUPT).
 */
import { WalError } from '../errors.js';

export const DEAD_LETTER_MAGIC = 0x51444c46; // "FLDQ" read as a little-endian u32
export const DEAD_LETTER_VERSION = 1;
export const DEAD_LETTER_HEADER_SIZE = 64;
export const RESOLUTION_HEADER_SIZE = 32;
/** Reason codes and messages longer than this are cut (a handler's error can be anything). */
export const MAX_REASON_CODE_BYTES = 256;
export const MAX_REASON_MESSAGE_BYTES = 4096;

export type DeadLetterKind = 'salvaged' | 'record' | 'transaction';
export type ResolutionAction = 'replayed' | 'purged' | 'replay-failed';

const KIND_BYTE: Record<DeadLetterKind, number> = { salvaged: 1, record: 2, transaction: 3 };
const RESOLUTION_BYTE = 16;
const ACTION_BYTE: Record<ResolutionAction, number> = { replayed: 1, purged: 2, 'replay-failed': 3 };

/** One payload of a dead letter: a record's (or a transaction's data record's) LSN and bytes; salvaged bytes have LSN 0 (unknown). */
export interface DeadLetterPart {
  lsn: number;
  data: Uint8Array;
}

/** Why an entry is in the queue: a code (a finding's kind, or the handler error's code or name) and a message. */
export interface DeadLetterReason {
  code: string;
  message: string;
}

/** A dead letter as written: what it is, where it came from, why, and its payload. */
export interface DeadLetterBody {
  kind: DeadLetterKind;
  /** The source log's id (its salt, 16 hex digits). */
  logId: string;
  /** The injected clock (ms) when it was dead-lettered. */
  atMs: number;
  /** salvaged: the LSN expected where the bytes lie (0 when unknown); record: its LSN; transaction: its first data record's LSN. */
  firstLsn: number;
  /** salvaged: as firstLsn; record: its LSN; transaction: its commit LSN. */
  lastLsn: number;
  /** The source segment's file name ('' when not known). */
  segment: string;
  /** salvaged: the byte offset in the source segment (0 otherwise). */
  offset: number;
  reason: DeadLetterReason;
  /** salvaged: one part, the raw bytes; record: one part; transaction: its data records, LSNs firstLsn .. lastLsn - 1. */
  parts: DeadLetterPart[];
}

/** A resolution: entries (by id, below the resolution's own id) replayed, purged, or whose replay failed (with the error). */
export interface ResolutionBody {
  action: ResolutionAction;
  atMs: number;
  ids: number[];
  /** replay-failed: the handler's error; empty otherwise. */
  reason: DeadLetterReason;
}

export type DeadLetterRecord = { type: 'entry'; entry: DeadLetterBody } | { type: 'resolution'; resolution: ResolutionBody };

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The UTF-8 bytes of `text`, cut at a character boundary to at most `max` bytes. */
function cutUtf8(text: string, max: number): Uint8Array {
  const bytes = utf8.encode(text);
  if (bytes.length <= max) return bytes;
  let end = max;
  // Bounded: a UTF-8 character has at most 3 continuation bytes.
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

function u64(view: DataView, at: number, value: number): void {
  view.setBigUint64(at, BigInt(value), true);
}

function logIdBytes(logId: string): Uint8Array {
  if (!/^[0-9a-f]{16}$/.test(logId)) throw new WalError('EINVAL', `a dead letter's log id must be 16 hex digits, got '${logId}'`);
  return Uint8Array.from(Buffer.from(logId, 'hex'));
}

/** The bytes of a dead letter; its reason code and message are cut to their bounds. */
export function encodeDeadLetter(e: DeadLetterBody): Uint8Array {
  checkParts(e, (m) => new WalError('EINVAL', `cannot dead-letter: ${m}`));
  const segment = utf8.encode(e.segment);
  if (segment.length > 0xffff) throw new WalError('EINVAL', 'a segment name longer than 65535 bytes');
  const code = cutUtf8(e.reason.code, MAX_REASON_CODE_BYTES);
  const message = cutUtf8(e.reason.message, MAX_REASON_MESSAGE_BYTES);
  const partBytes = e.parts.reduce((n, p) => n + 12 + p.data.length, 0);
  const out = new Uint8Array(DEAD_LETTER_HEADER_SIZE + segment.length + code.length + message.length + partBytes);
  const view = new DataView(out.buffer);
  view.setUint32(0, DEAD_LETTER_MAGIC, true);
  out[4] = DEAD_LETTER_VERSION;
  out[5] = KIND_BYTE[e.kind];
  out.set(logIdBytes(e.logId), 8);
  u64(view, 16, e.atMs);
  u64(view, 24, e.firstLsn);
  u64(view, 32, e.lastLsn);
  u64(view, 40, e.offset);
  view.setUint32(48, e.parts.length, true);
  view.setUint16(52, segment.length, true);
  view.setUint16(54, code.length, true);
  view.setUint32(56, message.length, true);
  let at = DEAD_LETTER_HEADER_SIZE;
  for (const b of [segment, code, message]) {
    out.set(b, at);
    at += b.length;
  }
  for (const p of e.parts) {
    u64(view, at, p.lsn);
    view.setUint32(at + 8, p.data.length, true);
    out.set(p.data, at + 12);
    at += 12 + p.data.length;
  }
  return out;
}

/** The bytes of a resolution. */
export function encodeResolution(r: ResolutionBody): Uint8Array {
  if (r.ids.length === 0) throw new WalError('EINVAL', 'a resolution names at least one entry');
  const code = cutUtf8(r.reason.code, MAX_REASON_CODE_BYTES);
  const message = cutUtf8(r.reason.message, MAX_REASON_MESSAGE_BYTES);
  const out = new Uint8Array(RESOLUTION_HEADER_SIZE + 8 * r.ids.length + code.length + message.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, DEAD_LETTER_MAGIC, true);
  out[4] = DEAD_LETTER_VERSION;
  out[5] = RESOLUTION_BYTE;
  out[8] = ACTION_BYTE[r.action];
  view.setUint32(12, r.ids.length, true);
  u64(view, 16, r.atMs);
  view.setUint16(24, code.length, true);
  view.setUint32(28, message.length, true);
  let at = RESOLUTION_HEADER_SIZE;
  for (const id of r.ids) {
    u64(view, at, id);
    at += 8;
  }
  out.set(code, at);
  out.set(message, at + code.length);
  return out;
}

/** The shape rules of an entry's source and parts, shared by encoding (EINVAL) and decoding (ECORRUPT). */
function checkParts(e: DeadLetterBody, bad: (message: string) => WalError): void {
  const { kind, parts, firstLsn, lastLsn } = e;
  if (kind === 'salvaged') {
    if (parts.length !== 1 || parts[0]?.lsn !== 0) throw bad('salvaged bytes are one part without an LSN');
    if (firstLsn !== lastLsn) throw bad('salvaged bytes carry one expected LSN');
    return;
  }
  if (firstLsn < 1) throw bad(`a ${kind} has an LSN of at least 1`);
  if (kind === 'record') {
    if (parts.length !== 1 || parts[0]?.lsn !== firstLsn || lastLsn !== firstLsn) throw bad('a rejected record is one part at its LSN');
    return;
  }
  if (parts.length < 1 || lastLsn !== firstLsn + parts.length)
    throw bad('a rejected transaction holds its data records, then its commit LSN');
  parts.forEach((p, i) => {
    if (p.lsn !== firstLsn + i) throw bad(`a transaction's data records are at consecutive LSNs (part ${i} at ${p.lsn})`);
  });
}

/** Decodes one payload of the dead-letter log (`id` is its LSN there, for the error); ECORRUPT unless it decodes exactly. */
export function decodeDeadLetterRecord(bytes: Uint8Array, id: number): DeadLetterRecord {
  const bad = (message: string): WalError =>
    new WalError('ECORRUPT', `dead-letter queue record ${id} does not decode: ${message}`, { details: { id } });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (end: number, what: string): void => {
    if (end > bytes.length) throw bad(`${what} ends at ${end}, past the record's ${bytes.length} bytes`);
  };
  const read64 = (at: number, what: string): number => {
    const v = view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw bad(`${what} is not a safe integer`);
    return Number(v);
  };
  const text = (at: number, length: number, what: string, max: number): string => {
    if (length > max) throw bad(`${what} is ${length} bytes, above its bound of ${max}`);
    need(at + length, what);
    try {
      return strictUtf8.decode(bytes.subarray(at, at + length));
    } catch {
      throw bad(`${what} is not UTF-8`);
    }
  };
  need(8, 'the header');
  if (view.getUint32(0, true) !== DEAD_LETTER_MAGIC) throw bad('bad magic');
  if (bytes[4] !== DEAD_LETTER_VERSION) throw bad(`version ${bytes[4]} (only ${DEAD_LETTER_VERSION} is known)`);
  if (bytes[6] !== 0 || bytes[7] !== 0) throw bad('reserved bytes are not zero');
  const kindByte = bytes[5] as number;
  if (kindByte === RESOLUTION_BYTE) {
    need(RESOLUTION_HEADER_SIZE, 'the resolution header');
    const action = (Object.keys(ACTION_BYTE) as ResolutionAction[]).find((a) => ACTION_BYTE[a] === bytes[8]);
    if (action === undefined) throw bad(`unknown resolution action ${bytes[8]}`);
    if (bytes[9] !== 0 || bytes[10] !== 0 || bytes[11] !== 0 || bytes[26] !== 0 || bytes[27] !== 0)
      throw bad('reserved bytes are not zero');
    const count = view.getUint32(12, true);
    if (count === 0) throw bad('a resolution names no entry');
    const atMs = read64(16, 'the time');
    const codeLength = view.getUint16(24, true);
    const messageLength = view.getUint32(28, true);
    const idsEnd = RESOLUTION_HEADER_SIZE + 8 * count;
    need(idsEnd, 'the ids');
    const ids: number[] = [];
    for (let k = 0; k < count; k++) {
      const entry = read64(RESOLUTION_HEADER_SIZE + 8 * k, 'an id');
      if (entry < 1 || entry >= id) throw bad(`it resolves entry ${entry}, which is not below it`);
      ids.push(entry);
    }
    const code = text(idsEnd, codeLength, 'the code', MAX_REASON_CODE_BYTES);
    const message = text(idsEnd + codeLength, messageLength, 'the message', MAX_REASON_MESSAGE_BYTES);
    if (idsEnd + codeLength + messageLength !== bytes.length) throw bad('bytes left after the message');
    return { type: 'resolution', resolution: { action, atMs, ids, reason: { code, message } } };
  }
  const kind = (Object.keys(KIND_BYTE) as DeadLetterKind[]).find((k) => KIND_BYTE[k] === kindByte);
  if (kind === undefined) throw bad(`unknown kind ${kindByte}`);
  need(DEAD_LETTER_HEADER_SIZE, 'the dead-letter header');
  for (let k = 60; k < DEAD_LETTER_HEADER_SIZE; k++) if (bytes[k] !== 0) throw bad('reserved bytes are not zero');
  const logId = Buffer.from(bytes.subarray(8, 16)).toString('hex');
  const atMs = read64(16, 'the time');
  const firstLsn = read64(24, 'the first LSN');
  const lastLsn = read64(32, 'the last LSN');
  const offset = read64(40, 'the offset');
  const count = view.getUint32(48, true);
  const segmentLength = view.getUint16(52, true);
  const codeLength = view.getUint16(54, true);
  const messageLength = view.getUint32(56, true);
  let at = DEAD_LETTER_HEADER_SIZE;
  const segment = text(at, segmentLength, 'the segment name', 0xffff);
  at += segmentLength;
  const code = text(at, codeLength, 'the code', MAX_REASON_CODE_BYTES);
  at += codeLength;
  const message = text(at, messageLength, 'the message', MAX_REASON_MESSAGE_BYTES);
  at += messageLength;
  // Bounded by the record's length: each part takes at least 12 bytes.
  if (count > (bytes.length - at) / 12) throw bad(`${count} parts cannot fit in the record`);
  const parts: DeadLetterPart[] = [];
  for (let k = 0; k < count; k++) {
    need(at + 12, `part ${k}`);
    const lsn = read64(at, `part ${k}'s LSN`);
    const length = view.getUint32(at + 8, true);
    need(at + 12 + length, `part ${k}`);
    parts.push({ lsn, data: bytes.subarray(at + 12, at + 12 + length) });
    at += 12 + length;
  }
  if (at !== bytes.length) throw bad('bytes left after the last part');
  const entry: DeadLetterBody = { kind, logId, atMs, firstLsn, lastLsn, segment, offset, reason: { code, message }, parts };
  checkParts(entry, bad);
  return { type: 'entry', entry };
}
