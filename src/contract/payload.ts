/**
 * Self-identifying record payloads. Every payload the harness appends is
 * distinct from every other one of the run, so each recovered byte string can
 * be attributed to exactly one append (or to none: garbage).
 *
 * Layout when the requested size allows (>= 16 bytes): 'FLR1', the append's
 * run-wide id (u32 BE), epoch (u16), client (u16), length (u32), then filler
 * derived from the id. Smaller payloads hold the id's low bytes; when that
 * short string is already taken (or a second empty record is asked for), the
 * payload grows to the shortest length that is unique.
 */
import { WalError } from '../errors.js';

export const PAYLOAD_HEADER_BYTES = 16;
export const MAX_PAYLOAD_BYTES = 1024 * 1024;
const MAGIC = [0x46, 0x4c, 0x52, 0x31]; // 'FLR1'

function filler(id: number, into: Uint8Array, from: number): void {
  // xorshift32 seeded by the id: deterministic, cheap, different for every id; one 32-bit word
  // (little-endian, the same on every platform) per step, then single bytes for the tail.
  let x = (id * 0x9e3779b1) ^ 0x5bd1e995 || 1;
  const view = new DataView(into.buffer, into.byteOffset, into.byteLength);
  let i = from;
  for (; i + 4 <= into.length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    view.setUint32(i, x >>> 0, true);
  }
  for (; i < into.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    into[i] = x & 0xff;
  }
}

/** The payload of append `id` of exactly `size` bytes (size >= 16). */
export function fullPayload(id: number, epoch: number, client: number, size: number): Uint8Array {
  if (size < PAYLOAD_HEADER_BYTES || size > MAX_PAYLOAD_BYTES) throw new WalError('EINVAL', `payload size ${size} out of [16, 1 MiB]`);
  const out = new Uint8Array(size);
  out.set(MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setUint32(4, id >>> 0);
  view.setUint16(8, epoch & 0xffff);
  view.setUint16(10, client & 0xffff);
  view.setUint32(12, size);
  filler(id, out, PAYLOAD_HEADER_BYTES);
  return out;
}

function shortPayload(id: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let v = id;
  for (let i = size - 1; i >= 0; i--) {
    out[i] = v & 0xff;
    v = Math.floor(v / 256);
  }
  return out;
}

/** A stable string key for a byte string (exact for short ones, length + two FNV lanes otherwise). */
export function payloadKey(data: Uint8Array): string {
  if (data.length <= 32) return `s${Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex')}`;
  let h1 = 0x811c9dc5;
  let h2 = 0x2545f491;
  for (let i = 0; i < data.length; i++) {
    const c = data[i] as number;
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x01000193) ^ (h2 >>> 15);
  }
  return `h${data.length}:${(h1 >>> 0).toString(16)}:${(h2 >>> 0).toString(16)}`;
}

/** Makes the run's payloads and remembers them so none repeats. */
export class PayloadFactory {
  private readonly used = new Set<string>();

  /** A payload of `requested` bytes when that can be unique, else the shortest unique longer one. */
  make(id: number, epoch: number, client: number, requested: number): Uint8Array {
    if (!Number.isSafeInteger(requested) || requested < 0 || requested > MAX_PAYLOAD_BYTES) {
      throw new WalError('EINVAL', `payload size ${requested} out of [0, 1 MiB]`);
    }
    for (let size = requested; size < PAYLOAD_HEADER_BYTES; size++) {
      if (size > 0 && id >= 256 ** size) continue;
      const candidate = shortPayload(id, size);
      const key = payloadKey(candidate);
      if (!this.used.has(key)) {
        this.used.add(key);
        return candidate;
      }
    }
    const data = fullPayload(id, epoch, client, Math.max(requested, PAYLOAD_HEADER_BYTES));
    // The filler is a function of the id in the header: distinct headers are distinct payloads.
    const key = `f${Buffer.from(data.buffer, data.byteOffset, PAYLOAD_HEADER_BYTES).toString('hex')}`;
    if (this.used.has(key)) throw new WalError('ESIM', `payload for append ${id} is not unique`);
    this.used.add(key);
    return data;
  }
}
