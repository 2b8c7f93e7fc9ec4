/**
 * The checkpoint snapshot file of the in-memory state store, byte by byte
 * (docs/format.md, "State snapshot files"). All integers little-endian.
 *
 *   header   44 bytes: magic "FLTLSNAP", version u16, flags u16, reserved u32,
 *            appliedLsn u64, storeId 8 bytes (the store's WAL salt),
 *            entry count u64, CRC-32 of the 40 bytes before it
 *   chunks   each: payload length u32, entry count u32, CRC-32 u32 (of the
 *            8 length/count bytes and the payload, seeded with the header CRC),
 *            then the payload: entries, each key length u32, value length u32,
 *            key (UTF-8), value. Keys strictly increasing in JS string order.
 *   trailer  24 bytes: magic "FLTLSEND", entry count u64, chunk count u32,
 *            CRC-32 of the chunk CRCs (u32 each, in order, seeded with the header CRC)
 *
 * A chunk holds whole entries, at most SNAPSHOT_CHUNK_BYTES of payload, or a
 * single entry larger than that. Encoding yields the file piece by piece so a
 * large state never blocks the event loop for long; decoding reads it piece by
 * piece from a FileHandle, trusting no length further than the file's size and
 * the caller's key and value limits.
 */
import { crc32 } from '../engine/crc.js';
import { WalError } from '../errors.js';
import { assert } from '../assert.js';
import type { FileHandle } from '../ports.js';
import type { StateSnapshot } from './state-store.js';

export const SNAPSHOT_MAGIC = Uint8Array.from([0x46, 0x4c, 0x54, 0x4c, 0x53, 0x4e, 0x41, 0x50]); // "FLTLSNAP"
export const SNAPSHOT_TRAILER_MAGIC = Uint8Array.from([0x46, 0x4c, 0x54, 0x4c, 0x53, 0x45, 0x4e, 0x44]); // "FLTLSEND"
export const SNAPSHOT_VERSION = 1;
export const SNAPSHOT_HEADER_SIZE = 44;
export const SNAPSHOT_CHUNK_HEADER_SIZE = 12;
export const SNAPSHOT_TRAILER_SIZE = 24;
/** Per-entry overhead in a chunk's payload: key length and value length. */
export const SNAPSHOT_ENTRY_OVERHEAD = 8;
/** The most payload a chunk holds, unless a single entry is larger. */
export const SNAPSHOT_CHUNK_BYTES = 1024 * 1024;
export const STORE_ID_SIZE = 8;

const MAX_U32 = 0xffff_ffff;

export interface EncodeSnapshotOptions {
  /** The payload size a chunk is cut at: 1 .. SNAPSHOT_CHUNK_BYTES (the default). Tests use small ones. */
  chunkBytes?: number;
}

export interface DecodeSnapshotOptions {
  /** The largest key, in UTF-8 bytes, the store accepts. */
  maxKeyBytes: number;
  /** The largest value, in bytes, the store accepts. */
  maxValueBytes: number;
  /** The storeId the file must carry; another one is ECORRUPT (a snapshot of another store). */
  expectedStoreId?: Uint8Array;
}

export interface DecodedSnapshot {
  appliedLsn: number;
  storeId: Uint8Array;
  /** Sorted by key, strictly increasing. */
  entries: Array<[string, Uint8Array]>;
}

const utf8Encoder = new TextEncoder();
/** A lone surrogate has no UTF-8 form. */
const LONE_SURROGATE = /\p{Cs}/u;
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function writeU64(view: DataView, at: number, value: number): void {
  view.setUint32(at, value % 0x1_0000_0000, true);
  view.setUint32(at + 4, Math.floor(value / 0x1_0000_0000), true);
}

/** A u64 that must be a safe integer, or undefined. */
function readU64(view: DataView, at: number): number | undefined {
  const low = view.getUint32(at, true);
  const high = view.getUint32(at + 4, true);
  if (high > 0x1f_ffff) return undefined;
  return high * 0x1_0000_0000 + low;
}

function countEntries(snapshot: StateSnapshot): number {
  const sized = (snapshot as { size?: unknown }).size;
  if (typeof sized === 'number') return sized;
  let count = 0;
  for (const _entry of snapshot.entries()) count++;
  return count;
}

function encodeHeader(appliedLsn: number, storeId: Uint8Array, entryCount: number): Uint8Array {
  const out = new Uint8Array(SNAPSHOT_HEADER_SIZE);
  const view = new DataView(out.buffer);
  out.set(SNAPSHOT_MAGIC, 0);
  view.setUint16(8, SNAPSHOT_VERSION, true);
  view.setUint16(10, 0, true);
  view.setUint32(12, 0, true);
  writeU64(view, 16, appliedLsn);
  out.set(storeId, 24);
  writeU64(view, 32, entryCount);
  view.setUint32(40, crc32(out.subarray(0, 40)), true);
  return out;
}

/**
 * The snapshot file for `snapshot`, as a sequence of pieces to write one
 * after the other: the header, each chunk, the trailer. Each piece is a fresh
 * buffer of at most SNAPSHOT_CHUNK_BYTES + 12 bytes (or one entry larger than
 * that). The snapshot's entries must be sorted by key, strictly increasing.
 * With a snapshot that has no `size`, its entries are walked twice (once to
 * count them for the header).
 */
export function* encodeSnapshot(snapshot: StateSnapshot, storeId: Uint8Array, options: EncodeSnapshotOptions = {}): Generator<Uint8Array> {
  const { appliedLsn } = snapshot;
  if (!Number.isSafeInteger(appliedLsn) || appliedLsn < 0)
    throw new WalError('EINVAL', `snapshot: appliedLsn must be a safe integer >= 0, got ${String(appliedLsn)}`);
  if (!(storeId instanceof Uint8Array) || storeId.length !== STORE_ID_SIZE)
    throw new WalError('EINVAL', `snapshot: the store id must be ${STORE_ID_SIZE} bytes`);
  const chunkBytes = options.chunkBytes ?? SNAPSHOT_CHUNK_BYTES;
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1 || chunkBytes > SNAPSHOT_CHUNK_BYTES)
    throw new WalError('EINVAL', `snapshot: chunkBytes must be 1..${SNAPSHOT_CHUNK_BYTES}, got ${String(chunkBytes)}`);

  const entryCount = countEntries(snapshot);
  const header = encodeHeader(appliedLsn, storeId, entryCount);
  const seed = crc32(header.subarray(0, 40));
  yield header;

  const chunkCrcs: number[] = [];
  let buffer = new Uint8Array(SNAPSHOT_CHUNK_HEADER_SIZE + chunkBytes);
  let bufferView = new DataView(buffer.buffer);
  let used = 0; // payload bytes in the current chunk
  let inChunk = 0; // entries in the current chunk
  let written = 0;
  let previous: string | undefined;

  const cut = (): Uint8Array => {
    const out = buffer.subarray(0, SNAPSHOT_CHUNK_HEADER_SIZE + used);
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    view.setUint32(0, used, true);
    view.setUint32(4, inChunk, true);
    const crc = crc32(out.subarray(SNAPSHOT_CHUNK_HEADER_SIZE), crc32(out.subarray(0, 8), seed));
    view.setUint32(8, crc, true);
    chunkCrcs.push(crc);
    buffer = new Uint8Array(SNAPSHOT_CHUNK_HEADER_SIZE + chunkBytes);
    bufferView = new DataView(buffer.buffer);
    used = 0;
    inChunk = 0;
    return out;
  };

  // Once per entry: no details object is built unless a check fails.
  for (const [key, value] of snapshot.entries()) {
    if (previous !== undefined && !(previous < key))
      assert(false, 'snapshot entries are sorted by key, strictly increasing', { previous, key });
    previous = key;
    if (LONE_SURROGATE.test(key))
      throw new WalError('EINVAL', 'snapshot: a key is not well-formed UTF-16 (a lone surrogate has no UTF-8 form)', { details: { key } });
    const keyBytes = utf8Encoder.encode(key);
    const size = SNAPSHOT_ENTRY_OVERHEAD + keyBytes.length + value.length;
    if (size > MAX_U32) throw new WalError('ETOOLARGE', 'snapshot: an entry is larger than a chunk can hold (4 GiB)', { details: { key } });
    if (inChunk > 0 && used + size > chunkBytes) yield cut();
    if (SNAPSHOT_CHUNK_HEADER_SIZE + used + size > buffer.length) {
      // Only an entry larger than chunkBytes, alone in its chunk, gets here.
      assert(used === 0, 'an oversized entry starts its own chunk', { used, size });
      buffer = new Uint8Array(SNAPSHOT_CHUNK_HEADER_SIZE + size);
      bufferView = new DataView(buffer.buffer);
    }
    const at = SNAPSHOT_CHUNK_HEADER_SIZE + used;
    bufferView.setUint32(at, keyBytes.length, true);
    bufferView.setUint32(at + 4, value.length, true);
    buffer.set(keyBytes, at + SNAPSHOT_ENTRY_OVERHEAD);
    buffer.set(value, at + SNAPSHOT_ENTRY_OVERHEAD + keyBytes.length);
    used += size;
    inChunk++;
    written++;
  }
  if (inChunk > 0) yield cut();
  assert(written === entryCount, "the snapshot's entries are as many as its size says", { written, entryCount });

  const trailer = new Uint8Array(SNAPSHOT_TRAILER_SIZE);
  const view = new DataView(trailer.buffer);
  trailer.set(SNAPSHOT_TRAILER_MAGIC, 0);
  writeU64(view, 8, entryCount);
  view.setUint32(16, chunkCrcs.length, true);
  view.setUint32(20, crcOfCrcs(chunkCrcs, seed), true);
  yield trailer;
}

function crcOfCrcs(crcs: readonly number[], seed: number): number {
  const bytes = new Uint8Array(crcs.length * 4);
  const view = new DataView(bytes.buffer);
  crcs.forEach((crc, i) => view.setUint32(i * 4, crc, true));
  return crc32(bytes, seed);
}

function corrupt(reason: string, offset: number, extra: Record<string, unknown> = {}): WalError {
  return new WalError('ECORRUPT', `snapshot file corrupt at offset ${offset}: ${reason}`, { details: { offset, reason, ...extra } });
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Reads exactly `length` bytes at `position` into the front of `into`, or throws ECORRUPT (truncated). */
async function readExactly(file: FileHandle, into: Uint8Array, length: number, position: number): Promise<Uint8Array> {
  assert(length <= into.length, 'a read fits its buffer', { length, capacity: into.length });
  const target = into.subarray(0, length);
  let done = 0;
  while (done < length) {
    const n = await file.read(target.subarray(done), position + done);
    if (n === 0) throw corrupt('the file ends early (truncated)', position + done, { wanted: length - done });
    assert(Number.isSafeInteger(n) && n > 0 && n <= length - done, 'a read returns at most what was asked', { n });
    done += n;
  }
  return target;
}

/**
 * Decodes a snapshot file from `file`, reading it piece by piece. Refuses
 * (WalError ECORRUPT, details { offset, reason }) anything that is not exactly
 * a snapshot as encodeSnapshot writes it: bad magic, version, flags or CRC, a
 * truncated file or trailing bytes, a length beyond the file or the limits,
 * invalid UTF-8 in a key, keys out of order, counts that disagree. The
 * offset is where the refused structure starts (the header, a chunk, an
 * entry, a trailer field), so a CRC mismatch names the chunk it covers. No
 * allocation is larger than the file, nor than one chunk the limits allow.
 */
export async function decodeSnapshot(file: FileHandle, options: DecodeSnapshotOptions): Promise<DecodedSnapshot> {
  const { maxKeyBytes, maxValueBytes } = options;
  if (!Number.isSafeInteger(maxKeyBytes) || maxKeyBytes < 0 || !Number.isSafeInteger(maxValueBytes) || maxValueBytes < 0)
    throw new WalError('EINVAL', 'decodeSnapshot: maxKeyBytes and maxValueBytes must be safe integers >= 0');
  const { size: fileSize } = await file.stat();
  if (fileSize < SNAPSHOT_HEADER_SIZE + SNAPSHOT_TRAILER_SIZE)
    throw corrupt('the file is shorter than a header and a trailer', Math.min(fileSize, SNAPSHOT_HEADER_SIZE), { fileSize });

  const header = await readExactly(file, new Uint8Array(SNAPSHOT_HEADER_SIZE), SNAPSHOT_HEADER_SIZE, 0);
  const headerView = new DataView(header.buffer, header.byteOffset, header.byteLength);
  if (!equalBytes(header.subarray(0, 8), SNAPSHOT_MAGIC)) throw corrupt('bad magic: not a faultline snapshot file', 0);
  const headerCrc = crc32(header.subarray(0, 40));
  if (headerView.getUint32(40, true) !== headerCrc) throw corrupt('header CRC mismatch', 0);
  const version = headerView.getUint16(8, true);
  if (version !== SNAPSHOT_VERSION) throw corrupt(`unknown snapshot version ${version}`, 8, { version });
  const flags = headerView.getUint16(10, true);
  if (flags !== 0) throw corrupt(`unknown flags 0x${flags.toString(16)}`, 10, { flags });
  if (headerView.getUint32(12, true) !== 0) throw corrupt('reserved header bytes are not zero', 12);
  const appliedLsn = readU64(headerView, 16);
  if (appliedLsn === undefined) throw corrupt('appliedLsn is not a safe integer', 16);
  const storeId = header.slice(24, 32);
  if (options.expectedStoreId !== undefined && !equalBytes(storeId, options.expectedStoreId))
    throw corrupt('the snapshot belongs to another store (store id mismatch)', 24);
  const entryCount = readU64(headerView, 32);
  if (entryCount === undefined) throw corrupt('entry count is not a safe integer', 32);
  const body = fileSize - SNAPSHOT_HEADER_SIZE - SNAPSHOT_TRAILER_SIZE;
  // Each entry takes at least its 8 length bytes (and each chunk 12 more).
  if (entryCount * SNAPSHOT_ENTRY_OVERHEAD > body) throw corrupt('entry count larger than the file can hold', 32, { entryCount, fileSize });

  const maxEntry = SNAPSHOT_ENTRY_OVERHEAD + maxKeyBytes + maxValueBytes;
  const maxPayload = Math.max(SNAPSHOT_CHUNK_BYTES, maxEntry);
  const seed = headerCrc;
  const entries: Array<[string, Uint8Array]> = [];
  const chunkCrcs: number[] = [];
  const chunkHeader = new Uint8Array(SNAPSHOT_CHUNK_HEADER_SIZE);
  let buffer = new Uint8Array(0);
  let position = SNAPSHOT_HEADER_SIZE;
  let previous: string | undefined;

  while (entries.length < entryCount) {
    const chunkAt = position;
    const room = fileSize - SNAPSHOT_TRAILER_SIZE - position - SNAPSHOT_CHUNK_HEADER_SIZE;
    if (room < SNAPSHOT_ENTRY_OVERHEAD)
      throw corrupt('the file ends before all entries (truncated)', position, { entries: entries.length, entryCount });
    await readExactly(file, chunkHeader, SNAPSHOT_CHUNK_HEADER_SIZE, position);
    const chunkView = new DataView(chunkHeader.buffer);
    const length = chunkView.getUint32(0, true);
    const count = chunkView.getUint32(4, true);
    const storedCrc = chunkView.getUint32(8, true);
    if (length < SNAPSHOT_ENTRY_OVERHEAD || length > room || length > maxPayload)
      throw corrupt('chunk length out of bounds', chunkAt, { length, room, maxPayload });
    if (count < 1 || count > entryCount - entries.length || count * SNAPSHOT_ENTRY_OVERHEAD > length)
      throw corrupt('chunk entry count out of bounds', chunkAt + 4, { count });
    if (buffer.length < length) buffer = new Uint8Array(Math.max(length, Math.min(2 * buffer.length, maxPayload)));
    const payload = await readExactly(file, buffer, length, position + SNAPSHOT_CHUNK_HEADER_SIZE);
    const crc = crc32(payload, crc32(chunkHeader.subarray(0, 8), seed));
    if (crc !== storedCrc) throw corrupt('chunk CRC mismatch', chunkAt, { chunk: chunkCrcs.length });
    chunkCrcs.push(crc);

    const payloadAt = position + SNAPSHOT_CHUNK_HEADER_SIZE;
    const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    let at = 0;
    for (let i = 0; i < count; i++) {
      if (length - at < SNAPSHOT_ENTRY_OVERHEAD) throw corrupt('entry header past the end of its chunk', payloadAt + at);
      const keyLength = view.getUint32(at, true);
      const valueLength = view.getUint32(at + 4, true);
      if (keyLength > maxKeyBytes) throw corrupt('key longer than maxKeyBytes', payloadAt + at, { keyLength, maxKeyBytes });
      if (valueLength > maxValueBytes) throw corrupt('value longer than maxValueBytes', payloadAt + at + 4, { valueLength, maxValueBytes });
      const keyAt = at + SNAPSHOT_ENTRY_OVERHEAD;
      if (keyLength + valueLength > length - keyAt)
        throw corrupt('entry past the end of its chunk', payloadAt + at, { keyLength, valueLength });
      let key: string;
      try {
        key = utf8Decoder.decode(payload.subarray(keyAt, keyAt + keyLength));
      } catch (cause) {
        throw new WalError('ECORRUPT', `snapshot file corrupt at offset ${payloadAt + keyAt}: a key is not valid UTF-8`, {
          cause,
          details: { offset: payloadAt + keyAt, reason: 'a key is not valid UTF-8' },
        });
      }
      if (previous !== undefined && !(previous < key)) throw corrupt('keys not strictly increasing', payloadAt + keyAt, { previous, key });
      previous = key;
      entries.push([key, payload.slice(keyAt + keyLength, keyAt + keyLength + valueLength)]);
      at = keyAt + keyLength + valueLength;
    }
    if (at !== length) throw corrupt('bytes left over after the last entry of a chunk', payloadAt + at, { length, used: at });
    position = payloadAt + length;
  }

  if (fileSize - position !== SNAPSHOT_TRAILER_SIZE)
    throw corrupt('the trailer is not where the file ends (trailing bytes or truncation)', position, { fileSize });
  const trailer = await readExactly(file, new Uint8Array(SNAPSHOT_TRAILER_SIZE), SNAPSHOT_TRAILER_SIZE, position);
  const trailerView = new DataView(trailer.buffer, trailer.byteOffset, trailer.byteLength);
  if (!equalBytes(trailer.subarray(0, 8), SNAPSHOT_TRAILER_MAGIC)) throw corrupt('bad trailer magic', position);
  if (readU64(trailerView, 8) !== entryCount) throw corrupt('trailer entry count differs from the header', position + 8);
  if (trailerView.getUint32(16, true) !== chunkCrcs.length)
    throw corrupt('trailer chunk count differs from the chunks read', position + 16);
  if (trailerView.getUint32(20, true) !== crcOfCrcs(chunkCrcs, seed)) throw corrupt('trailer CRC of chunk CRCs mismatch', position + 20);
  return { appliedLsn, storeId, entries };
}
