import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Bytes, PAGE_SIZE, isAllZero } from '../../src/sim/bytes.js';

/** The model: one flat buffer with a size. */
class Model {
  data = new Uint8Array(0);
  private grow(size: number): void {
    const next = new Uint8Array(size);
    next.set(this.data);
    this.data = next;
  }
  write(d: Uint8Array, off: number): void {
    if (off + d.length > this.data.length) this.grow(off + d.length);
    this.data.set(d, off);
  }
  truncate(size: number): void {
    if (size < this.data.length) this.data = this.data.slice(0, size);
    else this.grow(size);
  }
}

const same = (a: Uint8Array, b: Uint8Array): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));

// Offsets cluster on a few pages and their edges, so operations keep meeting on the same pages.
const offsetArb = fc.oneof(
  fc.integer({ min: 0, max: 3 * PAGE_SIZE }),
  fc.integer({ min: 0, max: 40 }),
  fc.constantFrom(PAGE_SIZE - 1, PAGE_SIZE, PAGE_SIZE + 1, 2 * PAGE_SIZE - 3),
);
const dataArb = fc.oneof(
  fc.uint8Array({ minLength: 0, maxLength: 40 }),
  fc.integer({ min: 1, max: 2 * PAGE_SIZE + 5 }).map((n) => new Uint8Array(n)),
  fc.tuple(fc.integer({ min: 1, max: 2 * PAGE_SIZE + 5 }), fc.integer({ min: 1, max: 255 })).map(([n, v]) => new Uint8Array(n).fill(v)),
);
type Op =
  | { k: 'write'; d: Uint8Array; off: number }
  | { k: 'truncate'; size: number }
  | { k: 'set'; off: number; v: number }
  | { k: 'writeOther'; d: Uint8Array; off: number }
  | { k: 'clone' }
  | { k: 'view' }
  | { k: 'writeFromOther'; from: number; n: number; off: number };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ k: fc.constant('write' as const), d: dataArb, off: offsetArb }), weight: 5 },
  { arbitrary: fc.record({ k: fc.constant('truncate' as const), size: offsetArb }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant('set' as const), off: offsetArb, v: fc.integer({ min: 0, max: 255 }) }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('writeOther' as const), d: dataArb, off: offsetArb }), weight: 2 },
  { arbitrary: fc.constant<Op>({ k: 'clone' }), weight: 1 },
  { arbitrary: fc.constant<Op>({ k: 'view' }), weight: 1 },
  {
    arbitrary: fc.record({
      k: fc.constant('writeFromOther' as const),
      from: offsetArb,
      n: fc.integer({ min: 0, max: PAGE_SIZE + 9 }),
      off: offsetArb,
    }),
    weight: 2,
  },
);

describe('Bytes (sparse pages, copy on write)', () => {
  it('reads exactly like a flat byte array under writes, truncates, byte sets, clones, views and copies between buffers', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3 * PAGE_SIZE }), fc.array(opArb, { maxLength: 25 }), (initial, ops) => {
        const shared = initial.slice();
        // Two Bytes and their models: `a` starts shared over an image's buffer (or as a private copy), `b` is its clone later.
        let a = initial.length % 2 === 0 ? Bytes.sharing(shared) : Bytes.copyOf(initial);
        const ma = new Model();
        ma.write(initial, 0);
        let b = new Bytes();
        let mb = new Model();
        const views: { view: Uint8Array; copy: Uint8Array }[] = [];
        for (const op of ops) {
          if (op.k === 'write') {
            a.write(op.d, op.off);
            ma.write(op.d, op.off);
          } else if (op.k === 'truncate') {
            a.truncate(op.size);
            ma.truncate(op.size);
          } else if (op.k === 'set') {
            a.setByte(op.off, op.v);
            if (op.off < ma.data.length) ma.data[op.off] = op.v;
          } else if (op.k === 'writeOther') {
            b.write(op.d, op.off);
            mb.write(op.d, op.off);
          } else if (op.k === 'clone') {
            // Both go on changing independently: `a` becomes the clone, `b` the original.
            const c = a.clone();
            b = a;
            mb = new Model();
            mb.data = ma.data.slice();
            a = c;
          } else if (op.k === 'view') {
            const v = a.view();
            views.push({ view: v, copy: v.slice() });
          } else {
            const from = Math.min(op.from, b.size);
            const n = Math.min(op.n, b.size - from);
            a.writeFrom(b, from, n, op.off);
            ma.write(mb.data.slice(from, from + n), op.off);
          }
          expect(a.size).toBe(ma.data.length);
        }
        expect(same(a.toUint8Array(), ma.data)).toBe(true);
        expect(same(b.toUint8Array(), mb.data)).toBe(true);
        expect(same(a.view(), ma.data)).toBe(true);
        for (let i = 0; i < Math.min(ma.data.length, 50); i++) expect(a.byteAt(i)).toBe(ma.data[i]);
        const into = new Uint8Array(ma.data.length + 7).fill(9);
        expect(a.read(into, 0)).toBe(ma.data.length);
        expect(same(into.subarray(0, ma.data.length), ma.data)).toBe(true);
        // Nothing a Bytes did changed a buffer it shared: the image and every view handed out.
        expect(same(shared, initial)).toBe(true);
        for (const v of views) expect(same(v.view, v.copy)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('a clone and its original change independently, on the same page and both ways', () => {
    const a = new Bytes();
    a.write(new Uint8Array([1, 2, 3]), 0);
    const c = a.clone();
    a.write(new Uint8Array([9]), 0);
    c.write(new Uint8Array([7]), 1);
    expect([...a.toUint8Array()]).toEqual([9, 2, 3]);
    expect([...c.toUint8Array()]).toEqual([1, 7, 3]);
    const v = a.view();
    a.setByte(2, 5);
    a.truncate(1);
    expect([...v]).toEqual([9, 2, 3]);
    expect([...a.toUint8Array()]).toEqual([9]);
  });

  it('stores no page for zeros written to an absent page, and a view of unchanged shared content is that content', () => {
    const b = new Bytes();
    b.write(new Uint8Array(4 * PAGE_SIZE), 0);
    expect(b.size).toBe(4 * PAGE_SIZE);
    expect(isAllZero(b.view())).toBe(true);
    b.write(new Uint8Array([1]), PAGE_SIZE + 3);
    expect(b.byteAt(PAGE_SIZE + 3)).toBe(1);
    expect(isAllZero(b.view())).toBe(false);
    const image = new Uint8Array(PAGE_SIZE + 10).fill(5);
    expect(Bytes.sharing(image).view()).toBe(image);
  });

  it('views of all-zero content share zeros, and a caller writing into one never leaks into a later view', () => {
    const a = new Bytes();
    a.truncate(3 * PAGE_SIZE);
    const b = new Bytes();
    b.write(new Uint8Array(PAGE_SIZE + 1), 0);
    const va = a.view();
    expect(va.length).toBe(3 * PAGE_SIZE);
    expect(isAllZero(va)).toBe(true);
    va[5] = 1; // forbidden, but must not poison other views
    const vb = b.view();
    expect(vb.length).toBe(PAGE_SIZE + 1);
    expect(isAllZero(vb)).toBe(true);
    expect(isAllZero(new Bytes(new Uint8Array(10)).view())).toBe(true);
  });

  it('a read over pages not stored writes zeros over whatever the buffer held, and leaves a zero buffer as it is', () => {
    const b = new Bytes();
    b.write(new Uint8Array([7, 8]), PAGE_SIZE + 1);
    b.truncate(4 * PAGE_SIZE);
    const dirty = new Uint8Array(3 * PAGE_SIZE).fill(0xee);
    expect(b.read(dirty, 10)).toBe(3 * PAGE_SIZE);
    const expected = new Uint8Array(3 * PAGE_SIZE);
    expected[PAGE_SIZE + 1 - 10] = 7;
    expected[PAGE_SIZE + 2 - 10] = 8;
    expect(same(dirty, expected)).toBe(true);
    // Dirt in the middle of a zero run, and in the tail of a short stored page.
    const partly = new Uint8Array(3 * PAGE_SIZE);
    partly[2 * PAGE_SIZE + 100] = 1;
    partly[PAGE_SIZE + 50] = 3;
    expect(b.read(partly, 10)).toBe(3 * PAGE_SIZE);
    expect(same(partly, expected)).toBe(true);
    const fresh = new Uint8Array(3 * PAGE_SIZE);
    b.read(fresh, 10);
    expect(same(fresh, expected)).toBe(true);
  });

  it('an aligned copy shares its whole pages with the Bytes it is written into, and a change to either never reaches the others', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: PAGE_SIZE - 1 }),
        fc.integer({ min: 1, max: 4 * PAGE_SIZE }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 4 * PAGE_SIZE }),
        (skew, len, basePage, poke) => {
          const data = new Uint8Array(len);
          for (let i = 0; i < len; i++) data[i] = (i * 31 + 7) & 0xff || 1;
          const copy = Bytes.copyAligned(data, skew);
          expect(copy.size).toBe(skew + len);
          const head = new Uint8Array(skew + len);
          copy.read(head, 0);
          expect(isAllZero(head.subarray(0, skew))).toBe(true);
          expect(same(head.subarray(skew), data)).toBe(true);
          // Two layers (page cache, medium) take the copy at the same place in their pages.
          const offset = basePage * PAGE_SIZE + skew;
          const cache = new Bytes();
          const medium = new Bytes();
          cache.writeFrom(copy, skew, len, offset);
          medium.writeFrom(copy, skew, len, offset);
          const at = offset + (poke % len);
          cache.setByte(at, 0);
          cache.write(new Uint8Array([0xaa, 0xbb]), offset + Math.floor(len / 2));
          const expected = new Uint8Array(offset + len);
          expected.set(data, offset);
          expect(same(medium.toUint8Array(), expected)).toBe(true);
          copy.read(head, 0);
          expect(same(head.subarray(skew), data)).toBe(true);
          const model = expected.slice();
          model[at] = 0;
          model.set(
            new Uint8Array([0xaa, 0xbb]).subarray(0, Math.max(0, Math.min(2, model.length - (offset + Math.floor(len / 2))))),
            offset + Math.floor(len / 2),
          );
          const got = cache.toUint8Array();
          expect(same(got.subarray(0, model.length), model)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('isAllZero finds a single non-zero byte anywhere', () => {
    for (const n of [1, 17, PAGE_SIZE, PAGE_SIZE + 1, 3 * PAGE_SIZE + 2]) {
      const d = new Uint8Array(n);
      expect(isAllZero(d)).toBe(true);
      d[n - 1] = 1;
      expect(isAllZero(d)).toBe(false);
      d[n - 1] = 0;
      d[Math.floor(n / 2)] = 128;
      expect(isAllZero(d)).toBe(false);
    }
  });
});
