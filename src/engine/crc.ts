/** CRC-32 for the on-disk format (docs/format.md, "CRC-32"): native zlib.crc32, and a JS table for short inputs. */
import * as zlib from 'node:zlib';

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
