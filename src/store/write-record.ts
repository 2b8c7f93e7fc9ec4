/**
 * A store transaction's writes as log records: each write is one data record
 * of the transaction (src/engine's appendTransaction), its payload:
 *
 *   offset 0      1 byte   op: 1 = put, 2 = delete
 *   offset 1      4 bytes  key length k (u32, little-endian)
 *   offset 5      k bytes  key, UTF-8
 *   offset 5 + k  rest     value (put only; a delete has nothing after the key)
 *
 * docs/format.md ("Store records") mirrors this. The record's checksum is
 * the log's; a record that verified but does not decode here is not a
 * store's record, and recovery refuses it (ECORRUPT) instead of guessing.
 */
import { WalError } from '../errors.js';
import type { StateWrite } from './state-store.js';

export const OP_PUT = 1;
export const OP_DELETE = 2;
/** Bytes in front of the key: the op and the key length. */
export const WRITE_RECORD_OVERHEAD = 5;

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The record payload of one write (`keyBytes` is the key's UTF-8, already measured by the caller). */
export function encodeWrite(keyBytes: Uint8Array, value: Uint8Array | undefined): Uint8Array {
  const out = new Uint8Array(WRITE_RECORD_OVERHEAD + keyBytes.length + (value?.length ?? 0));
  out[0] = value === undefined ? OP_DELETE : OP_PUT;
  new DataView(out.buffer).setUint32(1, keyBytes.length, true);
  out.set(keyBytes, WRITE_RECORD_OVERHEAD);
  if (value !== undefined) out.set(value, WRITE_RECORD_OVERHEAD + keyBytes.length);
  return out;
}

export function keyBytesOf(key: string): Uint8Array {
  return utf8.encode(key);
}

/** Decodes one write; `lsn` names the record in the error. The value is a view into `payload`. */
export function decodeWrite(payload: Uint8Array, lsn: number): StateWrite {
  const bad = (reason: string): WalError =>
    new WalError('ECORRUPT', `log record ${lsn} is not a store write: ${reason}`, { details: { lsn, reason } });
  if (payload.length < WRITE_RECORD_OVERHEAD) throw bad(`${payload.length} bytes, shorter than a write's header`);
  const op = payload[0];
  const keyLength = new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(1, true);
  if (keyLength > payload.length - WRITE_RECORD_OVERHEAD) throw bad(`key length ${keyLength} beyond the record`);
  let key: string;
  try {
    key = utf8Strict.decode(payload.subarray(WRITE_RECORD_OVERHEAD, WRITE_RECORD_OVERHEAD + keyLength));
  } catch {
    throw bad('the key is not valid UTF-8');
  }
  const rest = payload.subarray(WRITE_RECORD_OVERHEAD + keyLength);
  if (op === OP_PUT) return { key, value: rest };
  if (op === OP_DELETE) {
    if (rest.length !== 0) throw bad(`a delete with ${rest.length} bytes after its key`);
    return { key, value: undefined };
  }
  throw bad(`unknown op ${String(op)}`);
}
