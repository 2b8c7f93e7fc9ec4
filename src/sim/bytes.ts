/**
 * Bytes: the content of one file layer (page cache or medium) as a sparse,
 * copy-on-write array of fixed-size pages.
 *
 * - Sparse: a page that was never written with anything but zeros is not
 *   stored at all (`null`). A log preallocated with zeros costs nothing until
 *   records land in it.
 * - Copy on write, per page: `clone`, `Bytes.sharing` and `view` share pages
 *   instead of copying them; a Bytes copies a page it shares (one page, not
 *   the file) before its first change to it. The page cache and the medium of
 *   a file loaded from an image share every page until one of them changes.
 *
 * Invariant: bytes at or past `size` read as zero in every stored page, and a
 * stored page shorter than PAGE_SIZE (a shared view of an image) reads as
 * zero past its end. Content is exactly what the previous contiguous buffer
 * held; only the cost of copying it changed.
 */
/** Bytes per page (16 KiB). */
export const PAGE_SIZE = 16 * 1024;
/** Never written: the zeros `isAllZero` compares with. */
const ZERO_PAGE = Buffer.alloc(PAGE_SIZE);

/** True when every byte of data is zero (memcmp against a zero page, PAGE_SIZE at a time). */
export function isAllZero(data: Uint8Array): boolean {
  for (let at = 0; at < data.length; at += PAGE_SIZE) {
    const n = Math.min(PAGE_SIZE, data.length - at);
    const chunk = Buffer.from(data.buffer, data.byteOffset + at, n);
    if (!chunk.equals(n === PAGE_SIZE ? ZERO_PAGE : ZERO_PAGE.subarray(0, n))) return false;
  }
  return true;
}

/**
 * Zeros that views of files storing no page share (a preallocated segment
 * need not be materialised per crash image). Checked to be still all zero
 * before every reuse: a caller that wrote into an image's bytes (they are
 * read-only) gets a fresh buffer used from then on, never stale content.
 */
let sharedZeros = new Uint8Array(0);

/**
 * into[from, to) = 0. When `into` is a window of a larger buffer (a file read
 * into its place in a buffer as large as the file: likely fresh memory), the
 * zeros are written only if some byte there is not zero already, so fresh
 * pages are only read, and the kernel need not back them; a whole buffer (a
 * reused scratch, likely in cache) is filled at once, which costs less than
 * comparing it. Either way the result is the same.
 */
function zeroFill(into: Uint8Array, from: number, to: number): void {
  if (into.byteLength < into.buffer.byteLength && isAllZero(into.subarray(from, to))) return;
  into.fill(0, from, to);
}

function zeroView(n: number): Uint8Array {
  if (sharedZeros.length < n || !isAllZero(sharedZeros.subarray(0, n))) sharedZeros = new Uint8Array(Math.max(n, sharedZeros.length));
  return sharedZeros.subarray(0, n);
}

export class Bytes {
  private pages: (Uint8Array | null)[] = [];
  /** owned[i]: page i is private to this Bytes (full PAGE_SIZE, may be changed in place). */
  private owned: boolean[] = [];
  private len = 0;
  /** The content as one buffer, when known and unchanged since (shared: never mutated). */
  private flat: Uint8Array | undefined;

  constructor(initial?: Uint8Array) {
    if (initial !== undefined) this.write(initial, 0);
  }

  /** Bytes over `data` without copying it; `data` is never mutated through the result (the caller must not mutate it either). */
  static sharing(data: Uint8Array): Bytes {
    const b = new Bytes();
    for (let at = 0; at < data.length; at += PAGE_SIZE) {
      b.pages.push(data.subarray(at, Math.min(data.length, at + PAGE_SIZE)));
      b.owned.push(false);
    }
    b.len = data.length;
    b.flat = data;
    return b;
  }

  /**
   * A private, never-changed copy of data (a pending write's bytes): zero
   * pages are not stored, other pages are copied at their exact length (a
   * 200-byte write keeps 200 bytes, not a page).
   */
  static copyOf(data: Uint8Array): Bytes {
    const b = new Bytes();
    for (let at = 0; at < data.length; at += PAGE_SIZE) {
      const chunk = data.subarray(at, Math.min(data.length, at + PAGE_SIZE));
      b.pages.push(isAllZero(chunk) ? null : chunk.slice());
      b.owned.push(false);
    }
    b.len = data.length;
    return b;
  }

  /**
   * A private, never-changed copy of data placed `skew` bytes into its first
   * page (0 <= skew < PAGE_SIZE): content [skew, skew + data.length) is data,
   * and the bytes before skew read as zero. Copied with skew = target %
   * PAGE_SIZE, every whole page of a write lands on a whole page of the file,
   * so the page cache and the medium can share those pages (writeFrom) instead
   * of copying them again. Zero pages are not stored.
   */
  static copyAligned(data: Uint8Array, skew: number): Bytes {
    if (skew === 0) return Bytes.copyOf(data);
    const b = new Bytes();
    const end = skew + data.length;
    for (let pos = 0; pos < end; pos += PAGE_SIZE) {
      const from = Math.max(pos, skew);
      const to = Math.min(end, pos + PAGE_SIZE);
      const chunk = data.subarray(from - skew, to - skew);
      let page: Uint8Array | null = null;
      if (!isAllZero(chunk)) {
        if (from === pos) page = chunk.slice();
        else {
          page = new Uint8Array(to - pos);
          page.set(chunk, from - pos);
        }
      }
      b.pages.push(page);
      b.owned.push(false);
    }
    b.len = end;
    return b;
  }

  get size(): number {
    return this.len;
  }

  /** Page `pi` made private and full size, ready to change (allocated zero when absent). */
  private ownPage(pi: number, overwriteWhole: boolean): Uint8Array {
    while (this.pages.length <= pi) {
      this.pages.push(null);
      this.owned.push(false);
    }
    const page = this.pages[pi] as Uint8Array | null;
    if (page !== null && this.owned[pi] === true) return page;
    const next = new Uint8Array(PAGE_SIZE);
    if (page !== null && !overwriteWhole) next.set(page);
    this.pages[pi] = next;
    this.owned[pi] = true;
    return next;
  }

  /** Writes data at offset, zero-filling any hole and growing the size. */
  write(data: Uint8Array, offset: number): void {
    const end = offset + data.length;
    this.flat = undefined;
    for (let pos = offset; pos < end;) {
      const pi = Math.floor(pos / PAGE_SIZE);
      const po = pos - pi * PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - po, end - pos);
      const chunk = data.subarray(pos - offset, pos - offset + n);
      const page = pi < this.pages.length ? this.pages[pi] : null;
      // A zero chunk on an absent page changes nothing: the page already reads as zeros.
      if (!((page === null || page === undefined) && isAllZero(chunk))) this.ownPage(pi, n === PAGE_SIZE).set(chunk, po);
      pos += n;
    }
    if (end > this.len) this.len = end;
  }

  /** Page pi becomes `page`, shared (never changed here: the first change copies it). */
  private sharePage(pi: number, page: Uint8Array): void {
    this.flat = undefined;
    while (this.pages.length <= pi) {
      this.pages.push(null);
      this.owned.push(false);
    }
    this.pages[pi] = page;
    this.owned[pi] = false;
  }

  /** Writes n zero bytes at offset (growing the size); absent pages stay absent. */
  private writeZeros(offset: number, n: number): void {
    const end = offset + n;
    this.flat = undefined;
    for (let pos = offset; pos < end;) {
      const pi = Math.floor(pos / PAGE_SIZE);
      const po = pos - pi * PAGE_SIZE;
      const k = Math.min(PAGE_SIZE - po, end - pos);
      const page = pi < this.pages.length ? this.pages[pi] : null;
      if (page !== null && page !== undefined && po < page.length) this.ownPage(pi, false).fill(0, po, po + k);
      pos += k;
    }
    if (end > this.len) this.len = end;
  }

  /**
   * Writes src's bytes [from, from + n) at offset, as write() would with a
   * copy of them (from + n <= src.size). Where from and offset lie at the same
   * place in their pages, a whole page of src covering a whole page here is
   * shared (copy on write, both sides), not copied.
   */
  writeFrom(src: Bytes, from: number, n: number, offset: number): void {
    const end = from + n;
    const aligned = (from - offset) % PAGE_SIZE === 0;
    for (let pos = from; pos < end;) {
      const pi = Math.floor(pos / PAGE_SIZE);
      const po = pos - pi * PAGE_SIZE;
      const k = Math.min(PAGE_SIZE - po, end - pos);
      const at = offset + (pos - from);
      const page = pi < src.pages.length ? src.pages[pi] : null;
      if (page === null || page === undefined || po >= page.length) {
        this.writeZeros(at, k);
      } else if (aligned && k === PAGE_SIZE && page.length === PAGE_SIZE) {
        this.sharePage(at / PAGE_SIZE, page);
        src.owned[pi] = false;
        if (at + k > this.len) this.len = at + k;
      } else {
        const stored = Math.min(k, page.length - po);
        this.write(page.subarray(po, po + stored), at);
        if (stored < k) this.writeZeros(at + stored, k - stored);
      }
      pos += k;
    }
    if (offset + n > this.len) {
      // As write() of an empty buffer: the size still grows to the end.
      this.flat = undefined;
      this.len = offset + n;
    }
  }

  /** Sets the size: shrinking drops bytes, growing reads as zeros. */
  truncate(size: number): void {
    if (size >= this.len) {
      if (size > this.len) this.flat = undefined;
      this.len = size;
      return;
    }
    this.flat = undefined;
    const keep = Math.ceil(size / PAGE_SIZE);
    if (this.pages.length > keep) {
      this.pages.length = keep;
      this.owned.length = keep;
    }
    const off = size % PAGE_SIZE;
    const last = keep - 1;
    const page = off === 0 || last < 0 ? null : (this.pages[last] ?? null);
    if (page !== null && page.length > off) {
      if (this.owned[last] === true) page.fill(0, off);
      else this.pages[last] = page.subarray(0, off);
    }
    this.len = size;
  }

  /** Copies up to into.length bytes from offset; returns the count (0 at or past the end). */
  read(into: Uint8Array, offset: number): number {
    if (offset >= this.len) return 0;
    const n = Math.min(into.length, this.len - offset);
    this.copyInto(into, offset, n);
    return n;
  }

  /**
   * into[0, n) = content[offset, offset + n), with offset + n <= size.
   * Zeros (pages not stored, and past a short page) are written only where
   * `into` does not already read as zero: a read into fresh memory (a
   * recovery reading a preallocated segment into a new buffer) then touches
   * its pages for reading only, and the kernel does not have to back them.
   */
  private copyInto(into: Uint8Array, offset: number, n: number): void {
    const end = offset + n;
    let zerosFrom = -1; // start (in into) of a run of zeros not yet written
    for (let pos = offset; pos < end;) {
      const pi = Math.floor(pos / PAGE_SIZE);
      const po = pos - pi * PAGE_SIZE;
      const k = Math.min(PAGE_SIZE - po, end - pos);
      const at = pos - offset;
      const page = pi < this.pages.length ? this.pages[pi] : null;
      if (page === null || page === undefined || po >= page.length) {
        if (zerosFrom < 0) zerosFrom = at;
      } else {
        if (zerosFrom >= 0) zeroFill(into, zerosFrom, at);
        const stored = Math.min(k, page.length - po);
        into.set(page.subarray(po, po + stored), at);
        zerosFrom = stored < k ? at + stored : -1;
      }
      pos += k;
    }
    if (zerosFrom >= 0) zeroFill(into, zerosFrom, n);
  }

  byteAt(offset: number): number {
    if (offset < 0 || offset >= this.len) return 0;
    const pi = Math.floor(offset / PAGE_SIZE);
    const page = pi < this.pages.length ? this.pages[pi] : null;
    return page === null || page === undefined ? 0 : (page[offset - pi * PAGE_SIZE] ?? 0);
  }

  setByte(offset: number, value: number): void {
    if (offset < 0 || offset >= this.len) return;
    this.flat = undefined;
    const pi = Math.floor(offset / PAGE_SIZE);
    this.ownPage(pi, false)[offset - pi * PAGE_SIZE] = value;
  }

  /**
   * A copy of the content [0, size). Writes only the non-zero pages into the
   * fresh (zero) buffer; a stored page found to hold only zeros (e.g. the
   * zero tail of a file loaded from an image) is dropped on the way, so later
   * reads and copies of it skip it too.
   */
  toUint8Array(): Uint8Array {
    const out = new Uint8Array(this.len);
    for (let pi = 0; pi < this.pages.length; pi++) {
      const page = this.pages[pi] as Uint8Array | null;
      if (page === null) continue;
      if (isAllZero(page)) {
        this.pages[pi] = null;
        this.owned[pi] = false;
        continue;
      }
      const base = pi * PAGE_SIZE;
      out.set(page.subarray(0, Math.min(page.length, this.len - base)), base);
    }
    return out;
  }

  /**
   * The content [0, size) as one buffer, built at most once while unchanged
   * (shared with later calls and clones; all zeros share one buffer). The
   * caller must not mutate it.
   */
  view(): Uint8Array {
    if (this.flat === undefined) this.flat = this.pages.every((p) => p === null) ? zeroView(this.len) : this.toUint8Array();
    return this.flat;
  }

  /** An independent Bytes with the same content (pages shared copy-on-write: nothing is copied until one of them changes). */
  clone(): Bytes {
    const b = new Bytes();
    b.pages = this.pages.slice();
    b.owned = this.pages.map(() => false);
    this.owned = this.pages.map(() => false);
    b.len = this.len;
    b.flat = this.flat;
    return b;
  }
}
