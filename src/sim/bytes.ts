/**
 * Bytes: a growable byte buffer with a logical size (capacity doubles), so a
 * log that appends does not copy its whole file on every write.
 */
export class Bytes {
  private buf: Uint8Array;
  private len: number;

  constructor(initial?: Uint8Array) {
    this.buf = initial === undefined ? new Uint8Array(0) : initial.slice();
    this.len = this.buf.length;
  }

  get size(): number {
    return this.len;
  }

  private ensure(capacity: number): void {
    if (capacity <= this.buf.length) return;
    let cap = Math.max(64, this.buf.length * 2);
    while (cap < capacity) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** Writes data at offset, zero-filling any hole and growing the size. */
  write(data: Uint8Array, offset: number): void {
    const end = offset + data.length;
    this.ensure(end);
    if (offset > this.len) this.buf.fill(0, this.len, offset);
    this.buf.set(data, offset);
    if (end > this.len) this.len = end;
  }

  /** Sets the size: shrinking drops bytes, growing reads as zeros. */
  truncate(size: number): void {
    if (size > this.len) {
      this.ensure(size);
      this.buf.fill(0, this.len, size);
    }
    this.len = size;
  }

  /** Copies up to into.length bytes from offset; returns the count (0 at or past the end). */
  read(into: Uint8Array, offset: number): number {
    if (offset >= this.len) return 0;
    const n = Math.min(into.length, this.len - offset);
    into.set(this.buf.subarray(offset, offset + n));
    return n;
  }

  byteAt(offset: number): number {
    return this.buf[offset] ?? 0;
  }

  setByte(offset: number, value: number): void {
    if (offset < this.len) this.buf[offset] = value;
  }

  /** A copy of the content [0, size). */
  toUint8Array(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  clone(): Bytes {
    return new Bytes(this.buf.subarray(0, this.len));
  }
}
