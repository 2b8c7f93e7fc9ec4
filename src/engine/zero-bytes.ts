/** Byte compares the reader needs at speed: all-zero checks (the preallocated tail) and equality, with native compares of 64 KiB blocks. */

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
